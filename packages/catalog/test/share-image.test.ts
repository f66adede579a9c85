import { renderIllustration, renderShareImage, SHARE_HEIGHT, SHARE_WIDTH, type ShareCard } from "@manara/catalog"
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import sharp from "sharp"
import { describe, expect, it } from "vitest"

const RESULTS = fileURLToPath(new URL("../test-results/", import.meta.url))
mkdirSync(RESULTS, { recursive: true })

const card: ShareCard = {
  locale: "ar",
  title: "سقيا الماء: بئر لقرية في الجنوب",
  siteName: "جمعية النور الخيرية",
  progress: { raised: "12500.000", goal: "25000.000" },
  cover: null,
  colours: ["#0f5e4d", "#c8a24a"]
}

const render = async (name: string, input: ShareCard) => {
  const png = await Effect.runPromise(renderShareImage(input))
  writeFileSync(`${RESULTS}${name}.png`, png)
  return png
}

/** The pixels of one line of text as Pango draws it (the same path the share image takes). */
const inkOf = async (text: string) => {
  const { data, info } = await sharp({ text: { text, font: "Noto Sans Arabic 48px", rgba: true } })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width }
}

describe("share image", () => {
  it("is a 1200×630 PNG for a project, with the progress drawn", { timeout: 30_000 }, async () => {
    const png = await render("share-ar", card)
    const meta = await sharp(png).metadata()
    expect(meta).toMatchObject({ format: "png", width: SHARE_WIDTH, height: SHARE_HEIGHT })
    // Half funded: the bar's filled half (the accent colour) sits on the right in Arabic.
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true })
    const at = (x: number, y: number) =>
      Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3))
    const barY = SHARE_HEIGHT - 64 - 9
    const right = at(SHARE_WIDTH - 64 - 40, barY)
    const left = at(64 + 40, barY)
    expect(right[0]! - right[2]!).toBeGreaterThan(60) // gold: much more red than blue
    expect(Math.abs(left[0]! - left[2]!)).toBeLessThan(60)
    const english = await render("share-en", { ...card, locale: "en", title: "A water well for a village" })
    const en = await sharp(english).raw().toBuffer({ resolveWithObject: true })
    const enAt = (x: number) =>
      Array.from(en.data.subarray((barY * en.info.width + x) * en.info.channels, (barY * en.info.width + x) * en.info.channels + 3))
    expect(enAt(64 + 40)[0]! - enAt(64 + 40)[2]!).toBeGreaterThan(60)
  })

  it("shapes Arabic: joined letters, not the isolated forms a font without Arabic support would give", async () => {
    const joined = await inkOf("سقيا الماء")
    // The same letters with a zero-width non-joiner between each: the isolated forms, wider.
    const isolated = await inkOf(Array.from("سقيا الماء").join("\u200C"))
    expect(joined.width).toBeGreaterThan(100)
    expect(isolated.width).toBeGreaterThan(joined.width)
    // And not tofu: a string the font has no glyphs for draws boxes of the same width for any text.
    const tofu = await inkOf("\uE000\uE001\uE002\uE003\uE004\uE005\uE006\uE007\uE008\uE009")
    expect(joined.data.equals(tofu.data)).toBe(false)
  })

  it("falls back to the gradient when the cover cannot be read, and draws the cover when it can", { timeout: 30_000 }, async () => {
    const broken = await render("share-broken-cover", { ...card, cover: new Uint8Array([1, 2, 3]) })
    expect((await sharp(broken).metadata()).width).toBe(SHARE_WIDTH)
    const red = await sharp({ create: { width: 800, height: 600, channels: 3, background: "#d00000" } })
      .jpeg()
      .toBuffer()
    const covered = await render("share-cover", { ...card, cover: new Uint8Array(red), progress: null })
    const { data } = await sharp(covered).raw().toBuffer({ resolveWithObject: true })
    // The top-left corner is the cover's red (the shade darkens only the foot).
    expect(data[0]!).toBeGreaterThan(150)
    expect(data[2]!).toBeLessThan(60)
  })

  it("never reads a title as markup", async () => {
    const png = await render("share-markup", { ...card, title: "<b>Tea & dates</b> <span foreground='red'>x</span>", locale: "en" })
    expect((await sharp(png).metadata()).width).toBe(SHARE_WIDTH)
  })

  it("draws an illustrative cover with the name, as a JPEG", async () => {
    const jpeg = await Effect.runPromise(renderIllustration({ title: "كسوة الشتاء", colours: ["#0f5e4d", "#c8a24a"], rtl: true }))
    writeFileSync(`${RESULTS}illustration.jpg`, jpeg)
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: "jpeg", width: 1600, height: 900 })
  })
})
