import { SqlClient } from "@effect/sql"
import type { UserId } from "@manara/domain"
import { Effect, FiberRef } from "effect"
import { currentRequestMeta } from "./RequestMeta.js"
import { CurrentTenant } from "./TenantSql.js"

export interface AuditEntry {
  readonly actor: UserId | null
  /** `area.verb`, e.g. `member.invited`, `member.role_changed`. */
  readonly action: string
  readonly entityKind: string
  readonly entityId: string | null
  readonly before?: unknown
  readonly after?: unknown
}

/**
 * One append-only row per admin write, in the caller's tenant transaction (so the write and its
 * record commit or roll back together), with the request id and IP of the request that made it.
 */
export const recordAudit = (entry: AuditEntry) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantId = yield* CurrentTenant
    const meta = yield* FiberRef.get(currentRequestMeta)
    yield* sql`
      insert into audit_log (tenant_id, actor_user_id, action, entity_kind, entity_id, before, after, ip, request_id)
      values (${tenantId}, ${entry.actor}, ${entry.action}, ${entry.entityKind}, ${entry.entityId},
              ${entry.before === undefined ? null : JSON.stringify(entry.before)}::jsonb,
              ${entry.after === undefined ? null : JSON.stringify(entry.after)}::jsonb,
              ${meta.ip}::inet, ${meta.requestId === "" ? null : meta.requestId})`
  })

/** What concerns no single tenant (a plan's edit), in `platform_audit_log`, in the caller's transaction. */
export const recordPlatformAudit = (entry: AuditEntry) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const meta = yield* FiberRef.get(currentRequestMeta)
    yield* sql`
      insert into platform_audit_log (actor_user_id, action, entity_kind, entity_id, before, after, ip, request_id)
      values (${entry.actor}, ${entry.action}, ${entry.entityKind}, ${entry.entityId},
              ${entry.before === undefined ? null : JSON.stringify(entry.before)}::jsonb,
              ${entry.after === undefined ? null : JSON.stringify(entry.after)}::jsonb,
              ${meta.ip}::inet, ${meta.requestId === "" ? null : meta.requestId})`
  })
