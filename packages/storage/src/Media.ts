import { Data, Effect } from "effect"
import sharp from "sharp"

export type SniffedType = "image/jpeg" | "image/png" | "image/webp" | "application/pdf"

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte)

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))
const JPEG = [0xff, 0xd8, 0xff]
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const RIFF = ascii("RIFF")
const WEBP = ascii("WEBP")
const PDF = ascii("%PDF-")

/** The type the bytes really are, from their magic numbers (never from a name or a declared type). */
export const sniffContentType = (bytes: Uint8Array): SniffedType | undefined => {
  if (startsWith(bytes, JPEG)) return "image/jpeg"
  if (startsWith(bytes, PNG)) return "image/png"
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return "image/webp"
  if (startsWith(bytes, PDF)) return "application/pdf"
  return undefined
}

/** Not a JPEG, PNG or WebP we can decode (corrupt, truncated past repair, too large, or another format). */
export class ImageUnreadable extends Data.TaggedError("ImageUnreadable")<{ readonly cause: unknown }> {}

export interface ImageFacts {
  /** As displayed, i.e. after the EXIF orientation is applied. */
  readonly width: number
  readonly height: number
  /** WebP, fits in THUMBNAIL_SIZE x THUMBNAIL_SIZE, never enlarged, metadata (EXIF, GPS) stripped. */
  readonly thumbnail: Uint8Array
}

export const THUMBNAIL_SIZE = 480
// 100 megapixels: phone photos pass, a decompression bomb does not get decoded.
const MAX_INPUT_PIXELS = 100_000_000

/** Dimensions and a WebP thumbnail of an uploaded image. */
export const describeImage = (bytes: Uint8Array): Effect.Effect<ImageFacts, ImageUnreadable> => {
  const type = sniffContentType(bytes)
  // Only the types uploads accept: libvips would also open SVG, TIFF, GIF... from untrusted bytes.
  if (type === undefined || type === "application/pdf") {
    return Effect.fail(new ImageUnreadable({ cause: `not a JPEG, PNG or WebP image (${type ?? "unknown type"})` }))
  }
  return Effect.tryPromise({
    try: async () => {
      // failOn "error": photos with harmless decoder warnings are still accepted.
      const image = sharp(bytes, { failOn: "error", limitInputPixels: MAX_INPUT_PIXELS })
      const metadata = await image.metadata()
      const thumbnail = await image
        .clone()
        .autoOrient()
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer()
      return {
        width: metadata.autoOrient.width,
        height: metadata.autoOrient.height,
        thumbnail: new Uint8Array(thumbnail.buffer, thumbnail.byteOffset, thumbnail.byteLength)
      }
    },
    catch: (cause) => new ImageUnreadable({ cause })
  })
}
