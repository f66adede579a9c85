export * from "./Media.js"
export * from "./Storage.js"
export * from "./StorageConfig.js"
