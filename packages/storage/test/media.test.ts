import { describe, expect, it } from "@effect/vitest"
import { describeImage, sniffContentType } from "@manara/storage"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import sharp, { type Sharp } from "sharp"

type Format = "jpeg" | "png" | "webp"
const image = (format: Format, width: number, height: number, edit: (image: Sharp) => Sharp = (i) => i) =>
  Effect.promise(() =>
    edit(sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } }))
      .toFormat(format)
      .toBuffer()
      .then((buffer) => new Uint8Array(buffer))
  )
const sizeOf = (bytes: Uint8Array) =>
  Effect.promise(() => sharp(bytes).metadata()).pipe(Effect.map(({ format, width, height }) => ({ format, width, height })))

const PDF = new TextEncoder().encode(
  "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)

describe("sniffContentType", () => {
  it.effect("knows JPEG, PNG, WebP and PDF by their bytes", () =>
    Effect.gen(function* () {
      expect(sniffContentType(yield* image("jpeg", 8, 8))).toBe("image/jpeg")
      expect(sniffContentType(yield* image("png", 8, 8))).toBe("image/png")
      expect(sniffContentType(yield* image("webp", 8, 8))).toBe("image/webp")
      expect(sniffContentType(PDF)).toBe("application/pdf")
    })
  )

  it.effect("gives undefined for anything else, including near misses and short input", () =>
    Effect.gen(function* () {
      const ascii = (text: string) => new TextEncoder().encode(text)
      expect(sniffContentType(new Uint8Array())).toBeUndefined()
      expect(sniffContentType(ascii("<html><body>hello</body></html>"))).toBeUndefined()
      expect(sniffContentType(ascii("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeUndefined()
      expect(sniffContentType(ascii("GIF89a\x01\x00\x01\x00"))).toBeUndefined()
      expect(sniffContentType(ascii("RIFF\x24\x00\x00\x00WAVEfmt "))).toBeUndefined()
      expect(sniffContentType(ascii("RIFF\x24\x00"))).toBeUndefined()
      expect(sniffContentType(new Uint8Array([0xff, 0xd8]))).toBeUndefined()
      expect(sniffContentType((yield* image("png", 8, 8)).subarray(0, 7))).toBeUndefined()
      expect(sniffContentType(ascii(" %PDF-1.4"))).toBeUndefined()
      // Random bytes that happen to start like a JPEG would count as one: fix the first byte.
      const garbage = new Uint8Array(randomBytes(512))
      garbage[0] = 0x00
      expect(sniffContentType(garbage)).toBeUndefined()
    })
  )
})

describe("describeImage", () => {
  it.effect("gives the size and a WebP thumbnail that fits 480x480, keeping the aspect ratio", () =>
    Effect.gen(function* () {
      for (const format of ["jpeg", "png", "webp"] as const) {
        const facts = yield* describeImage(yield* image(format, 1200, 800))
        expect(facts).toMatchObject({ width: 1200, height: 800 })
        expect(sniffContentType(facts.thumbnail)).toBe("image/webp")
        expect(yield* sizeOf(facts.thumbnail)).toEqual({ format: "webp", width: 480, height: 320 })
      }
      const portrait = yield* describeImage(yield* image("png", 900, 1800))
      expect(yield* sizeOf(portrait.thumbnail)).toEqual({ format: "webp", width: 240, height: 480 })
    })
  )

  it.effect("never enlarges a small image", () =>
    Effect.gen(function* () {
      const facts = yield* describeImage(yield* image("png", 100, 50))
      expect(facts).toMatchObject({ width: 100, height: 50 })
      expect(yield* sizeOf(facts.thumbnail)).toEqual({ format: "webp", width: 100, height: 50 })
    })
  )

  it.effect("applies the EXIF orientation of a phone photo and strips the metadata from the thumbnail", () =>
    Effect.gen(function* () {
      // Stored 600x400, to be shown rotated 90°: 400x600.
      const photo = yield* image("jpeg", 600, 400, (i) => i.withMetadata({ orientation: 6 }))
      expect((yield* Effect.promise(() => sharp(photo).metadata())).orientation).toBe(6)
      const facts = yield* describeImage(photo)
      expect(facts).toMatchObject({ width: 400, height: 600 })
      expect(yield* sizeOf(facts.thumbnail)).toEqual({ format: "webp", width: 320, height: 480 })
      const thumbnail = yield* Effect.promise(() => sharp(facts.thumbnail).metadata())
      expect(thumbnail.orientation).toBeUndefined()
      expect(thumbnail.exif).toBeUndefined()
    })
  )

  it.effect("a corrupt image fails with ImageUnreadable", () =>
    Effect.gen(function* () {
      const png = yield* image("png", 300, 200)
      const corrupt = new Uint8Array(png)
      corrupt.set(randomBytes(corrupt.length - 16), 16)
      const error = yield* Effect.flip(describeImage(corrupt))
      expect(error._tag).toBe("ImageUnreadable")

      const signatureOnly = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...randomBytes(200)])
      expect((yield* Effect.flip(describeImage(signatureOnly)))._tag).toBe("ImageUnreadable")
      const fakeJpeg = new Uint8Array([0xff, 0xd8, 0xff, ...randomBytes(200)])
      expect((yield* Effect.flip(describeImage(fakeJpeg)))._tag).toBe("ImageUnreadable")
    })
  )

  it.effect("a PDF, an SVG or a GIF is not an image here, even though libvips could open some", () =>
    Effect.gen(function* () {
      expect((yield* Effect.flip(describeImage(PDF)))._tag).toBe("ImageUnreadable")
      const svg = new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>")
      expect((yield* Effect.flip(describeImage(svg)))._tag).toBe("ImageUnreadable")
      const gif = yield* Effect.promise(() =>
        sharp({ create: { width: 8, height: 8, channels: 3, background: "red" } })
          .gif()
          .toBuffer()
          .then((b) => new Uint8Array(b))
      )
      expect((yield* Effect.flip(describeImage(gif)))._tag).toBe("ImageUnreadable")
    })
  )
})
