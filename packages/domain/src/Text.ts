import { Schema } from "effect"

/**
 * Characters no person types and storage cannot keep: NUL (Postgres text cannot hold it, and it ends
 * a wire-protocol string), the other C0 controls, DEL and C1 controls, lone UTF-16 surrogates (not
 * Unicode: they would be stored as U+FFFD, or break jsonb), and noncharacters such as U+FFFE/U+FFFF.
 * Zero-width joiners and bidi marks stay allowed: Arabic and Persian text needs them.
 */
const NEVER = String.raw`\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Cs}\p{Noncharacter_Code_Point}`
const NOT_ONE_LINE = new RegExp(String.raw`[${NEVER}\t\n\r]`, "u")
const NOT_TEXT = new RegExp(`[${NEVER}]`, "u")

/** Whether `value` is text a person could have typed on one line (`lines`: tabs and line breaks too). */
export const isCleanText = (value: string, lines = false): boolean => !(lines ? NOT_TEXT : NOT_ONE_LINE).test(value)

/**
 * The base of every text field a person fills in: one line (a name, a title, an email, a search).
 * Build fields from it (`Text.pipe(Schema.maxLength(120))`) so no text reaches SQL unchecked.
 */
export const Text = Schema.String.pipe(
  Schema.filter((value) => isCleanText(value), {
    message: () => "a control character or an invalid character (such as NUL or a lone surrogate) cannot be accepted"
  })
)

/** Text that may run over lines (notes, a body, a caption): tabs and line breaks are allowed as well. */
export const MultilineText = Schema.String.pipe(
  Schema.filter((value) => isCleanText(value, true), {
    message: () => "a control character or an invalid character (such as NUL or a lone surrogate) cannot be accepted"
  })
)
