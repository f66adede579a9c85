export * from "./Storefronts.js"
