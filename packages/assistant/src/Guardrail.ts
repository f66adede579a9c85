import { foldArabic, wordsOf } from "./Words.js"

/**
 * The guardrail: every amount, percentage, date, count and status in an answer must be in the passages
 * retrieved for it. Figures are compared as written (digits of either script, separators dropped), so
 * a rounded or computed figure (3,250 for 3,250.500, 65 %) is not there and fails.
 */

const ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
const EXTENDED = "۰۱۲۳۴۵۶۷۸۹"

/** Arabic-Indic and Persian digits to Latin ones, the Arabic decimal point to ".", thousands separators gone. */
const latinDigits = (text: string): string =>
  text
    .replace(/[٠-٩]/gu, (digit) => String(ARABIC_INDIC.indexOf(digit)))
    .replace(/[۰-۹]/gu, (digit) => String(EXTENDED.indexOf(digit)))
    .replace(/٫/gu, ".")

/** The numbers of a text as written: `3,250.500` and `٣٬٢٥٠٫٥٠٠` are both `3250.500`; a date gives its parts. */
export const numbersOf = (text: string): Array<string> =>
  (latinDigits(text).match(/\d[\d,٬]*(?:\.\d+)?/gu) ?? []).map((number) => number.replace(/[,٬]/gu, "").replace(/\.$/u, ""))

/** Number words (counts written out) and status words: each must be in the passages too. */
const NUMBER_WORDS = [
  "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand million billion",
  "half quarter dozen percent",
  "واحد واحده اثنان اثنين اثنتان ثلاث ثلاثه اربع اربعه خمس خمسه ست سته سبع سبعه ثمان ثمانيه تسع تسعه عشر عشره عشرون عشرين",
  "مئه مائه مئات الف الاف مليون ملايين نصف ربع بالمئه بالمائه"
]
const STATUS_WORDS = [
  "funded fully completed finished closed open active archived cancelled canceled pending confirmed fulfilled refunded",
  "paid unpaid received delivered expired suspended",
  "مكتمل مكتمله اكتمل ممول ممولا مموله تمويله منتهي انتهي مغلق مغلقه مفتوح نشط نشطه مؤرشف ملغي ملغاه معلق مؤكد مدفوع مستلم",
  "منجز انجز"
]
const foldedSet = (lines: ReadonlyArray<string>) => new Set(lines.join(" ").split(" ").map(foldArabic))
const numberWords = foldedSet(NUMBER_WORDS)
const statusWords = foldedSet(STATUS_WORDS)

/** A word as the lists hold it: the article and a leading conjunction dropped. */
const bare = (word: string) => word.replace(/^(وال|بال|ال|و)(?=.{3})/u, "")

export interface GuardrailVerdict {
  readonly ok: boolean
  /** What was not in the passages, for the log (`ai_messages.replaced_reason`). */
  readonly missing: ReadonlyArray<string>
}

/** Whether every figure and status of `answer` is in `passages`. */
export const checkAnswer = (answer: string, passages: ReadonlyArray<string>): GuardrailVerdict => {
  const source = passages.join("\n")
  const sourceNumbers = new Set(numbersOf(source))
  const sourceWords = new Set(wordsOf(source).map(bare))
  const missing: Array<string> = []
  for (const number of numbersOf(answer)) if (!sourceNumbers.has(number)) missing.push(number)
  for (const word of wordsOf(answer)) {
    const plain = bare(word)
    if ((numberWords.has(plain) || statusWords.has(plain)) && !sourceWords.has(plain)) missing.push(word)
  }
  return { ok: missing.length === 0, missing: [...new Set(missing)] }
}
