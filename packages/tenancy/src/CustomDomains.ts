import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { recordAudit, TenantSql } from "@manara/db"
import { challengeRecord, CustomDomain, normalizeHost, type TenantId, type UserId } from "@manara/domain"
import { Config, Data, Effect, Either } from "effect"
import { randomBytes } from "node:crypto"
import { Resolver } from "node:dns/promises"
import { domainToASCII } from "node:url"
import { platformDomain } from "./Storefronts.js"
import { TenantChanges } from "./TenantChanges.js"

/** Not a domain name (a URL, an IP address, a single label, a bad character or length). */
export class CustomDomainInvalid extends Data.TaggedError("CustomDomainInvalid")<{ readonly reason: string }> {}
/** The platform's own domain, or a name under it: those are the platform's storefront hosts. */
export class CustomDomainRefused extends Data.TaggedError("CustomDomainRefused")<{ readonly domain: string }> {}
/** Another tenant has verified this domain. */
export class CustomDomainTaken extends Data.TaggedError("CustomDomainTaken")<{ readonly domain: string }> {}
/** The tenant has no domain waiting to be verified. */
export class CustomDomainNotFound extends Data.TaggedError("CustomDomainNotFound")<{}> {}
/** The challenge TXT record is not there (yet), or DNS did not answer. */
export class CustomDomainNotVerified extends Data.TaggedError("CustomDomainNotVerified")<{
  readonly domain: string
  readonly reason: "no-record" | "wrong-value" | "lookup-failed"
}> {}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

/**
 * The owner's input as the host a browser sends: trimmed, lower-cased, the trailing dot dropped, an
 * international name in punycode (`domainToASCII`, WHATWG's IDNA). Refused when it is not a domain
 * name of at least two labels, or is the platform domain or under it.
 */
export const normalizeCustomDomain = (
  input: string,
  platform: string
): Either.Either<string, CustomDomainInvalid | CustomDomainRefused> => {
  const typed = input.trim().toLowerCase().replace(/\.$/, "")
  if (typed === "" || /[\s/:@?#\\*]/.test(typed)) return Either.left(new CustomDomainInvalid({ reason: "not a domain name" }))
  const domain = domainToASCII(typed)
  if (domain === "" || domain.length > 253) return Either.left(new CustomDomainInvalid({ reason: "not a domain name" }))
  const labels = domain.split(".")
  if (labels.length < 2) return Either.left(new CustomDomainInvalid({ reason: "needs at least two labels, like example.org" }))
  if (!labels.every((label) => LABEL.test(label))) return Either.left(new CustomDomainInvalid({ reason: "a label is malformed" }))
  if (/^[0-9]+$/.test(labels.at(-1)!)) return Either.left(new CustomDomainInvalid({ reason: "an IP address, not a domain name" }))
  const own = normalizeHost(platform)
  if (domain === own || domain.endsWith(`.${own}`)) return Either.left(new CustomDomainRefused({ domain }))
  return Either.right(domain)
}

interface DomainRow {
  readonly domain: string | null
  readonly verified_at: Date | null
  readonly claim: string | null
  readonly token: string | null
}

const toCustomDomain = (row: DomainRow | undefined): CustomDomain =>
  row?.domain != null
    ? new CustomDomain({ status: "verified", domain: row.domain, record: null, verifiedAt: row.verified_at?.toISOString() ?? null })
    : row?.claim != null && row.token != null
      ? new CustomDomain({
          status: "pending",
          domain: row.claim,
          record: { type: "TXT", ...challengeRecord(row.claim, row.token) },
          verifiedAt: null
        })
      : new CustomDomain({ status: "none", domain: null, record: null, verifiedAt: null })

const isTakenHost = (error: unknown) => {
  const cause = error instanceof SqlError ? (error.cause as { code?: string; constraint?: string } | undefined) : undefined
  return cause?.code === "23505" && cause.constraint === "tenants_custom_domain_host"
}

/**
 * A tenant's custom domain: entered by an owner or admin, proven by a DNS TXT record looked up
 * through Node's resolver (`DNS_SERVERS`, comma-separated `host[:port]`; the system's by default),
 * removed at once. Reads and writes `tenants` through the doors of migration 0024, each change
 * audited in the tenant's log and announced to every process (`TenantChanges`).
 */
export class CustomDomains extends Effect.Service<CustomDomains>()("Tenancy/CustomDomains", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const changes = yield* TenantChanges
    const platform = yield* platformDomain
    const servers = yield* Config.array(Config.string(), "DNS_SERVERS").pipe(Config.withDefault([] as Array<string>))
    const resolver = new Resolver({ timeout: 1000, tries: 2 })
    if (servers.length > 0) resolver.setServers(servers.map((server) => server.trim()).filter((server) => server !== ""))

    const current = sql<DomainRow>`select domain, verified_at, claim, token from app.current_tenant_domain()`.pipe(
      Effect.orDie,
      Effect.map((rows) => rows[0])
    )

    const read = (tenantId: TenantId) => tenantSql.withTenant(tenantId, Effect.map(current, toCustomDomain))

    const claim = (tenantId: TenantId, by: UserId, input: string) =>
      Effect.gen(function* () {
        const domain = yield* normalizeCustomDomain(input, platform)
        const token = randomBytes(24).toString("base64url")
        const answer = yield* tenantSql.withTenant(
          tenantId,
          Effect.gen(function* () {
            const [result] = yield* sql<{ taken: boolean; previous_domain: string | null; previous_claim: string | null }>`
              select taken, previous_domain, previous_claim from app.claim_custom_domain(${domain}, ${token})`.pipe(Effect.orDie)
            if (result === undefined) return yield* Effect.dieMessage("custom domain outside a tenant")
            if (result.taken) return yield* new CustomDomainTaken({ domain })
            const after = yield* current
            if (result.previous_domain !== domain) {
              yield* recordAudit({
                actor: by,
                action: "settings.domain_claimed",
                entityKind: "tenant",
                entityId: tenantId,
                before: { domain: result.previous_domain, claim: result.previous_claim },
                after: { claim: domain }
              }).pipe(Effect.orDie)
            }
            return { custom: toCustomDomain(after), hadDomain: result.previous_domain !== null && result.previous_domain !== domain }
          })
        )
        // A verified domain it replaced stops resolving everywhere now.
        if (answer.hadDomain) yield* changes.announce({ tenantId, what: "domain" })
        return answer.custom
      })

    /** The TXT values at `_manara-challenge.<domain>`, each record's strings joined as DNS means them. */
    const lookup = (domain: string, value: string) =>
      Effect.tryPromise({
        try: () => resolver.resolveTxt(challengeRecord(domain, "").name),
        catch: (error) => (error as { code?: string }).code
      }).pipe(
        Effect.catchAll((code) =>
          code === "ENOTFOUND" || code === "ENODATA" ? Effect.succeed([]) : new CustomDomainNotVerified({ domain, reason: "lookup-failed" })
        ),
        Effect.flatMap((records) =>
          records.length === 0
            ? new CustomDomainNotVerified({ domain, reason: "no-record" })
            : records.some((chunks) => chunks.join("") === value)
              ? Effect.void
              : new CustomDomainNotVerified({ domain, reason: "wrong-value" })
        )
      )

    const verify = (tenantId: TenantId, by: UserId) =>
      Effect.gen(function* () {
        const before = yield* tenantSql.withTenant(tenantId, current)
        if (before?.domain != null) return toCustomDomain(before)
        if (before?.claim == null || before.token == null) return yield* new CustomDomainNotFound()
        const { claim: domain, token } = before
        // Outside any transaction: a slow DNS server holds no database connection.
        yield* lookup(domain, challengeRecord(domain, token).value)
        const verified = yield* tenantSql.withTenant(
          tenantId,
          Effect.gen(function* () {
            const [done] = yield* sql<{ verified: boolean }>`select app.verify_custom_domain(${domain}, ${token}) as verified`.pipe(
              Effect.catchIf(isTakenHost, () => new CustomDomainTaken({ domain })),
              Effect.catchTag("SqlError", Effect.die)
            )
            // Changed or removed meanwhile: nothing waits for verification any more.
            if (done?.verified !== true) return yield* new CustomDomainNotFound()
            yield* recordAudit({
              actor: by,
              action: "settings.domain_verified",
              entityKind: "tenant",
              entityId: tenantId,
              before: { claim: domain },
              after: { domain }
            }).pipe(Effect.orDie)
            return toCustomDomain(yield* current)
          })
        )
        // A miss for this host may be remembered for a few seconds, in any process: it answers now.
        yield* changes.announce({ tenantId, what: "domain" })
        return verified
      })

    const remove = (tenantId: TenantId, by: UserId) =>
      Effect.gen(function* () {
        const removed = yield* tenantSql.withTenant(
          tenantId,
          Effect.gen(function* () {
            const [was] = yield* sql<{ previous_domain: string | null; previous_claim: string | null }>`
              select previous_domain, previous_claim from app.remove_custom_domain()`.pipe(Effect.orDie)
            if (was === undefined || (was.previous_domain === null && was.previous_claim === null)) return false
            yield* recordAudit({
              actor: by,
              action: "settings.domain_removed",
              entityKind: "tenant",
              entityId: tenantId,
              before: { domain: was.previous_domain, claim: was.previous_claim },
              after: null
            }).pipe(Effect.orDie)
            return was.previous_domain !== null
          })
        )
        if (removed) yield* changes.announce({ tenantId, what: "domain" })
      })

    return { read, claim, verify, remove } as const
  })
}) {}
