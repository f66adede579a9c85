/**
 * The noisy-neighbour line of `pnpm bench` (`BENCH_CASES=noisy`, or `pnpm --filter @manara/bench noisy`):
 * 50 tenants on one API, each sending donations at a steady rate (open loop: requests leave on
 * schedule whether or not earlier ones were answered), one of them at 20× the others' rate.
 * 1. baseline: the 49 quiet tenants alone, BENCH_NOISY_SECONDS; their p99;
 * 2. noisy: the same plus the noisy tenant; the quiet tenants' p99 again (goal: within 2× of 1.);
 * 3. the same as 2. with DATABASE_TENANT_SHARE=1 (no per-tenant limit), for contrast.
 * The API runs in this process on the loopback, pool of 10 (the default), as in `outbox.ts`.
 */
import { startApi } from "@manara/api/server"
import { asOwnerInTenant, createTenant, createTestDatabase, dropTestDatabase, type TenantFixture, withOwner } from "@manara/testkit"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const TENANTS = 50
const quietRate = number("BENCH_NOISY_RATE", 1)
const noisyRate = quietRate * 20
const seconds = number("BENCH_NOISY_SECONDS", 10)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

interface Phase {
  readonly quietP50: number
  readonly quietP99: number
  readonly quietStatuses: Record<string, number>
  readonly noisyStatuses: Record<string, number>
}

const urls = await createTestDatabase("manara_bench_noisy")
let closeApi: (() => Promise<void>) | undefined
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

  const start = (share: string) =>
    startApi({
      DATABASE_URL: urls.runtimeUrl,
      REDIS_URL: urls.redisUrl,
      REDIS_KEY_PREFIX: `${urls.database}:`,
      PLATFORM_DOMAIN: "bench.test",
      CAPTURE_LIMIT_PER_IP: "100000000",
      CAPTURE_LIMIT_PER_TENANT: "100000000",
      NOTIFY_DELIVERY: "false",
      DATABASE_TENANT_SHARE: share,
      LOG_LEVEL: "Error"
    })

  const donate = (base: string, tenant: TenantFixture) =>
    fetch(`${base}/api/v1/public/donations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.bench.test` },
      body: JSON.stringify({
        amount: "10.000",
        project: "project-1",
        donor: { name: "متبرع", phone: "+96550000000" },
        paymentMethod: "bank_transfer"
      })
    }).then(
      async (response) => {
        await response.arrayBuffer()
        return response.status
      },
      () => 0
    )

  /** Each tenant on its own schedule (spread over the first interval), for `seconds`. */
  const phase = async (base: string, withNoisy: boolean): Promise<Phase> => {
    const quietTimes: Array<number> = []
    const quietStatuses: Record<string, number> = {}
    const noisyStatuses: Record<string, number> = {}
    const pending: Array<Promise<void>> = []
    const begin = Date.now() + 50
    const sender = async (tenant: TenantFixture, rate: number, isQuiet: boolean, offset: number) => {
      const total = Math.round(rate * seconds)
      for (let i = 0; i < total; i++) {
        const due = begin + offset + (i * 1000) / rate
        if (due > Date.now()) await sleep(due - Date.now())
        const at = performance.now()
        pending.push(
          donate(base, tenant).then((status) => {
            const counts = isQuiet ? quietStatuses : noisyStatuses
            counts[status] = (counts[status] ?? 0) + 1
            if (isQuiet) quietTimes.push(performance.now() - at)
          })
        )
      }
    }
    const interval = 1000 / quietRate
    await Promise.all([
      ...quiet.map((tenant, index) => sender(tenant, quietRate, true, (index * interval) / quiet.length)),
      ...(withNoisy ? [sender(noisy, noisyRate, false, 0)] : [])
    ])
    await Promise.all(pending)
    return { quietP50: percentile(quietTimes, 50), quietP99: percentile(quietTimes, 99), quietStatuses, noisyStatuses }
  }

  const round = (ms: number) => Math.round(ms * 10) / 10
  const results: Record<string, Phase> = {}
  for (const [share, label] of [
    ["0.5", "share 0.5"],
    ["1", "share 1 (no limit)"]
  ] as const) {
    const api = await start(share)
    closeApi = api.close
    await phase(api.url, false) // warm up: JIT, pool, caches
    if (share === "0.5") results["baseline"] = await phase(api.url, false)
    results[label] = await phase(api.url, true)
    await api.close()
    closeApi = undefined
  }
  const baseline = results["baseline"]!
  const limited = results["share 0.5"]!
  const unlimited = results["share 1 (no limit)"]!
  const line =
    `noisy: 50 tenants, 49 at ${quietRate}/s and one at ${noisyRate}/s, ${seconds} s each: quiet p99 ${round(baseline.quietP99)} ms alone, ` +
    `${round(limited.quietP99)} ms with the noisy one (${round(limited.quietP99 / baseline.quietP99)}x, goal <= 2x; noisy answered ${JSON.stringify(limited.noisyStatuses)}), ` +
    `${round(unlimited.quietP99)} ms without the tenant share (${round(unlimited.quietP99 / baseline.quietP99)}x; noisy ${JSON.stringify(unlimited.noisyStatuses)}); ` +
    `quiet statuses ${JSON.stringify(limited.quietStatuses)}`
  process.stdout.write(`${line}\n`)
  const directory = fileURLToPath(new URL("../results/", import.meta.url))
  mkdirSync(directory, { recursive: true })
  writeFileSync(
    `${directory}noisy.json`,
    `${JSON.stringify({ date: new Date().toISOString(), quietRate, noisyRate, seconds, ...results }, null, 2)}\n`
  )
} finally {
  await closeApi?.()
  await dropTestDatabase(urls)
}
process.exit(0)
