import { SqlClient, type Statement } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { isCanonicalUuid, type TenantId } from "@manara/domain"
import { Config, Context, Effect, Exit, Option, Scope } from "effect"
import { acquireTimeout, poolSize, queueLimit, tenantQueueLimit, tenantReferenceLanes, tenantShare } from "./DbConfig.js"
import { makePoolGate } from "./PoolGate.js"
import { createRequire } from "node:module"

// node-postgres' own value preparation and quoting, which it uses for its parameters and arrays.
const require = createRequire(import.meta.url)
const { escapeLiteral } = require("pg") as { escapeLiteral: (value: string) => string }
const { prepareValue } = require("pg/lib/utils.js") as { prepareValue: (value: unknown) => string | Buffer | null }

/**
 * A NUL would end the simple-protocol message's string early (a protocol error, not a value), and a
 * lone surrogate would be stored as U+FFFD: values carrying either cannot be inlined faithfully.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what cannot be inlined
const UNINLINABLE = /\u0000|\p{Cs}/u

/** A compiled statement's `$n` placeholders replaced by quoted literals, for a simple-protocol message. */
const inline = (text: string, params: ReadonlyArray<unknown>): string =>
  text.replace(/\$(\d+)/g, (placeholder, index: string) => {
    const position = Number(index) - 1
    if (position < 0 || position >= params.length) throw new Error(`TenantSql: no value for ${placeholder}`)
    const value = prepareValue(params[position])
    if (value === null) return "NULL"
    if (typeof value !== "string") throw new Error("TenantSql: binary values cannot be inlined")
    if (UNINLINABLE.test(value))
      throw new Error(`TenantSql: the value of ${placeholder} has a NUL or a lone surrogate and cannot be inlined`)
    return escapeLiteral(value)
  })

/**
 * The tenant a piece of code works for. Repositories of tenant tables require it, and only
 * `TenantSql.withTenant` provides it, so a query that forgets its tenant does not compile.
 */
export class CurrentTenant extends Context.Tag("Db/CurrentTenant")<CurrentTenant, TenantId>() {}

/** A tenant transaction's own state: whether it still needs its COMMIT (`commitWith` sends it with the last statement), and how its queued BEGIN went. */
interface TransactionState {
  open: boolean
  begun?: Error
}
class OpenTransaction extends Context.Tag("Db/OpenTransaction")<OpenTransaction, TransactionState>() {}

/** What `@effect/sql-pg` reserves for a transaction: its executor and, underneath, node-postgres' client. */
interface RawClient {
  query(text: string, done: (error: Error | null, result: ReadonlyArray<{ readonly rows: Array<unknown> }>) => void): void
}
type Connection = { readonly executeUnprepared: (...args: ReadonlyArray<unknown>) => unknown; readonly pg: RawClient }

/**
 * The only door to tenant tables: one short transaction that starts with
 * `BEGIN; SELECT set_config('app.current_tenant', <id>, true)`, so the tenant lives and dies with the
 * transaction and a pooled connection carries nothing into the next request. The id is inlined only
 * after it has been checked to be a canonical UUID (it is a decoded `TenantId`, never raw input).
 */
export class TenantSql extends Effect.Service<TenantSql>()("Db/TenantSql", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // Bounded waits and one tenant's share of the pool, in front of it (PoolGate.ts).
    const gate = makePoolGate(
      yield* Config.all({ poolSize, acquireTimeout, queueLimit, tenantShare, tenantQueueLimit, referenceLanes: tenantReferenceLanes })
    )
    const acquireConnection = Effect.flatMap(Scope.make(), (scope) =>
      Effect.flatMap(Scope.extend(sql.reserve, scope), (conn) =>
        (conn as unknown as Partial<Connection>).pg === undefined
          ? Effect.dieMessage("TenantSql: the reserved connection has no node-postgres client")
          : Effect.succeed([scope, conn as unknown as Connection] as const)
      )
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
    const begin = (conn: Connection, tenantId: TenantId, state: TransactionState) =>
      Effect.sync(() =>
        conn.pg.query(`BEGIN; SELECT set_config('app.current_tenant', '${tenantId}', true)`, (error) => {
          if (error) state.begun = error
        })
      )

    const transaction = <A, E, R>(tenantId: TenantId, effect: Effect.Effect<A, E, R>) =>
      // Uninterruptible to its end: a visitor who hangs up mid-transaction lets it finish (a few ms)
      // instead of cancelling its query, which node-postgres does through another pooled connection: with
      // the pool busy, those cancels waited up to 5 s each and stalled every request behind them.
      Effect.uninterruptible(
        Effect.flatMap(acquireConnection, ([scope, conn]) => {
          const state: TransactionState = { open: true }
          return begin(conn, tenantId, state).pipe(
            Effect.zipRight(
              effect.pipe(
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

    /**
     * `effect` in one transaction of `tenantId`. `takesReference`: it takes a reference number (a
     * capture), so it passes the tenant's reference lane first (`PoolGate.ts`).
     */
    const withTenant = <A, E, R>(
      tenantId: TenantId,
      effect: Effect.Effect<A, E, R>,
      options?: { readonly takesReference?: boolean }
    ): Effect.Effect<A, E | SqlError, Exclude<R, CurrentTenant>> =>
      Effect.gen(function* () {
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
        return yield* gate.around(tenantId, transaction(tenantId, effect), options?.takesReference === true)
      }) as Effect.Effect<A, E | SqlError, Exclude<R, CurrentTenant>>

    /**
     * The transaction's last statement and its COMMIT in one simple-protocol message: Postgres commits
     * the moment the statement is done, without waiting for this process to read the answer and send
     * COMMIT, so row locks the statement takes (a reference counter) are held for the statement and
     * the commit's flush only, however busy the event loop is. The values are inlined by
     * node-postgres' own `prepareValue` and `escapeLiteral`; a value with a NUL or a lone surrogate is
     * refused as a defect before anything is sent. The statement's own text must not contain
     * `$n` other than its placeholders. If the statement fails, the COMMIT does not run and the
     * transaction is rolled back as usual. Nothing may touch the database after it in this `withTenant`.
     */
    const commitWith = <A extends object>(last: Statement.Statement<A>): Effect.Effect<ReadonlyArray<A>, SqlError, CurrentTenant> =>
      Effect.gen(function* () {
        yield* CurrentTenant
        const state = yield* OpenTransaction
        const [conn] = yield* SqlClient.TransactionConnection
        if (!state.open) return yield* Effect.dieMessage("TenantSql: commitWith outside an open tenant transaction")
        const client = (conn as unknown as Connection).pg
        const [text, params] = last.compile()
        // A value the request's schema should have refused: a defect, and nothing is sent.
        const message = yield* Effect.try({ try: () => `${inline(text, params)};\nCOMMIT`, catch: (error) => error }).pipe(Effect.orDie)
        return yield* Effect.async<ReadonlyArray<A>, SqlError>((resume) => {
          client.query(message, (error, results) => {
            if (error) return resume(Effect.fail(new SqlError({ cause: error, message: "Failed to execute statement" })))
            state.open = false
            resume(Effect.succeed(results[0]!.rows as Array<A>))
          })
        })
      }) as Effect.Effect<ReadonlyArray<A>, SqlError, CurrentTenant>

    return { withTenant, commitWith, gate: gate.state } as const
  })
}) {}
