import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import type { TestDatabaseUrls } from "@manara/testkit"
import { asOwnerInTenant, createTenant, type TenantFixture, withDatabase, withOwner } from "@manara/testkit"
import { Effect, Redacted } from "effect"
import { randomUUID } from "node:crypto"

/** A tenant that takes bank transfers for one active project: what a donation needs. */
export interface DonatingTenant extends TenantFixture {
  readonly project: string
}

export const donatingTenants = (urls: TestDatabaseUrls, count: number): Promise<Array<DonatingTenant>> =>
  withOwner(
    urls,
    Effect.forEach(Array.from({ length: count }), () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const tenant = yield* createTenant()
        const project = `well-${randomUUID().slice(0, 6)}`
        yield* sql`update tenants set settings = ${JSON.stringify({
          bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
          donations: { minimum: "1.000", maximum: "5000.000" }
        })}::jsonb where id = ${tenant.id}`
        yield* asOwnerInTenant(
          tenant.id,
          sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
        values (${tenant.id}, 'project', ${project}, 'بئر ماء', 1000, 'zakat', 'active')`
        )
        return { ...tenant, project }
      })
    )
  )

export const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

export const donate = (base: string, tenant: DonatingTenant) =>
  fetch(`${base}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: JSON.stringify({
      amount: "25.000",
      project: tenant.project,
      donor: { name: "أم محمد", phone: "+965 5000 1234" },
      paymentMethod: "bank_transfer"
    })
  })

export const publicCatalog = (base: string, tenant: TenantFixture) =>
  fetch(`${base}/api/v1/public/catalog`, { headers: { "x-forwarded-host": hostOf(tenant) } })

/** Polls `check` (every 50 ms) until it holds, at most `timeoutMs`: waiting for an event, not a fixed time. */
export const eventually = async (check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error("the condition did not hold in time")
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * How many sessions of the runtime role in this database wait for a lock right now (as a superuser: it
 * sees every session); with `tenantId`, only those whose statement names it (a capture's last statement
 * carries its values inline), so other test files' waiters do not count.
 */
export const waitingOnLocks = (urls: TestDatabaseUrls, tenantId?: string) =>
  Effect.runPromise(
    Effect.provide(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = ${urls.database} and usename = 'manara_app' and wait_event_type = 'Lock'
        and (${tenantId ?? null}::text is null or strpos(query, ${tenantId ?? ""}) > 0)`
      ),
      PgClient.layer({ url: Redacted.make(withDatabase(urls.adminUrl, urls.database)), maxConnections: 1 })
    ).pipe(Effect.orDie)
  ).then((rows) => rows[0]!.n)
