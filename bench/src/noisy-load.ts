/**
 * The load generator of the noisy-neighbour line (`noisy.ts`), in a process of its own: in the API's
 * process its fetches, timers and parsing shared the API's event loop, so the bench measured its own
 * client as much as the API. Driven over IPC: one `PhaseOrder` in, one `PhaseResult` out, per phase.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"

export interface PhaseOrder {
  readonly base: string
  readonly quiet: ReadonlyArray<string>
  readonly noisy: string | undefined
  readonly quietRate: number
  readonly noisyRate: number
  readonly seconds: number
}

export interface PhaseResult {
  readonly quietTimes: ReadonlyArray<number>
  readonly noisyTimes: ReadonlyArray<number>
  readonly quietStatuses: Record<string, number>
  readonly noisyStatuses: Record<string, number>
  /** How late this process's own event loop ran (p99, ms): a late client adds to what it measures. */
  readonly clientLoopDelayP99: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const donate = (base: string, slug: string) =>
  fetch(`${base}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${slug}.bench.test` },
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

/** Each tenant on its own schedule (spread over the first interval), open loop, for `seconds`. */
const phase = async (order: PhaseOrder): Promise<PhaseResult> => {
  const quietTimes: Array<number> = []
  const noisyTimes: Array<number> = []
  const quietStatuses: Record<string, number> = {}
  const noisyStatuses: Record<string, number> = {}
  const pending: Array<Promise<void>> = []
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  const begin = Date.now() + 50
  const sender = async (slug: string, rate: number, isQuiet: boolean, offset: number) => {
    const total = Math.round(rate * order.seconds)
    for (let i = 0; i < total; i++) {
      const due = begin + offset + (i * 1000) / rate
      if (due > Date.now()) await sleep(due - Date.now())
      const at = performance.now()
      pending.push(
        donate(order.base, slug).then((status) => {
          const counts = isQuiet ? quietStatuses : noisyStatuses
          counts[status] = (counts[status] ?? 0) + 1
          ;(isQuiet ? quietTimes : noisyTimes).push(performance.now() - at)
        })
      )
    }
  }
  const interval = 1000 / order.quietRate
  await Promise.all([
    ...order.quiet.map((slug, index) => sender(slug, order.quietRate, true, (index * interval) / order.quiet.length)),
    ...(order.noisy === undefined ? [] : [sender(order.noisy, order.noisyRate, false, 0)])
  ])
  await Promise.all(pending)
  loop.disable()
  return { quietTimes, noisyTimes, quietStatuses, noisyStatuses, clientLoopDelayP99: loop.percentile(99) / 1e6 }
}

process.on("message", (order: PhaseOrder) => {
  phase(order).then(
    (result) => process.send!(result),
    (error: unknown) => {
      process.stderr.write(`noisy-load: ${String(error)}\n`)
      process.exit(1)
    }
  )
})
// The bench gone, this process goes too.
process.on("disconnect", () => process.exit(0))
