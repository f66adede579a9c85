export * from "./fixtures.js"
export * from "./PgProxy.js"
export * from "./setup.js"
export * from "./urls.js"
