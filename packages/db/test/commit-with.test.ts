import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { TenantSql } from "@manara/db"
import { createTenant, ownerSql, runtimeSql } from "@manara/testkit"
import { Cause, Effect, Exit, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"

const urls = inject("manaraDatabase")
const RuntimeLive = TenantSql.Default.pipe(Layer.provideMerge(runtimeSql(urls, 2)))

describe("TenantSql.commitWith refuses a value it cannot inline", () => {
  it.layer(RuntimeLive)((it) => {
    it.effect("a NUL or a lone surrogate is a defect before anything is sent; the rest of the transaction is rolled back", () =>
      Effect.gen(function* () {
        const tenant = yield* Effect.provide(createTenant(), ownerSql(urls))
        const tenantSql = yield* TenantSql
        const sql = yield* SqlClient.SqlClient
        const count = tenantSql
          .withTenant(tenant.id, sql<{ n: string }>`select count(*)::text as n from idempotency_keys`)
          .pipe(Effect.map((rows) => Number(rows[0]!.n)))
        const before = yield* count
        for (const bad of ["a\u0000b", "a\ud800b", "\udc00"]) {
          const exit = yield* Effect.exit(
            tenantSql.withTenant(
              tenant.id,
              Effect.zipRight(
                sql`insert into idempotency_keys (tenant_id, key, request_hash) values (${tenant.id}, ${randomUUID()}, 'h')`,
                tenantSql.commitWith(
                  sql`insert into idempotency_keys (tenant_id, key, request_hash) values (${tenant.id}, ${bad}, 'h') returning key`
                )
              )
            )
          )
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause), JSON.stringify(bad)).toBe(true)
          expect(String(Exit.isFailure(exit) ? Cause.squash(exit.cause) : "")).toMatch(/cannot be inlined/)
        }
        expect(yield* count).toBe(before)
        // The connections are fine afterwards.
        const key = `k-${randomUUID()}`
        const rows = yield* tenantSql.withTenant(
          tenant.id,
          tenantSql.commitWith(
            sql<{
              key: string
            }>`insert into idempotency_keys (tenant_id, key, request_hash) values (${tenant.id}, ${key}, 'h') returning key`
          )
        )
        expect(rows).toEqual([{ key }])
      })
    )
  })
})
