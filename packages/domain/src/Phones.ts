import parsePhoneNumberFromString from "libphonenumber-js"

// Phones are stored in E.164 (+96550001234) so one person is one number however it was typed.

/** Arabic-Indic and Persian digits as Latin ones: "٩٦٥" is "965". */
export const latinDigits = (text: string): string =>
  text.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (digit) => String((digit.charCodeAt(0) & 0x0f) % 10))

/** A phone as typed (any digits, spaces, 00/+ prefixes) in E.164, Kuwait by default; undefined when it is no valid number. */
export const toE164 = (typed: string): string | undefined => {
  const parsed = parsePhoneNumberFromString(latinDigits(typed).replace(/^00/, "+"), "KW")
  return parsed?.isValid() === true ? parsed.number : undefined
}

/**
 * How a visitor reads their number back: Kuwait's national form ("5000 1234") for a Kuwaiti number,
 * the international form ("+44 7700 900123") for another; anything unparseable (an old row) as stored.
 */
export const formatPhone = (stored: string): string => {
  const parsed = parsePhoneNumberFromString(stored)
  if (parsed === undefined) return stored
  return parsed.country === "KW" ? kuwaitiNational(parsed.nationalNumber) : parsed.formatInternational()
}

// Kuwait's numbers are 8 digits, written 4 + 4 ("5000 1234"); libphonenumber writes some 5xx numbers 3 + 5.
const kuwaitiNational = (national: string) => (/^[0-9]{8}$/.test(national) ? `${national.slice(0, 4)} ${national.slice(4)}` : national)

/** The international form with spaces ("+965 5000 1234"), for a spreadsheet. */
export const formatPhoneInternational = (stored: string): string => {
  const parsed = parsePhoneNumberFromString(stored)
  if (parsed === undefined) return stored
  return parsed.country === "KW" ? `+965 ${kuwaitiNational(parsed.nationalNumber)}` : parsed.formatInternational()
}

/**
 * The digits staff search matches a stored phone's digits against: a number in any form (+965 5xx,
 * 00965..., local 8 digits, Arabic-Indic digits) as its E.164 digits, else the digits typed.
 */
export const phoneSearchDigits = (query: string): string => {
  const latin = latinDigits(query)
  return (toE164(latin) ?? latin).replace(/\D/g, "")
}
