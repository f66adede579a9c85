import type bidiJs from "bidi-js"
import { createRequire } from "node:module"

// bidi-js is CommonJS typed as an ES default export, which resolvers read differently (NodeNext sees
// `.default`, bundler resolution the function itself): require hands over the factory either way.
type Bidi = typeof bidiJs extends () => infer B ? B : typeof bidiJs extends { default: () => infer B } ? B : never
const bidi = (createRequire(import.meta.url)("bidi-js") as () => Bidi)()

/** Characters fontkit takes as right-to-left script: it reverses the glyphs of any run that has one. */
const RTL_SCRIPT = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/
/** Directional marks steer the algorithm but have no glyph worth drawing. */
const CONTROLS = /[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g

/** A piece of one line, in drawing order, to be drawn with `features: []`. */
export interface Run {
  readonly text: string
  readonly rtl: boolean
}

const reversed = (text: string): string => Array.from(text).reverse().join("")

/**
 * fontkit reverses a run when it contains RTL-script characters, whatever the bidi level says:
 * pre-reverse where that guess is wrong (Arabic-Indic digits in an LTR run, neutrals alone in an RTL run).
 */
const forFontkit = (text: string, rtl: boolean): ReadonlyArray<Run> => {
  if (rtl) return [{ text: RTL_SCRIPT.test(text) ? text : reversed(text), rtl }]
  const chunks: Array<Run> = []
  for (const piece of text.match(/[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]+|[^\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]+/g) ?? []) {
    chunks.push({ text: RTL_SCRIPT.test(piece) ? reversed(piece) : piece, rtl })
  }
  return chunks
}

/**
 * One line (no line breaks) as runs in visual order, left to right, after the Unicode bidi algorithm
 * with the given paragraph direction; RTL runs keep logical order (fontkit shapes and reverses them)
 * with their brackets mirrored.
 */
export const visualRuns = (line: string, direction: "ltr" | "rtl"): ReadonlyArray<Run> => {
  if (line.length === 0) return []
  const embedding = bidi.getEmbeddingLevels(line, direction)
  const levels = embedding.levels
  const mirrored = bidi.getMirroredCharactersMap(line, levels)
  const chars = Array.from({ length: line.length }, (_, i) => mirrored.get(i) ?? line[i]!)
  const order = bidi.getReorderedIndices(line, embedding)

  const runs: Array<Run> = []
  let start = 0
  while (start < order.length) {
    const level = levels[order[start]!]!
    const step = level % 2 === 1 ? -1 : 1
    let end = start + 1
    while (end < order.length && levels[order[end]!] === level && order[end]! === order[end - 1]! + step) end++
    const first = Math.min(order[start]!, order[end - 1]!)
    const last = Math.max(order[start]!, order[end - 1]!)
    const text = chars
      .slice(first, last + 1)
      .join("")
      .replace(CONTROLS, "")
    if (text.length > 0) runs.push(...forFontkit(text, step === -1))
    start = end
  }
  return runs
}
