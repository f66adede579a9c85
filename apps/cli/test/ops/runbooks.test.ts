import { SqlClient } from "@effect/sql"
import { startApi } from "@manara/api/server"
import { RedisClient } from "@manara/db"
import { Storefronts, TenantChanges } from "@manara/tenancy"
import { apiEnv, asOwnerInTenant, testRedisKeyPrefix, createTenant, runtimeSql, type TenantFixture, withOwner } from "@manara/testkit"
import { ConfigProvider, Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { describe, expect, inject, it } from "vitest"
import { outboxStatus, setTenantStatus } from "../../src/Operations.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const root = fileURLToPath(new URL("../../../..", import.meta.url))

/** `pnpm cli …` as an operator runs it: its own process, the owner's URL (and this run's Redis) from the environment. */
const cli = (...args: Array<string>) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "apps/cli/src/main.ts", ...args],
      {
        cwd: root,
        env: { ...process.env, DATABASE_OWNER_URL: urls.ownerUrl, REDIS_URL: urls.redisUrl, REDIS_KEY_PREFIX: testRedisKeyPrefix(urls) },
        timeout: 60_000
      },
      (error, out, err) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, out, err })
    )
  })

/** The storefront's answer for the tenant's host, as the API resolves it (no cache). */
const storefront = (tenant: TenantFixture) =>
  Effect.runPromise(
    Effect.flatMap(Storefronts, (storefronts) => storefronts.resolve(`${tenant.slug}.ops.test`)).pipe(
      Effect.map((found) => found.id as string),
      Effect.catchAll((error) => Effect.succeed(error._tag)),
      Effect.provide(
        Storefronts.Default.pipe(
          Layer.provide(runtimeSql(urls, 1)),
          Layer.provide(TenantChanges.Default.pipe(Layer.provide(RedisClient.Default)))
        )
      ),
      Effect.scoped,
      Effect.withConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["PLATFORM_DOMAIN", "ops.test"],
            ["TENANT_CACHE_TTL", "0 millis"],
            ["REDIS_URL", urls.redisUrl],
            ["REDIS_KEY_PREFIX", testRedisKeyPrefix(urls)]
          ])
        )
      )
    )
  )

const owner = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => withOwner(urls, effect)

const asOwner = <A>(tenant: TenantFixture, query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

describe("runbook: suspend a tenant", () => {
  it("pnpm cli tenant suspend: the storefront answers suspended, the reason is in the audit log; reactivate brings it back", async () => {
    const tenant = await withOwner(urls, createTenant())
    expect(await storefront(tenant)).toBe(tenant.id)

    const suspended = await cli("tenant", "suspend", "--slug", tenant.slug, "--reason", "INC-42 phishing page")
    expect(suspended, suspended.err).toMatchObject({ code: 0 })
    expect(suspended.out).toContain(`tenant ${tenant.slug}: active -> suspended`)
    expect(await storefront(tenant)).toBe("TenantSuspended")
    const audit = await asOwner(
      tenant,
      (sql) =>
        sql<{ action: string; after: unknown }>`select action, after from audit_log where entity_id = ${tenant.id} order by created_at`
    )
    expect(audit).toEqual([
      { action: "platform.tenant_suspended", after: { status: "suspended", reason: "INC-42 phishing page", by: "cli" } }
    ])

    // The rest through the command's function (a process per call is slow here): twice is harmless, an unknown slug refused.
    expect(await owner(setTenantStatus(tenant.slug, "suspended", "again"))).toBe("suspended")
    expect(await owner(Effect.flip(setTenantStatus("no-such-tenant-ops", "suspended", "x")))).toMatchObject({ _tag: "UnknownTenant" })
    expect(await owner(setTenantStatus(tenant.slug, "active", "INC-42 closed"))).toBe("suspended")
    expect(await storefront(tenant)).toBe(tenant.id)
    expect(await asOwner(tenant, (sql) => sql`select 1 from audit_log where entity_id = ${tenant.id}`)).toHaveLength(2)
  }, 120_000)
})

describe("runbook: suspend a tenant, seen by a running API", () => {
  it("the API, its hosts cached for 10 minutes, refuses the storefront on its next request after the command; reactivated, it answers", async () => {
    // Hosts cached for the whole test: only the command's broadcast (TenantChanges) can make the API see the change.
    const api = await startApi(apiEnv(urls, pool, { TENANT_CACHE_TTL: "10 minutes" }))
    try {
      const tenant = await withOwner(urls, createTenant())
      const storefrontStatus = async () =>
        (await fetch(`${api.url}/api/v1/public/storefront`, { headers: { "x-forwarded-host": `${tenant.slug}.manara.test` } })).status
      expect(await storefrontStatus()).toBe(200)

      const suspended = await cli("tenant", "suspend", "--slug", tenant.slug, "--reason", "INC-43 seen at once")
      expect(suspended, suspended.err).toMatchObject({ code: 0 })
      expect(suspended.out).toContain("running APIs see it on their next request")
      expect(await storefrontStatus()).toBe(403)

      const reactivated = await cli("tenant", "reactivate", "--slug", tenant.slug, "--reason", "INC-43 closed")
      expect(reactivated, reactivated.err).toMatchObject({ code: 0 })
      expect(await storefrontStatus()).toBe(200)
    } finally {
      await api.close()
    }
  }, 180_000)
})

describe("runbook: drain the outbox after an outage", () => {
  it("pnpm cli outbox status shows the backlog; outbox retry makes it due now and the workers' claim takes it", async () => {
    const tenant = await withOwner(urls, createTenant())
    const key = () => `ops:${randomUUID()}`
    await asOwner(
      tenant,
      (
        sql
      ) => sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key, status, next_attempt_at, attempts,
          lease_owner, leased_until, updated_at)
        values
          (${tenant.id}, 'notification.test', '{}', 'telegram', '1', ${key()}, 'pending', now() + interval '1 hour', 3, null, null, now()),
          (${tenant.id}, 'notification.test', '{}', 'telegram', '1', ${key()}, 'sending', now(), 1, gen_random_uuid(), now() - interval '5 minutes', now()),
          (${tenant.id}, 'notification.test', '{}', 'telegram', '1', ${key()}, 'dead', now(), 8, null, null, now() - interval '10 minutes'),
          (${tenant.id}, 'notification.test', '{}', 'telegram', '1', ${key()}, 'dead', now(), 8, null, null, now() - interval '3 days'),
          (${tenant.id}, 'notification.test', '{}', 'telegram', '1', ${key()}, 'sent', now(), 1, null, null, now())`
    )
    const status = await owner(outboxStatus(tenant.slug))
    expect(status).toContainEqual({ slug: tenant.slug, channel: "telegram", status: "dead", rows: 2, due: 0, oldestDueSeconds: 0 })
    expect(status).toContainEqual(
      expect.objectContaining({ status: "sending", rows: 1, due: 1, oldestDueSeconds: expect.toSatisfy((s: number) => s >= 299) })
    )
    expect(status).toContainEqual(expect.objectContaining({ status: "pending", rows: 1, due: 0 }))

    const outageBegan = new Date(Date.now() - 60 * 60 * 1000).toISOString()
    const retried = await cli("outbox", "retry", "--slug", tenant.slug, "--dead", "--since", outageBegan)
    expect(retried, retried.err).toMatchObject({ code: 0 })
    expect(retried.out).toContain("due now: 1 waiting out a backoff, 1 held by dead workers, 1 dead letters")

    // What a worker's claim takes now: the three, not the dead letter from before the outage nor the sent one
    // (attempts: the dead letter's from zero, the released claim's and the backed-off row's go on).
    const claimed = await withOwner(
      urls,
      Effect.provide(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{
              attempts: number
            }>`select attempts from app.claim_outbox('telegram', 50, interval '1 minute', ${`{${tenant.id}}`}::uuid[])`
        ),
        runtimeSql(urls, 1)
      )
    )
    expect(claimed.map((row) => row.attempts).sort()).toEqual([1, 2, 4])
  }, 120_000)
})
