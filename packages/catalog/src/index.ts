export * from "./Catalog.js"
export * from "./Media.js"
export * from "./Proofs.js"
export * from "./PublicCache.js"
export * from "./ShareImage.js"
export { searchWords } from "./Catalog.js"

import type { InvalidItem, InvalidItemTransition, ItemNotFound, MediaNotFound, SlugTaken } from "./Catalog.js"
import type { UnsupportedMediaType, UploadMissing, UploadTooLarge } from "./Media.js"
import type { ProofNotFound } from "./Proofs.js"
import type { ShareImageFailed } from "./ShareImage.js"
/** Every expected failure of the catalog, its media and proofs: the API maps each to a problem. */
export type CatalogError =
  | ItemNotFound
  | SlugTaken
  | InvalidItem
  | InvalidItemTransition
  | MediaNotFound
  | UploadTooLarge
  | UnsupportedMediaType
  | UploadMissing
  | ProofNotFound
  | ShareImageFailed
