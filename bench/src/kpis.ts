/**
 * The KPI query's time for the tenant `pnpm cli seed kpis` filled (BENCH_KPI_TENANT, default kpi-bench):
 * the real `Kpis` service through `TenantSql`, over the last 30 and 365 Kuwait days, median of 5 runs each,
 * and the plan of its visits statement. Reads DATABASE_URL and DATABASE_OWNER_URL like the CLI.
 */
import { SqlClient } from "@effect/sql"
import { Kpis } from "@manara/analytics"
import { TenantSql, TenantSqlLive } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { Effect, Layer } from "effect"
import pg from "pg"

const slug = process.env["BENCH_KPI_TENANT"] ?? "kpi-bench"
const owner = new pg.Pool({
  connectionString: process.env["DATABASE_OWNER_URL"] ?? "postgres://manara_owner:manara_owner@127.0.0.1:5432/manara"
})
const found = (await owner.query<{ id: string }>("select id from tenants where slug = $1", [slug])).rows[0]
await owner.end()
if (found === undefined) throw new Error(`no tenant ${slug}: run \`pnpm cli seed kpis\` first`)
const tenantId = found.id as TenantId

const day = (offset: number) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kuwait" }).format(new Date(Date.now() + offset * 86_400_000))

const program = Effect.gen(function* () {
  const kpis = yield* Kpis
  const tenantSql = yield* TenantSql
  const sql = yield* SqlClient.SqlClient
  for (const days of [30, 365]) {
    const range = { from: day(-(days - 1)), to: day(0) }
    const times: Array<number> = []
    let visits = 0
    for (let run = 0; run < 5; run++) {
      const started = performance.now()
      const figures = yield* tenantSql.withTenant(tenantId, kpis.figures(range))
      times.push(performance.now() - started)
      visits = figures.visits
    }
    // The first run of a range also sums its closed days not summed yet (traffic_days); later runs read them.
    const first = times[0]!
    times.sort((a, b) => a - b)
    console.log(
      `KPI query, ${days} days (${visits} visits in range): first ${first.toFixed(0)} ms, median ${times[2]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times[4]!.toFixed(0)} ms`
    )
  }
  const plan = yield* tenantSql.withTenant(
    tenantId,
    sql<{ "QUERY PLAN": string }>`explain select count(*) from visits v
    where v.tenant_id = ${tenantId} and v.created_at >= now() - interval '30 days'`
  )
  console.log(plan.map((row) => row["QUERY PLAN"]).join("\n"))
})

await Effect.runPromise(program.pipe(Effect.provide(Kpis.Default.pipe(Layer.provideMerge(TenantSqlLive))), Effect.scoped))
