// Only @manara/domain/numbers here: the package's root in the browser ships the whole API contract (~200 kB).
// test/dashboard-money.test.ts holds these to the domain's `parseMoney` and `displayMoney`.
import { formatKwdText } from "@manara/domain/numbers"

/** An amount in KWD as the API takes it: digits, at most 3 decimals, no sign or exponent (the domain's `DECIMAL`). */
const DECIMAL = /^(0|[1-9][0-9]{0,8})(?:\.([0-9]{1,3}))?$/

/** Whether `text` is an amount the API accepts; `positive` also refuses zero. */
export const isAmount = (text: string, positive = false): boolean => {
  const match = DECIMAL.exec(text)
  return match !== null && (!positive || /[1-9]/.test(`${match[1]}${match[2] ?? ""}`))
}

/** An amount from the API ("12.5", "1500.000") as `displayMoney` shows it: "KWD 12.500", "١٢٫٥٠٠ د.ك"; exact, no float. */
export const displayAmount = (amount: string, locale: "ar" | "en"): string => formatKwdText(amount, locale)
