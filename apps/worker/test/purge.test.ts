import { SqlClient } from "@effect/sql"
import { TenantSql } from "@manara/db"
import { Outbox, OutboxPurgeLive } from "@manara/notifications"
import { asOwnerInTenant, createTenant, runtimeSql, type TenantFixture, withOwner } from "@manara/testkit"
import { ConfigProvider, Duration, Effect, Exit, Layer, Scope } from "effect"
import { randomUUID } from "node:crypto"
import { describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")

type State = "pending" | "sending" | "sent" | "dead"

/** A row of `status` that reached it `daysAgo` days ago (sent_at for sent rows, updated_at for the rest), created long before. */
const insertRow = (tenant: TenantFixture, status: State, daysAgo: number) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(SqlClient.SqlClient, (sql) => {
        const at = sql`now() - make_interval(days => ${daysAgo})`
        return sql<{ id: string }>`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key, status,
            created_at, updated_at, next_attempt_at, sent_at, lease_owner, leased_until, attempts)
          values (${tenant.id}, 'notification.test', '{}'::jsonb, 'email', 'purge@example.com', ${`purge:${randomUUID()}`}, ${status},
            now() - interval '400 days', ${at}, ${at}, ${status === "sent" ? at : null},
            ${status === "sending" ? randomUUID() : null}, ${status === "sending" ? at : null}, 1)
          returning id`.pipe(Effect.map(([row]) => row!.id))
      })
    )
  )

const remaining = (tenant: TenantFixture) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`select id from notification_outbox where tenant_id = ${tenant.id}`)
    )
  ).then((rows) => new Set(rows.map((row) => row.id)))

const outboxLayer = Outbox.Default.pipe(Layer.provide(TenantSql.Default), Layer.provide(runtimeSql(urls, 2)))

describe("the outbox purge", () => {
  it("one statement deletes at most its batch, oldest first, and only delivered rows past their keep and dead letters past theirs", async () => {
    const tenant = await withOwner(urls, createTenant())
    const sentOld = [await insertRow(tenant, "sent", 60), await insertRow(tenant, "sent", 50), await insertRow(tenant, "sent", 40)]
    const deadOld = await insertRow(tenant, "dead", 100)
    const kept = [
      await insertRow(tenant, "sent", 20),
      await insertRow(tenant, "dead", 60),
      await insertRow(tenant, "pending", 300),
      await insertRow(tenant, "sending", 300)
    ]
    const purge = (batch: number) =>
      Effect.runPromise(
        Effect.flatMap(Outbox, (outbox) => outbox.purge(Duration.days(30), Duration.days(90), batch, [tenant.id])).pipe(
          Effect.provide(outboxLayer)
        )
      )
    // The two oldest of the four due: the dead letter (100 days) and the first delivered row (60 days).
    expect(await purge(2)).toBe(2)
    const afterOne = await remaining(tenant)
    expect(afterOne.has(deadOld) || afterOne.has(sentOld[0]!)).toBe(false)
    expect(afterOne).toEqual(new Set([sentOld[1], sentOld[2], ...kept]))
    expect(await purge(100)).toBe(2)
    expect(await remaining(tenant)).toEqual(new Set(kept))
    expect(await purge(100)).toBe(0)
  })

  it("the worker's fiber purges on its schedule with the default keeps (35 days delivered, 90 dead), batch after batch, for its tenants only", async () => {
    const tenant = await withOwner(urls, createTenant())
    const other = await withOwner(urls, createTenant())
    for (let i = 0; i < 5; i++) await insertRow(tenant, "sent", 36 + i)
    await insertRow(tenant, "dead", 91)
    const kept = [await insertRow(tenant, "sent", 34), await insertRow(tenant, "dead", 89), await insertRow(tenant, "pending", 120)]
    // Not this worker's tenant: left to a worker that has it.
    const othersOld = await insertRow(other, "sent", 200)
    const config = ConfigProvider.fromMap(
      new Map([
        ["NOTIFY_TENANTS", tenant.id],
        ["NOTIFY_PURGE_EVERY", "200 millis"],
        // Six rows due, two a statement, two statements a round: the fiber needs two rounds.
        ["NOTIFY_PURGE_BATCH", "2"],
        ["NOTIFY_PURGE_MAX_BATCHES", "2"]
      ])
    )
    const scope = Effect.runSync(Scope.make())
    await Effect.runPromise(
      Layer.buildWithScope(OutboxPurgeLive.pipe(Layer.provide(outboxLayer), Layer.provide(Layer.setConfigProvider(config))), scope)
    )
    try {
      await expect.poll(() => remaining(tenant), { timeout: 30_000, interval: 100 }).toEqual(new Set(kept))
      expect(await remaining(other)).toEqual(new Set([othersOld]))
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })

  it("a keep under a day is refused at start-up (a dedupe key guards only while its row is kept)", async () => {
    const tenant = await withOwner(urls, createTenant())
    const build = (entries: ReadonlyArray<[string, string]>) => {
      const scope = Effect.runSync(Scope.make())
      const layer = OutboxPurgeLive.pipe(
        Layer.provide(outboxLayer),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["NOTIFY_TENANTS", tenant.id], ...entries]))))
      )
      return Effect.runPromiseExit(Layer.buildWithScope(layer, scope)).then(async (exit) => {
        await Effect.runPromise(Scope.close(scope, Exit.void))
        return exit
      })
    }
    const refused = await build([["NOTIFY_KEEP_SENT", "1 hour"]])
    expect(Exit.isFailure(refused) && String(refused.cause)).toContain("NOTIFY_KEEP_SENT must be at least 1 day")
    const refusedDead = await build([["NOTIFY_KEEP_DEAD", "0 seconds"]])
    expect(Exit.isFailure(refusedDead) && String(refusedDead.cause)).toContain("NOTIFY_KEEP_DEAD must be at least 1 day")
  })
})
