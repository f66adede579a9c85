import { SqlClient } from "@effect/sql"
import { TenantSql } from "@manara/db"
import { Outbox } from "@manara/notifications"
import { asOwnerInTenant, createTenant, runtimeSql, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")

type Row = { readonly status: "pending" | "sending" | "sent" | "dead"; readonly dueSecondsAgo: number }

/** One outbox row of the tenant; a `sending` row's lease ran out `dueSecondsAgo` (negative: still held). */
const insertRow = (tenant: TenantFixture, row: Row) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key, status,
            next_attempt_at, leased_until, lease_owner)
          values (${tenant.id}, 'notification.test', '{"secret":"payload"}'::jsonb, 'email', 'backlog@example.com',
            ${`backlog:${randomUUID()}`}, ${row.status}, now() - make_interval(secs => ${row.dueSecondsAgo}),
            case when ${row.status} = 'sending' then now() - make_interval(secs => ${row.dueSecondsAgo}) end,
            case when ${row.status} = 'sending' then gen_random_uuid() end)`
      )
    )
  )

/** What the worker used to compute: one statement per tenant under that tenant's context, then the maximum. */
const perTenantOldest = (tenants: ReadonlyArray<TenantFixture>) =>
  Promise.all(
    tenants.map((tenant) =>
      withOwner(
        urls,
        asOwnerInTenant(
          tenant.id,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql<{ oldest: number }>`select coalesce(extract(epoch from now() - least(
                (select min(next_attempt_at) from notification_outbox where tenant_id = ${tenant.id} and status = 'pending' and next_attempt_at <= now()),
                (select min(leased_until) from notification_outbox where tenant_id = ${tenant.id} and status = 'sending' and leased_until <= now()))), 0)::float8 as oldest`
          )
        )
      ).then(([row]) => row!.oldest)
    )
  ).then((figures) => Math.round(Math.max(...figures)))

const asRuntime = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Outbox>) =>
  Effect.runPromise(
    Effect.provide(
      effect,
      Outbox.Default.pipe(Layer.provideMerge(TenantSql.Default), Layer.provideMerge(runtimeSql(urls, 2)))
    ) as Effect.Effect<A, never>
  )

const backlog = (tenants: ReadonlyArray<TenantFixture> | null) =>
  asRuntime(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) =>
        sql<
          Record<string, unknown>
        >`select * from app.outbox_backlog(${tenants === null ? null : `{${tenants.map((t) => t.id).join(",")}}`}::uuid[])`
    )
  )

describe("app.outbox_backlog: the outbox metric in one statement", () => {
  it("over several tenants it gives the figure the per-tenant walk gave, and the worker's Outbox reads it", async () => {
    const tenants = [await withOwner(urls, createTenant()), await withOwner(urls, createTenant()), await withOwner(urls, createTenant())]
    const [a, b, c] = tenants as [TenantFixture, TenantFixture, TenantFixture]
    await insertRow(a, { status: "pending", dueSecondsAgo: 600 })
    await insertRow(a, { status: "pending", dueSecondsAgo: -600 }) // backing off: not due
    await insertRow(b, { status: "sending", dueSecondsAgo: 5400 }) // a dead worker's lease, out 90 minutes ago: the oldest
    await insertRow(b, { status: "sending", dueSecondsAgo: -60 }) // a live lease
    await insertRow(c, { status: "pending", dueSecondsAgo: 3600 })
    await insertRow(c, { status: "sent", dueSecondsAgo: 9000 }) // done rows never count
    await insertRow(c, { status: "dead", dueSecondsAgo: 9000 })

    const expected = await perTenantOldest(tenants)
    expect(expected).toBeGreaterThanOrEqual(5400)
    const [row, ...more] = await backlog(tenants)
    expect(more).toHaveLength(0)
    expect(Math.abs(Math.round(row!.oldest_due_seconds as number) - expected)).toBeLessThanOrEqual(2)
    expect({ due: Number(row!.due_rows), pending: Number(row!.pending_rows), sending: Number(row!.sending_rows) }).toEqual({
      due: 3,
      pending: 3,
      sending: 2
    })
    const viaOutbox = await asRuntime(Effect.flatMap(Outbox, (outbox) => outbox.oldestDueSeconds(tenants.map((t) => t.id))))
    expect(Math.abs(viaOutbox - expected)).toBeLessThanOrEqual(2)
    // Only the named tenants: c alone is its own hour.
    const onlyC = await asRuntime(Effect.flatMap(Outbox, (outbox) => outbox.oldestDueSeconds([c.id])))
    expect(Math.abs(onlyC - 3600)).toBeLessThanOrEqual(2)
    // Every tenant (the worker without NOTIFY_TENANTS): at least as old as these three, whatever else the database holds.
    const [all] = await backlog(null)
    expect(all!.oldest_due_seconds as number).toBeGreaterThanOrEqual(5400)
    expect(Number(all!.due_rows)).toBeGreaterThanOrEqual(3)
  }, 60_000)

  it("answers aggregates only, runs as manara_doors with a pinned search_path, and only the runtime role may call it", async () => {
    const tenant = await withOwner(urls, createTenant())
    await insertRow(tenant, { status: "pending", dueSecondsAgo: 30 })
    const rows = await backlog([tenant])
    expect(rows).toHaveLength(1)
    expect(Object.keys(rows[0]!).sort()).toEqual(["due_rows", "oldest_due_seconds", "pending_rows", "sending_rows"])
    expect(JSON.stringify(rows)).not.toContain(tenant.id)
    const [catalog] = await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{
          owner: string
          definer: boolean
          config: ReadonlyArray<string>
          result: string
          public_execute: boolean
          runtime_execute: boolean
        }>`select pg_get_userbyid(p.proowner) as owner, p.prosecdef as definer, p.proconfig as config,
            pg_get_function_result(p.oid) as result,
            exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public_execute,
            has_function_privilege('manara_app', p.oid, 'execute') as runtime_execute
          from pg_proc p where p.oid = 'app.outbox_backlog(uuid[])'::regprocedure`
      )
    )
    expect(catalog).toEqual({
      owner: "manara_doors",
      definer: true,
      config: ["search_path=pg_catalog, public, pg_temp"],
      result: "TABLE(oldest_due_seconds double precision, due_rows bigint, pending_rows bigint, sending_rows bigint)",
      public_execute: false,
      runtime_execute: true
    })
    // The runtime role still cannot read the rows the function counts: forced RLS without a tenant shows none.
    const seen = await asRuntime(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ n: number }>`select count(*)::int as n from notification_outbox where tenant_id = ${tenant.id}`
      )
    )
    expect(seen[0]!.n).toBe(0)
  }, 60_000)
})
