/**
 * The noisy-neighbour line of `pnpm bench` (`BENCH_CASES=noisy`, or `pnpm --filter @manara/bench noisy`):
 * 50 tenants on one API, each sending donations at a steady rate (open loop: requests leave on
 * schedule whether or not earlier ones were answered), one of them at 20× the others' rate.
 * 1. baseline: the 49 quiet tenants alone, BENCH_NOISY_SECONDS; their p99;
 * 2. noisy: the same plus the noisy tenant; the quiet tenants' p99 again (goal: within 2× of 1.);
 * 3. for contrast, the same as 2. without the reference lanes (DATABASE_TENANT_REFERENCE_LANES=100), and
 *    with DATABASE_TENANT_SHARE=1 and no lanes (no per-tenant limit at all).
 * The API runs in this process on the loopback, pool of 10 (the default), as in `outbox.ts`; the load
 * generator in a child process (`noisy-load.ts`). Each phase also reports both event loops' delay.
 */
import { startApi } from "@manara/api/server"
import { asOwnerInTenant, createTenant, createTestDatabase, dropTestDatabase, type TenantFixture, withOwner } from "@manara/testkit"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { fork } from "node:child_process"
import { monitorEventLoopDelay } from "node:perf_hooks"
import type { PhaseOrder, PhaseResult } from "./noisy-load.js"

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const TENANTS = 50
const quietRate = number("BENCH_NOISY_RATE", 1)
const noisyRate = quietRate * 20
const seconds = number("BENCH_NOISY_SECONDS", 10)
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

interface Phase {
  readonly quietP50: number
  readonly quietP99: number
  readonly noisyP50: number
  readonly noisyP99: number
  readonly quietStatuses: Record<string, number>
  readonly noisyStatuses: Record<string, number>
  /** The API process's event-loop delay over the phase (ms). */
  readonly apiLoopDelayP99: number
  readonly apiLoopDelayMax: number
  /** The load generator's own (ms). */
  readonly clientLoopDelayP99: number
}

const urls = await createTestDatabase("manara_bench_noisy")
let closeApi: (() => Promise<void>) | undefined
let stopLoad: (() => void) | undefined
try {
  const tenants: Array<TenantFixture> = await withOwner(
    urls,
    Effect.forEach(Array.from({ length: TENANTS }), () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const tenant = yield* createTenant()
        yield* sql`update tenants set settings = ${JSON.stringify({ bankTransfer: { bank: "KFH", iban: "KW81CBKU0000000000001234560101" } })}::jsonb where id = ${tenant.id}`
        yield* asOwnerInTenant(
          tenant.id,
          sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
        values (${tenant.id}, 'project', 'project-1', 'مشروع', 1000000, 'sadaqah', 'active')`
        )
        return tenant
      })
    )
  )
  const [noisy, ...quiet] = tenants as [TenantFixture, ...Array<TenantFixture>]

  // A lane count at or above the share turns the reference lanes off.
  const start = (share: string, lanes: string) =>
    startApi({
      DATABASE_URL: urls.runtimeUrl,
      REDIS_URL: urls.redisUrl,
      REDIS_KEY_PREFIX: `${urls.database}:`,
      PLATFORM_DOMAIN: "bench.test",
      CAPTURE_LIMIT_PER_IP: "100000000",
      CAPTURE_LIMIT_PER_TENANT: "100000000",
      NOTIFY_DELIVERY: "false",
      DATABASE_TENANT_SHARE: share,
      DATABASE_TENANT_REFERENCE_LANES: lanes,
      LOG_LEVEL: "Error"
    })

  // The load generator runs in a child process: the API's event loop serves only the API.
  const load = fork(fileURLToPath(new URL("./noisy-load.ts", import.meta.url)), [], { execArgv: ["--import", "tsx"] })
  stopLoad = () => load.kill()
  const order = (o: PhaseOrder) =>
    new Promise<PhaseResult>((resolve, reject) => {
      load.once("message", (result) => resolve(result as PhaseResult))
      load.once("exit", (code) => reject(new Error(`the load generator exited (${code})`)))
      load.send(o)
    })

  /** One phase: the client's figures, and how late the API's event loop ran meanwhile. */
  const phase = async (base: string, withNoisy: boolean): Promise<Phase> => {
    const loop = monitorEventLoopDelay({ resolution: 10 })
    loop.enable()
    const result = await order({
      base,
      quiet: quiet.map((tenant) => tenant.slug),
      noisy: withNoisy ? noisy.slug : undefined,
      quietRate,
      noisyRate,
      seconds
    })
    loop.disable()
    return {
      quietP50: percentile(result.quietTimes, 50),
      quietP99: percentile(result.quietTimes, 99),
      noisyP50: percentile(result.noisyTimes, 50),
      noisyP99: percentile(result.noisyTimes, 99),
      quietStatuses: result.quietStatuses,
      noisyStatuses: result.noisyStatuses,
      apiLoopDelayP99: Math.round((loop.percentile(99) / 1e6) * 10) / 10,
      apiLoopDelayMax: Math.round((loop.max / 1e6) * 10) / 10,
      clientLoopDelayP99: Math.round(result.clientLoopDelayP99 * 10) / 10
    }
  }

  const round = (ms: number) => Math.round(ms * 10) / 10
  const results: Record<string, Phase> = {}
  for (const [share, lanes, label] of [
    ["0.5", "2", "share 0.5"],
    ["0.5", "100", "share 0.5, no reference lanes"],
    ["1", "100", "share 1 (no limit)"]
  ] as const) {
    const api = await start(share, lanes)
    closeApi = api.close
    await phase(api.url, false) // warm up: JIT, pool, caches
    if (label === "share 0.5") results["baseline"] = await phase(api.url, false)
    results[label] = await phase(api.url, true)
    await api.close()
    closeApi = undefined
  }
  const baseline = results["baseline"]!
  const limited = results["share 0.5"]!
  const unlimited = results["share 1 (no limit)"]!
  const laneless = results["share 0.5, no reference lanes"]!
  const line =
    `noisy: 50 tenants, 49 at ${quietRate}/s and one at ${noisyRate}/s, ${seconds} s each: quiet p99 ${round(baseline.quietP99)} ms alone, ` +
    `${round(limited.quietP99)} ms with the noisy one (${round(limited.quietP99 / baseline.quietP99)}x, goal <= 2x; noisy answered ${JSON.stringify(limited.noisyStatuses)}), ` +
    `${round(laneless.quietP99)} ms without the reference lanes (${round(laneless.quietP99 / baseline.quietP99)}x), ` +
    `${round(unlimited.quietP99)} ms without the tenant share (${round(unlimited.quietP99 / baseline.quietP99)}x; noisy ${JSON.stringify(unlimited.noisyStatuses)}); ` +
    `quiet statuses ${JSON.stringify(limited.quietStatuses)}`
  process.stdout.write(`${line}\n`)
  for (const [label, result] of Object.entries(results)) {
    const { quietP50, quietP99, noisyP50, noisyP99, apiLoopDelayP99, apiLoopDelayMax, clientLoopDelayP99 } = result
    process.stdout.write(
      `  ${label}: ${JSON.stringify({ quietP50, quietP99, noisyP50, noisyP99, apiLoopDelayP99, apiLoopDelayMax, clientLoopDelayP99 }, (_, v: unknown) => (typeof v === "number" ? round(v) : v))}\n`
    )
  }
  const directory = fileURLToPath(new URL("../results/", import.meta.url))
  mkdirSync(directory, { recursive: true })
  writeFileSync(
    `${directory}noisy.json`,
    `${JSON.stringify({ date: new Date().toISOString(), quietRate, noisyRate, seconds, ...results }, null, 2)}\n`
  )
} finally {
  stopLoad?.()
  await closeApi?.()
  await dropTestDatabase(urls)
}
process.exit(0)
