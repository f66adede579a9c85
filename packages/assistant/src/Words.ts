/**
 * Words as the assistant compares them: the same Arabic folding as `app.fold_arabic` (0003), question
 * words without the little words every question has, and a light stem so "للأيتام" meets "أيتام" and
 * "donations" meets "donate".
 */

/** `app.fold_arabic` in TypeScript: diacritics, superscript alef and tatweel gone; alef forms, alef maqsura, taa marbuta, hamza seats folded. */
export const foldArabic = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[\u064B-\u065F\u0670\u0640]/gu, "")
    .replace(/[أإآٱ]/gu, "ا")
    .replace(/ى/gu, "ي")
    .replace(/ة/gu, "ه")
    .replace(/ؤ/gu, "و")
    .replace(/ئ/gu, "ي")

const STOP = new Set(
  [
    // English
    "a an the and or but of to in on at for from by with about as is are was were be been being do does did done have has had",
    "i me my mine you your yours we us our it its this that these those there here what which who whom whose when where why how",
    "can could would should will shall may might must please tell know want like just also any some all more most much many",
    "if then than so not no yes hi hello thanks thank dear get give make let use used via into out up down over",
    // Arabic (folded)
    "في من على الي الى عن مع هل ما ماذا لماذا كيف كم متى اين اي هذا هذه ذلك تلك التي الذي الذين هو هي هم انا انت انتم نحن",
    "لي لك لكم لنا به بها له لها و او ثم لا نعم ان انه قد كان كانت يكون اريد اود ممكن يمكن يمكنني عندكم لديكم عند لدي كل بعض",
    "شكرا مرحبا السلام عليكم اهلا يا ايش شو وش"
  ]
    .join(" ")
    .split(" ")
    .map(foldArabic)
)

/** Arabic clitics and the article in front, common endings behind; English plural and verb endings. */
export const stem = (word: string): string => {
  if (/[\u0600-\u06FF]/u.test(word)) {
    let w = word.replace(/^(وال|بال|فال|كال|لل|ال)/u, "")
    if (w.length > 4) w = w.replace(/^[وفبل]/u, "")
    if (w.length > 4) w = w.replace(/(ات|ون|ين|ها|هم|كم|نا|ه|ي)$/u, "")
    return w
  }
  if (word.length > 5) return word.replace(/(ations|ation|ings|ing|ies|ed|es|s)$/u, "")
  return word.replace(/s$/u, "")
}

/** Every word of a text, folded (letters and digits runs). */
export const wordsOf = (text: string): Array<string> => foldArabic(text).match(/[\p{L}\p{M}\p{N}]+/gu) ?? []

/** The words of a question that carry its meaning: folded, no little words, at most 12. */
export const contentWords = (text: string): Array<string> => [
  ...new Set(
    wordsOf(text)
      .filter((word) => !STOP.has(word) && (word.length > 1 || /\p{N}/u.test(word)))
      .slice(0, 12)
  )
]

/** Whether two folded words are the same word for a reader: equal stems, or one stem the other's start (4+ letters). */
export const sameWord = (a: string, b: string): boolean => {
  const x = stem(a)
  const y = stem(b)
  if (x === y) return true
  const [short, long] = x.length <= y.length ? [x, y] : [y, x]
  return short.length >= 4 && long.startsWith(short)
}

/** How many of the question's words a passage has. */
export const matchedWords = (question: ReadonlyArray<string>, passage: string): number => {
  const words = new Set(wordsOf(passage))
  return question.filter((word) => [...words].some((other) => sameWord(word, other))).length
}
