/**
 * What one gateway call allocates (`pnpm --filter @manara/bench gateway:alloc`): N sequential calls
 * (BENCH_ALLOC_CALLS, default 2000) after a warm-up, to the fake model alone, then through the gateway,
 * with V8's heap measured around every collection (`v8.GCProfiler`): bytes allocated per call, and the
 * collections they caused. Allocation does not depend on the machine's load, unlike latency.
 */
import { AiUsageLog, Gateway, GatewayModel } from "@manara/ai-gateway"
import { createTestDatabase, dropTestDatabase } from "@manara/testkit"
import { Effect } from "effect"
import { gatewayBench } from "./gateway-setup.js"
import v8 from "node:v8"

const calls = Number(process.env.BENCH_ALLOC_CALLS ?? 1000)

/** Bytes allocated while `run` goes: heap growth between collections, summed (what each collection found, minus what the last left). */
const allocated = async (run: () => Promise<void>) => {
  const profiler = new v8.GCProfiler()
  const startUsed = v8.getHeapStatistics().used_heap_size
  profiler.start()
  await run()
  const endUsed = v8.getHeapStatistics().used_heap_size
  const { statistics } = profiler.stop()
  const oldSpace = (spaces: ReadonlyArray<{ spaceName: string; spaceUsedSize: number }>) =>
    spaces.find((space) => space.spaceName === "old_space")?.spaceUsedSize ?? 0
  let total = 0
  let last = startUsed
  let scavenges = 0
  let markCompacts = 0
  // What reaches the old generation: promoted by a scavenge, or allocated there directly (pretenured).
  let old = 0
  let lastOld: number | undefined
  for (const gc of statistics) {
    total += gc.beforeGC.heapStatistics.usedHeapSize - last
    last = gc.afterGC.heapStatistics.usedHeapSize
    const before = oldSpace(gc.beforeGC.heapSpaceStatistics)
    const after = oldSpace(gc.afterGC.heapSpaceStatistics)
    if (lastOld !== undefined) old += Math.max(0, before - lastOld)
    if (gc.gcType === "Scavenge") {
      scavenges++
      old += Math.max(0, after - before)
    } else if (gc.gcType === "MarkSweepCompact") markCompacts++
    lastOld = after
  }
  total += endUsed - last
  return { total, old, scavenges, markCompacts }
}

const urls = await createTestDatabase("manara_bench_alloc")
try {
  const { runtime, direct, gateway } = await gatewayBench(urls)
  const sequential = (call: Effect.Effect<unknown, unknown, Gateway | GatewayModel>, n: number) => async () => {
    for (let i = 0; i < n; i++) await runtime.runPromise(call)
  }
  for (const [name, call] of [
    ["the fake alone", direct],
    ["through the gateway", gateway]
  ] as const) {
    await sequential(call, 300)()
    const { total, old, scavenges, markCompacts } = await allocated(sequential(call, calls))
    process.stdout.write(
      `${name.padEnd(22)} ${(total / calls / 1024).toFixed(1).padStart(8)} KB per call, ${(old / calls / 1024).toFixed(1).padStart(6)} KB of it to the old generation   ` +
        `(${calls} calls: ${scavenges} scavenges, ${markCompacts} mark-compacts)\n`
    )
  }
  await runtime.runPromise(Effect.flatMap(AiUsageLog, (log) => log.flush))
  await runtime.dispose()
} finally {
  await dropTestDatabase(urls)
}
