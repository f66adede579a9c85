import { SqlClient } from "@effect/sql"
import type { TenantId } from "@manara/domain"
import { CurrentTenant } from "@manara/db"
import { Effect } from "effect"

export type ReferenceKind = "ORD" | "DON" | "PLG"

/**
 * The next reference of a kind, `DON-2026-000042`: per tenant, per kind, per year (Kuwait's calendar).
 * The counter row stays locked until the caller's transaction ends, so numbers are gapless: a rolled
 * back capture gives its number back, and concurrent captures queue for the next one.
 */
export const nextReference = (kind: ReferenceKind) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tenantId = yield* CurrentTenant
    const rows = yield* sql<{ year: number; value: string }>`
      insert into reference_counters (tenant_id, kind, year, next_value)
      values (${tenantId}, ${kind}, extract(year from now() at time zone 'Asia/Kuwait')::int, 2)
      on conflict (tenant_id, kind, year) do update set next_value = reference_counters.next_value + 1
      returning year, (next_value - 1)::text as value`
    const { value, year } = rows[0]!
    return `${kind}-${year}-${value.padStart(6, "0")}`
  })

/** The same, as a CTE body returning `reference`, for a capture written in one statement. */
export const referenceCounterSql = (sql: SqlClient.SqlClient, tenantId: TenantId, kind: ReferenceKind) =>
  sql`insert into reference_counters (tenant_id, kind, year, next_value)
      values (${tenantId}, ${kind}, extract(year from now() at time zone 'Asia/Kuwait')::int, 2)
      on conflict (tenant_id, kind, year) do update set next_value = reference_counters.next_value + 1
      returning ${kind}::text || '-' || year || '-' || lpad((next_value - 1)::text, 6, '0') as reference`
