import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { AiUsageLog } from "../src/index.js"
import { budgetedTenant, concurrently, exactFake, expectNoDrift, gatewayRuntime, gatewaySuite, question } from "./harness.js"
import { SqlClient } from "@effect/sql"
import { asOwnerInTenant, withOwner } from "@manara/testkit"
import type { TenantId } from "@manara/domain"

const { urls, costPerCall, tokensPerCall, track } = gatewaySuite()
const roomy = { tokens: tokensPerCall * 10_000n, cost: costPerCall * 10_000n }

/** Rows in `ai_usage_log` for the tenant, read straight from Postgres (no flush first). */
const rowCount = (tenantId: TenantId) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenantId,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ rows: number }>`select count(*)::int as rows from ai_usage_log`)
    )
  ).then(([row]) => row!.rows)

describe("the usage log, written off the caller's path", () => {
  it("the caller's answer does not wait for Postgres: rows of many tenants queued while it is held all land, once each", async () => {
    // One connection for the whole gateway: while a test transaction holds it, the writer cannot write.
    const runtime = gatewayRuntime(urls, { model: exactFake().layer, poolSize: 1 })
    track(runtime)
    const tenants = await Promise.all([budgetedTenant(urls, roomy), budgetedTenant(urls, roomy), budgetedTenant(urls, roomy)])
    // Warm: the plan and price caches read Postgres on a tenant's first call.
    await concurrently(
      runtime,
      tenants.map((tenant) => question(tenant))
    )
    await runtime.runPromise(Effect.flatMap(AiUsageLog, (log) => log.flush))

    const { results, whileHeld } = await runtime.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        // The pool's only connection, held while 90 calls run to their end and the log is read.
        sql.withTransaction(
          Effect.promise(async () => {
            const results = await concurrently(
              runtime,
              tenants.flatMap((tenant) => Array.from({ length: 30 }, () => question(tenant)))
            )
            return { results, whileHeld: await Promise.all(tenants.map((tenant) => rowCount(tenant.id))) }
          })
        )
      )
    )
    expect(results.filter(Either.isRight)).toHaveLength(90)
    // Answered while Postgres could not be written: the rows were still queued.
    expect(whileHeld).toEqual([1, 1, 1])

    for (const tenant of tenants) {
      const { drift, logged } = await expectNoDrift(runtime, urls, tenant.id)
      expect(logged.rows).toBe(31)
      expect(drift).toEqual({ tokens: 0n, cost: 0n })
    }
  }, 60_000)

  it("rows still queued when the process shuts down are written before its pool closes", async () => {
    const runtime = gatewayRuntime(urls, { model: exactFake().layer })
    const tenant = await budgetedTenant(urls, roomy)
    const results = await concurrently(
      runtime,
      Array.from({ length: 40 }, () => question(tenant))
    )
    expect(results.filter(Either.isRight)).toHaveLength(40)
    // No flush: disposing is the shutdown.
    await runtime.dispose()
    expect(await rowCount(tenant.id)).toBe(40)
  }, 60_000)
})
