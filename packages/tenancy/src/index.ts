export * from "./Storefronts.js"
export * from "./Memberships.js"
export * from "./Members.js"
