import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { isCanonicalUuid, type TenantId } from "@manara/domain"
import { Context, Effect, Option, Scope } from "effect"

/**
 * The tenant a piece of code works for. Repositories of tenant tables require it, and only
 * `TenantSql.withTenant` provides it, so a query that forgets its tenant does not compile.
 */
export class CurrentTenant extends Context.Tag("Db/CurrentTenant")<CurrentTenant, TenantId>() {}

/**
 * The only door to tenant tables: one short transaction whose first round trip is
 * `BEGIN; SELECT set_config('app.current_tenant', <id>, true)`, so the tenant lives and dies with the
 * transaction and a pooled connection carries nothing into the next request. The id is inlined only
 * after it has been checked to be a canonical UUID (it is a decoded `TenantId`, never raw input).
 */
export class TenantSql extends Effect.Service<TenantSql>()("Db/TenantSql", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const acquireConnection = Effect.flatMap(
      Scope.make(),
      (scope) => Effect.map(Scope.extend(sql.reserve, scope), (conn) => [scope, conn] as const)
    )
    const statement = (text: string) => (conn: { executeUnprepared: Function }) =>
      (conn.executeUnprepared(text, [], undefined) as Effect.Effect<unknown, SqlError>).pipe(Effect.asVoid)

    const transactionFor = (tenantId: TenantId) =>
      SqlClient.makeWithTransaction({
        transactionTag: SqlClient.TransactionConnection,
        spanAttributes: [],
        acquireConnection,
        begin: statement(`BEGIN; SELECT set_config('app.current_tenant', '${tenantId}', true)`),
        savepoint: (conn, id) => statement(`SAVEPOINT effect_sql_${id}`)(conn),
        commit: statement("COMMIT"),
        rollback: statement("ROLLBACK"),
        rollbackSavepoint: (conn, id) => statement(`ROLLBACK TO SAVEPOINT effect_sql_${id}`)(conn)
      })

    const withTenant = <A, E, R>(
      tenantId: TenantId,
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | SqlError, Exclude<R, CurrentTenant>> =>
      Effect.gen(function*() {
        if (!isCanonicalUuid(tenantId)) return yield* Effect.dieMessage("TenantSql: tenant id is not a canonical UUID")
        const current = yield* Effect.serviceOption(CurrentTenant)
        if (Option.isSome(current)) {
          // Already inside this tenant's transaction: join it. Another tenant inside it is a bug.
          if (current.value !== tenantId) return yield* Effect.dieMessage("TenantSql: nested withTenant for another tenant")
          return yield* effect
        }
        if (Option.isSome(yield* Effect.serviceOption(SqlClient.TransactionConnection))) {
          return yield* Effect.dieMessage("TenantSql: withTenant inside a transaction that has no tenant")
        }
        return yield* transactionFor(tenantId)(Effect.provideService(effect, CurrentTenant, tenantId))
      }) as Effect.Effect<
        A,
        E | SqlError,
        Exclude<R, CurrentTenant>
      >

    return { withTenant } as const
  })
}) {}
