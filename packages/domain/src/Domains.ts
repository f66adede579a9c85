import { Schema } from "effect"

/** The DNS name that carries a domain's challenge, and the value that proves it. */
export const challengeRecord = (domain: string, token: string) => ({
  name: `_manara-challenge.${domain}`,
  value: `manara-verify=${token}`
})

/** The domain the owner types (any case, a trailing dot, or an Arabic name: the API normalizes it). */
export class DomainClaim extends Schema.Class<DomainClaim>("DomainClaim")({
  domain: Schema.String.pipe(Schema.maxLength(300))
}) {}

/** The TXT record the owner adds at their DNS host. */
export const ChallengeRecord = Schema.Struct({ type: Schema.Literal("TXT"), name: Schema.String, value: Schema.String })

/**
 * A tenant's custom domain: none; `pending` (entered, not proven: it does not resolve, and the record
 * says what to add); or `verified` (the storefront answers at it).
 */
export class CustomDomain extends Schema.Class<CustomDomain>("CustomDomain")({
  status: Schema.Literal("none", "pending", "verified"),
  domain: Schema.NullOr(Schema.String),
  record: Schema.NullOr(ChallengeRecord),
  verifiedAt: Schema.NullOr(Schema.String)
}) {}
