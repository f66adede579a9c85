import { SqlClient } from "@effect/sql"
import type { TenantId } from "@manara/domain"
import { CurrentTenant } from "@manara/db"
import { Effect } from "effect"

export type ReferenceKind = "ORD" | "DON" | "PLG"

/**
 * Takes the next reference of a kind, `DON-2026-000042` (per tenant, per kind, per Kuwait year), as
 * a statement returning `reference`; used whole or as a CTE body. The counter row stays locked until
 * the transaction ends, so numbers are gapless: a rolled back capture gives its number back, and
 * concurrent captures queue for the next one.
 */
export const referenceCounterSql = (sql: SqlClient.SqlClient, tenantId: TenantId, kind: ReferenceKind) =>
  sql`insert into reference_counters (tenant_id, kind, year, next_value)
      values (${tenantId}, ${kind}, extract(year from now() at time zone 'Asia/Kuwait')::int, 2)
      on conflict (tenant_id, kind, year) do update set next_value = reference_counters.next_value + 1
      returning ${kind}::text || '-' || year || '-' || lpad((next_value - 1)::text, 6, '0') as reference`

/** The next reference on its own, in the caller's tenant transaction. */
export const nextReference = (kind: ReferenceKind) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* referenceCounterSql(sql, yield* CurrentTenant, kind).pipe(
      Effect.map((rows) => rows as ReadonlyArray<{ readonly reference: string }>)
    )
    return rows[0]!.reference
  })
