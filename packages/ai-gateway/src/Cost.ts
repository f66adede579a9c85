/** A model's price per million tokens, in micro-fils (1 KWD = 1,000 fils = 10^9 µfils). */
export interface ModelPrice {
  readonly model: string
  readonly inputPerMillion: bigint
  readonly outputPerMillion: bigint
}

/** Exact integer cost in micro-fils, rounded up: never a float, never under what was used. */
export const costOf = (price: ModelPrice, inputTokens: number, outputTokens: number): bigint => {
  const total = BigInt(inputTokens) * price.inputPerMillion + BigInt(outputTokens) * price.outputPerMillion
  return (total + 999_999n) / 1_000_000n
}

/** Every message costs a few tokens of framing (role markers); the count a provider adds is below this. */
const PER_MESSAGE_OVERHEAD = 8

/**
 * An upper bound on the input's tokens: a byte-level tokenizer never makes more tokens than UTF-8
 * bytes, so the reservation covers the real count whatever the language.
 */
export const estimateInputTokens = (texts: ReadonlyArray<string>): number =>
  texts.reduce((sum, text) => sum + Buffer.byteLength(text, "utf8") + PER_MESSAGE_OVERHEAD, 0)
