import { SqlClient, type Statement } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { isCanonicalUuid, type TenantId } from "@manara/domain"
import { Context, Effect, Exit, Option, Scope } from "effect"

/**
 * The tenant a piece of code works for. Repositories of tenant tables require it, and only
 * `TenantSql.withTenant` provides it, so a query that forgets its tenant does not compile.
 */
export class CurrentTenant extends Context.Tag("Db/CurrentTenant")<CurrentTenant, TenantId>() {}

/** Whether the tenant transaction still needs its COMMIT (`commitWith` sends it early). */
class OpenTransaction extends Context.Tag("Db/OpenTransaction")<OpenTransaction, { open: boolean; begun?: Error }>() {}

/** What `@effect/sql-pg` reserves for a transaction: its executor and, underneath, node-postgres' client. */
interface RawClient {
  query(text: string, params: ReadonlyArray<unknown>, done: (error: Error | null, result: { readonly rows: Array<unknown> }) => void): void
  query(text: string, done: (error: Error | null) => void): void
}
type Connection = { readonly executeUnprepared: Function; readonly pg?: RawClient }

/**
 * The only door to tenant tables: one short transaction that starts with
 * `BEGIN; SELECT set_config('app.current_tenant', <id>, true)`, so the tenant lives and dies with the
 * transaction and a pooled connection carries nothing into the next request. The id is inlined only
 * after it has been checked to be a canonical UUID (it is a decoded `TenantId`, never raw input).
 */
export class TenantSql extends Effect.Service<TenantSql>()("Db/TenantSql", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const acquireConnection = Effect.flatMap(
      Scope.make(),
      (scope) => Effect.map(Scope.extend(sql.reserve, scope), (conn) => [scope, conn as unknown as Connection] as const)
    )
    const statement = (text: string) => (conn: Connection) =>
      (conn.executeUnprepared(text, [], undefined) as Effect.Effect<unknown, SqlError>).pipe(Effect.asVoid)
    const commit = statement("COMMIT")
    const rollback = statement("ROLLBACK")

    /**
     * `BEGIN; SELECT set_config(…)` is queued on the connection, not waited for: the first statement
     * goes out right behind it. Should it ever fail, whatever follows runs without a tenant, which RLS
     * refuses, and the transaction ends as a defect.
     */
    const begin = (conn: Connection, tenantId: TenantId, state: { begun?: Error }) => {
      const text = `BEGIN; SELECT set_config('app.current_tenant', '${tenantId}', true)`
      const pg = conn.pg
      if (pg === undefined) return statement(text)(conn)
      return Effect.sync(() =>
        pg.query(text, (error) => {
          if (error) state.begun = error
        })
      )
    }

    const transaction = <A, E, R>(tenantId: TenantId, effect: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(acquireConnection, ([scope, conn]) => {
          const state: { open: boolean; begun?: Error } = { open: true }
          return begin(conn, tenantId, state).pipe(
            Effect.zipRight(
              restore(effect).pipe(
                Effect.provideService(CurrentTenant, tenantId),
                Effect.provideService(OpenTransaction, state),
                Effect.provideService(SqlClient.TransactionConnection, [conn as never, 0])
              )
            ),
            Effect.exit,
            Effect.flatMap((exit) => {
              const end = !state.open ? Effect.void : Exit.isSuccess(exit) ? commit(conn) : rollback(conn)
              const checked = Effect.zipRight(
                end,
                Effect.suspend(() => (state.begun === undefined ? Effect.void : Effect.die(state.begun)))
              )
              return Effect.zipRight(Effect.ensuring(Effect.orDie(checked), Scope.close(scope, exit)), exit)
            })
          )
        })
      )

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
        return yield* transaction(tenantId, effect)
      }) as Effect.Effect<A, E | SqlError, Exclude<R, CurrentTenant>>

    /**
     * The transaction's last statement, with its COMMIT queued behind it on the connection: the
     * COMMIT leaves the moment the statement's answer arrives, not when this fiber is next scheduled,
     * so row locks taken by the statement (a reference counter) are held one round trip, as short as
     * Postgres allows. If the statement fails, that COMMIT ends the aborted transaction as a rollback.
     * Nothing may touch the database after it in the same `withTenant`.
     */
    const commitWith = <A extends object>(
      last: Statement.Statement<A>
    ): Effect.Effect<ReadonlyArray<A>, SqlError, CurrentTenant> =>
      Effect.gen(function*() {
        yield* CurrentTenant
        const state = yield* OpenTransaction
        const [conn] = yield* SqlClient.TransactionConnection
        const pg = (conn as unknown as Connection).pg
        if (!state.open || pg === undefined) return yield* Effect.dieMessage("TenantSql: commitWith outside an open tenant transaction")
        const [text, params] = last.compile()
        state.open = false
        return yield* Effect.async<ReadonlyArray<A>, SqlError>((resume) => {
          let failure: unknown = undefined
          let rows: ReadonlyArray<A> = []
          pg.query(text, params, (error, result) => {
            if (error) failure = error
            else rows = result.rows as Array<A>
          })
          pg.query("COMMIT", (error) => {
            if (failure !== undefined) resume(Effect.fail(new SqlError({ cause: failure, message: "Failed to execute statement" })))
            else if (error) resume(Effect.fail(new SqlError({ cause: error, message: "Failed to commit" })))
            else resume(Effect.succeed(rows))
          })
        }).pipe(Effect.uninterruptible)
      }) as Effect.Effect<ReadonlyArray<A>, SqlError, CurrentTenant>

    return { withTenant, commitWith } as const
  })
}) {}
