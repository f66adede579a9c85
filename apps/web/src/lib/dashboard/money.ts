// No @manara/domain here: importing it in the browser ships the whole API contract (~200 kB). test/dashboard-money.test.ts
// holds these to the domain's `parseMoney` and `displayMoney`.

/** An amount in KWD as the API takes it: digits, at most 3 decimals, no sign or exponent (the domain's `DECIMAL`). */
const DECIMAL = /^(0|[1-9][0-9]{0,8})(?:\.([0-9]{1,3}))?$/

/** Whether `text` is an amount the API accepts; `positive` also refuses zero. */
export const isAmount = (text: string, positive = false): boolean => {
  const match = DECIMAL.exec(text)
  return match !== null && (!positive || /[1-9]/.test(`${match[1]}${match[2] ?? ""}`))
}

/** An amount from the API ("12.5", "1500.000") as `displayMoney` shows it: "KWD 12.500", "١٢٫٥٠٠ د.ك"; exact, string work only. */
export const displayAmount = (amount: string, locale: "ar" | "en"): string => {
  const match = DECIMAL.exec(amount)
  // The API only sends valid amounts; should one ever not be, show it as sent rather than a wrong number.
  if (match === null) return amount
  const text = `${match[1]}.${(match[2] ?? "").padEnd(3, "0")}`
  if (locale === "en") return `KWD ${text}`
  return `${text.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit))).replace(".", "٫")} د.ك`
}
