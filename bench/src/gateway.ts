/**
 * The gateway line of `pnpm bench` (`BENCH_CASES=gateway`, or alone: `pnpm --filter @manara/bench gateway`):
 * calls at a fixed rate (BENCH_GATEWAY_RATE per second for BENCH_GATEWAY_SECONDS) to a zero-latency fake
 * model, first straight to the fake, then through the whole gateway (plan cache, caps, the Redis
 * rate-limit-and-reserve script, the stream, the settle script, the ai_usage_log row handed to the
 * log's writer). p50/p99 of each and of the difference: the gateway's overhead. Goal: p50 <= 2 ms,
 * p99 <= 10 ms. At the end, every call's row must be in Postgres (the writer works off the caller's path).
 */
import { SqlClient } from "@effect/sql"
import { AiUsageLog, Gateway, GatewayModel } from "@manara/ai-gateway"
import { asOwnerInTenant, createTestDatabase, dropTestDatabase, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { gatewayBench } from "./gateway-setup.js"

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

const urls = await createTestDatabase("manara_bench_gateway")
try {
  const { tenant, runtime, direct, gateway } = await gatewayBench(urls)

  let gatewayFailures = 0
  /** `total` calls, one every 1000/rate ms whatever the previous ones are doing; each call's own latency. */
  const atRate = async (call: Effect.Effect<unknown, unknown, Gateway | GatewayModel>) => {
    const total = Math.round(rate * seconds)
    const latencies: Array<number> = []
    let failures = 0
    const pending: Array<Promise<void>> = []
    const start = performance.now()
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const began = performance.now()
      pending.push(
        runtime.runPromise(call).then(
          () => void latencies.push(performance.now() - began),
          () => void failures++
        )
      )
    }
    await Promise.all(pending)
    if (failures > 0) process.stdout.write(`gateway: ${failures} of ${total} calls failed\n`)
    if (call === gateway) gatewayFailures += failures
    return latencies
  }
  // Warm up both paths (connections, script loading, caches).
  await atRate(direct)
  await atRate(gateway)
  const viaFake = await atRate(direct)
  const viaGateway = await atRate(gateway)
  const line = (name: string, values: ReadonlyArray<number>) =>
    `${name.padEnd(22)} p50 ${percentile(values, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(2).padStart(7)} ms`
  process.stdout.write(
    `gateway: ${Math.round(rate * seconds)} calls at ${rate}/s, zero-latency fake model, one tenant\n` +
      `${line("the fake alone", viaFake)}\n${line("through the gateway", viaGateway)}\n` +
      `overhead               p50 ${(percentile(viaGateway, 50) - percentile(viaFake, 50)).toFixed(2).padStart(7)} ms   ` +
      `p99 ${(percentile(viaGateway, 99) - percentile(viaFake, 99)).toFixed(2).padStart(7)} ms   (goal: p50 <= 2 ms, p99 <= 10 ms)\n`
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
