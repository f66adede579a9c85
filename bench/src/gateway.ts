/**
 * The gateway line of `pnpm bench` (`BENCH_CASES=gateway`, or alone: `pnpm --filter @manara/bench gateway`):
 * calls at a fixed rate (BENCH_GATEWAY_RATE per second for BENCH_GATEWAY_SECONDS) to a zero-latency fake
 * model, first straight to the fake, then through the whole gateway (plan cache, caps, the Redis
 * rate-limit-and-reserve script, the stream, the settle script, the ai_usage_log row handed to the
 * log's writer). p50/p99 of each and of the difference: the gateway's overhead. Goal: p50 <= 2 ms,
 * p99 <= 10 ms. Then, to tell a collector's tail from an I/O one: the process's CPU per call, the calls
 * over 10 ms (and how many spent half their time in a GC pause), GC pauses by kind during each run, and
 * the event loop's delay. Run with the API image's node flags (`--max-semi-space-size=64
 * --no-allocation-site-pretenuring`, in package.json). At the end, every call's row must be in
 * Postgres (the writer works off the caller's path).
 */
import { SqlClient } from "@effect/sql"
import { AiUsageLog, Gateway, GatewayModel } from "@manara/ai-gateway"
import { asOwnerInTenant, createTestDatabase, dropTestDatabase, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { gatewayBench } from "./gateway-setup.js"
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks"

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const rate = number("BENCH_GATEWAY_RATE", 100)
const seconds = number("BENCH_GATEWAY_SECONDS", 10)
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** V8's collections as they happen (start, duration, kind): a slow call inside one waited on the collector. */
const collections: Array<{ start: number; end: number; kind: number }> = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>)
    collections.push({ start: entry.startTime, end: entry.startTime + entry.duration, kind: entry.detail?.kind ?? 0 })
}).observe({ entryTypes: ["gc"] })
const kindName = (kind: number) =>
  kind === constants.NODE_PERFORMANCE_GC_MINOR
    ? "scavenge"
    : kind === constants.NODE_PERFORMANCE_GC_MAJOR
      ? "mark-compact"
      : kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL
        ? "incremental marking"
        : "weak callbacks"
/** Milliseconds of collection between `from` and `to`. */
const gcBetween = (from: number, to: number) =>
  collections.reduce((sum, gc) => sum + Math.max(0, Math.min(to, gc.end) - Math.max(from, gc.start)), 0)

const urls = await createTestDatabase("manara_bench_gateway")
try {
  const { tenant, runtime, direct, gateway } = await gatewayBench(urls)

  let gatewayFailures = 0
  /** `total` calls, one every 1000/rate ms whatever the previous ones are doing; each call's own latency. */
  const atRate = async (call: Effect.Effect<unknown, unknown, Gateway | GatewayModel>) => {
    const total = Math.round(rate * seconds)
    const latencies: Array<number> = []
    const calls: Array<{ began: number; ended: number }> = []
    let failures = 0
    const pending: Array<Promise<void>> = []
    const cpu = process.cpuUsage()
    const start = performance.now()
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const began = performance.now()
      pending.push(
        runtime.runPromise(call).then(
          () => {
            const ended = performance.now()
            latencies.push(ended - began)
            calls.push({ began, ended })
          },
          () => void failures++
        )
      )
    }
    await Promise.all(pending)
    const finished = performance.now()
    const used = process.cpuUsage(cpu)
    if (failures > 0) process.stdout.write(`gateway: ${failures} of ${total} calls failed\n`)
    if (call === gateway) gatewayFailures += failures
    return { latencies, calls, start, finished, cpuPerCall: (used.user + used.system) / total }
  }
  type Run = Awaited<ReturnType<typeof atRate>>
  // Warm up both paths (connections, script loading, caches).
  await atRate(direct)
  await atRate(gateway)
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  const fakeRun = await atRate(direct)
  loopDelay.enable()
  const gatewayRun = await atRate(gateway)
  loopDelay.disable()
  const viaFake = fakeRun.latencies
  const viaGateway = gatewayRun.latencies
  const line = (name: string, values: ReadonlyArray<number>) =>
    `${name.padEnd(22)} p50 ${percentile(values, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(2).padStart(7)} ms`
  process.stdout.write(
    `gateway: ${Math.round(rate * seconds)} calls at ${rate}/s, zero-latency fake model, one tenant\n` +
      `${line("the fake alone", viaFake)}\n${line("through the gateway", viaGateway)}\n` +
      `overhead               p50 ${(percentile(viaGateway, 50) - percentile(viaFake, 50)).toFixed(2).padStart(7)} ms   ` +
      `p99 ${(percentile(viaGateway, 99) - percentile(viaFake, 99)).toFixed(2).padStart(7)} ms   (goal: p50 <= 2 ms, p99 <= 10 ms)\n`
  )
  /** What a reader needs to tell a collector's tail from an I/O one: slow calls, and the collections during the run. */
  const tail = (name: string, run: Run) => {
    const slow = run.calls.filter((c) => c.ended - c.began > 10)
    // A slow call "in a collection": at least half of its time was spent collecting.
    const inGc = slow.filter((c) => gcBetween(c.began, c.ended) >= (c.ended - c.began) / 2).length
    const during = collections.filter((gc) => gc.end > run.start && gc.start < run.finished)
    const byKind = new Map<string, { count: number; ms: number; max: number }>()
    for (const gc of during) {
      const k = byKind.get(kindName(gc.kind)) ?? { count: 0, ms: 0, max: 0 }
      k.count++
      k.ms += gc.end - gc.start
      k.max = Math.max(k.max, gc.end - gc.start)
      byKind.set(kindName(gc.kind), k)
    }
    const total = during.reduce((sum, gc) => sum + gc.end - gc.start, 0)
    return (
      `${name.padEnd(22)} CPU ${run.cpuPerCall.toFixed(0)} µs per call; ${slow.length} calls over 10 ms (${inGc} of them at least half in a collection); ` +
      `GC ${total.toFixed(0)} ms of ${(run.finished - run.start).toFixed(0)} ms: ` +
      [...byKind].map(([kind, k]) => `${k.count} ${kind} ${k.ms.toFixed(0)} ms (max ${k.max.toFixed(1)})`).join(", ") +
      "\n"
    )
  }
  process.stdout.write(
    tail("the fake alone", fakeRun) +
      tail("through the gateway", gatewayRun) +
      `event loop delay during the gateway run: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms\n`
  )
  await runtime.runPromise(Effect.flatMap(AiUsageLog, (log) => log.flush))
  const [logged] = await withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ rows: number }>`select count(*)::int as rows from ai_usage_log`)
    )
  )
  // Both gateway runs (warm-up and measured): a row each, none lost by the writer.
  if (logged?.rows !== 2 * Math.round(rate * seconds) - gatewayFailures)
    throw new Error(`gateway: ${logged?.rows} usage rows for ${2 * Math.round(rate * seconds) - gatewayFailures} calls`)
  await runtime.dispose()
} finally {
  await dropTestDatabase(urls)
}
