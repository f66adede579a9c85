import { formatKwdText, localDigits, type NumberLocale } from "@manara/domain/numbers"
import { Data, Effect } from "effect"
import sharp, { type OverlayOptions } from "sharp"

/** Open Graph's recommended size: what WhatsApp, X and Facebook crop to. */
export const SHARE_WIDTH = 1200
export const SHARE_HEIGHT = 630
const PAD = 64

/** Rendering failed (an unreadable cover is not a failure: the gradient is used instead). */
export class ShareImageFailed extends Data.TaggedError("ShareImageFailed")<{ readonly cause: unknown }> {}

export interface ShareCard {
  readonly locale: NumberLocale
  readonly title: string
  readonly siteName: string
  /** A project's progress; null for a product or a project without a goal. */
  readonly progress: { readonly raised: string; readonly goal: string } | null
  /** The cover's bytes (any format sharp reads), or null for the brand gradient. */
  readonly cover: Uint8Array | null
  /** Two hex colours for the gradient, e.g. the tenant's primary and accent. */
  readonly colours: readonly [string, string]
}

/** Pango markup treats & < > as syntax: a title must never be read as markup. */
const escapeMarkup = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const HEX = /^#[0-9a-fA-F]{6}$/
const colour = (value: string, fallback: string) => (HEX.test(value) ? value : fallback)

/** Noto Sans Arabic (Debian's fonts-noto-core) for Arabic; Pango falls back to Noto Sans for Latin. */
const FONT = "Noto Sans Arabic, Noto Sans"

/**
 * Text drawn by Pango (through sharp's `text` input): it shapes Arabic (joined letters, right to
 * left), which librsvg's SVG `<text>` does not do reliably. Returns a transparent PNG and its size.
 */
const textLayer = async (
  text: string,
  options: {
    readonly size: number
    readonly width: number
    readonly bold: boolean
    readonly rtl: boolean
    readonly colour: string
    readonly height?: number
  }
) => {
  const { data, info } = await sharp({
    text: {
      text: `<span foreground="${options.colour}">${escapeMarkup(text)}</span>`,
      font: `${FONT} ${options.bold ? "Bold " : ""}${options.size}px`,
      rgba: true,
      width: options.width,
      ...(options.height === undefined ? {} : { height: options.height }),
      align: options.rtl ? "right" : "left",
      wrap: "word",
      spacing: Math.round(options.size * 0.3)
    }
  })
    .png()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** A diagonal gradient in two colours, with soft circles: an illustration with nothing downloaded. */
const gradientSvg = (width: number, height: number, from: string, to: string) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>
  <rect width="${width}" height="${height}" fill="url(#g)"/>
  <circle cx="${width * 0.85}" cy="${height * 0.2}" r="${height * 0.45}" fill="#ffffff" fill-opacity="0.08"/>
  <circle cx="${width * 0.12}" cy="${height * 0.95}" r="${height * 0.35}" fill="#ffffff" fill-opacity="0.06"/>
  <circle cx="${width * 0.55}" cy="${height * 0.6}" r="${height * 0.18}" fill="#ffffff" fill-opacity="0.05"/>
</svg>`)

const percentOf = (raised: string, goal: string) => {
  const r = Number(raised)
  const g = Number(goal)
  return g > 0 && Number.isFinite(r) ? Math.max(0, Math.min(100, Math.floor((r / g) * 100))) : 0
}

/**
 * The picture a shared link shows: the item's cover (or the brand gradient), darkened at the foot,
 * with its title and, for a project, its progress bar and "raised of goal" in the page's language.
 */
export const renderShareImage = (card: ShareCard): Effect.Effect<Uint8Array, ShareImageFailed> =>
  Effect.tryPromise({
    try: async () => {
      const rtl = card.locale === "ar"
      const [from, to] = [colour(card.colours[0], "#0f5e4d"), colour(card.colours[1], "#c8a24a")]
      const background = card.cover
        ? await sharp(card.cover)
            .resize(SHARE_WIDTH, SHARE_HEIGHT, { fit: "cover", position: "attention" })
            .png()
            .toBuffer()
            .catch(() => null)
        : null
      const base =
        background ??
        (await sharp(gradientSvg(SHARE_WIDTH, SHARE_HEIGHT, from, to))
          .png()
          .toBuffer())
      const shade = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${SHARE_WIDTH}" height="${SHARE_HEIGHT}">
        <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0.25" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.78"/></linearGradient></defs>
        <rect width="${SHARE_WIDTH}" height="${SHARE_HEIGHT}" fill="url(#s)"/></svg>`)
      const inner = SHARE_WIDTH - 2 * PAD
      const layers: Array<OverlayOptions> = [{ input: shade, top: 0, left: 0 }]
      const place = (width: number) => (rtl ? SHARE_WIDTH - PAD - width : PAD)

      let bottom = SHARE_HEIGHT - PAD
      if (card.progress !== null) {
        const percent = percentOf(card.progress.raised, card.progress.goal)
        const barHeight = 18
        const barTop = bottom - barHeight
        const filled = Math.round((inner * percent) / 100)
        layers.push({
          input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${inner}" height="${barHeight}">
            <rect width="${inner}" height="${barHeight}" rx="${barHeight / 2}" fill="#ffffff" fill-opacity="0.3"/>
            <rect x="${rtl ? inner - filled : 0}" width="${filled}" height="${barHeight}" rx="${barHeight / 2}" fill="${to}"/></svg>`),
          top: barTop,
          left: PAD
        })
        const words = rtl
          ? `جُمع ${formatKwdText(card.progress.raised, "ar")} من ${formatKwdText(card.progress.goal, "ar")} (${localDigits(percent, "ar")}٪)`
          : `${formatKwdText(card.progress.raised, "en")} raised of ${formatKwdText(card.progress.goal, "en")} (${percent}%)`
        const figures = await textLayer(words, { size: 30, width: inner, bold: false, rtl, colour: "#ffffff" })
        bottom = barTop - 14 - figures.height
        layers.push({ input: figures.data, top: bottom, left: place(figures.width) })
        bottom -= 18
      }
      const title = await textLayer(card.title, { size: 58, width: inner, bold: true, rtl, colour: "#ffffff", height: 240 })
      layers.push({ input: title.data, top: Math.max(PAD, bottom - title.height), left: place(title.width) })
      const site = await textLayer(card.siteName, { size: 28, width: inner, bold: true, rtl, colour: "#ffffff" })
      layers.push({ input: site.data, top: PAD - 16, left: place(site.width) })

      const png = await sharp(base).composite(layers).png({ compressionLevel: 9 }).toBuffer()
      return new Uint8Array(png)
    },
    catch: (cause) => new ShareImageFailed({ cause })
  })

/**
 * An illustrative cover for the demo: a gradient in the charity's colours with the item's name,
 * 1600×900 JPEG, generated rather than downloaded.
 */
export const renderIllustration = (input: {
  readonly title: string
  readonly colours: readonly [string, string]
  readonly rtl: boolean
}): Effect.Effect<Uint8Array, ShareImageFailed> =>
  Effect.tryPromise({
    try: async () => {
      const width = 1600
      const height = 900
      const base = await sharp(gradientSvg(width, height, colour(input.colours[0], "#0f5e4d"), colour(input.colours[1], "#c8a24a")))
        .png()
        .toBuffer()
      const title = await textLayer(input.title, {
        size: 96,
        width: width - 240,
        bold: true,
        rtl: input.rtl,
        colour: "#ffffff",
        height: 420
      })
      const jpeg = await sharp(base)
        .composite([{ input: title.data, top: Math.round((height - title.height) / 2), left: Math.round((width - title.width) / 2) }])
        .jpeg({ quality: 82, mozjpeg: true })
        .toBuffer()
      return new Uint8Array(jpeg)
    },
    catch: (cause) => new ShareImageFailed({ cause })
  })
