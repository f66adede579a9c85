import { describe, expect, it } from "@effect/vitest"
import { makePoolGate, poolBusyOf } from "@manara/db"
import { Deferred, Duration, Effect, Fiber } from "effect"

const gate = (overrides: Partial<Parameters<typeof makePoolGate>[0]> = {}) =>
  makePoolGate({ poolSize: 5, acquireTimeout: Duration.seconds(30), queueLimit: 10, tenantShare: 0.5, tenantQueueLimit: 10, ...overrides })

/** Holds a permit of `tenant` until the returned deferred is completed. */
const hold = (g: ReturnType<typeof makePoolGate>, tenant: string) =>
  Effect.gen(function* () {
    const entered = yield* Deferred.make<void>()
    const done = yield* Deferred.make<void>()
    const fiber = yield* Effect.fork(g.around(tenant, Effect.zipRight(Deferred.succeed(entered, undefined), Deferred.await(done))))
    yield* Deferred.await(entered)
    return { done, fiber }
  })

// The gate's bookkeeping alone (no database): what the API's fault tests rely on without seeing it.
describe("the gate in front of the pool", () => {
  it.effect("gives one tenant at most its share (floor((5 − 1) × 0.5) = 2), refuses past its queue, lets another tenant in", () =>
    Effect.gen(function* () {
      const g = gate({ tenantQueueLimit: 0 })
      const first = yield* hold(g, "a")
      const second = yield* hold(g, "a")
      const error = yield* Effect.flip(g.around("a", Effect.void))
      expect(poolBusyOf(error)?.reason).toBe("tenant-share")
      expect(yield* g.around("b", Effect.succeed("in"))).toBe("in")
      for (const held of [first, second]) {
        yield* Deferred.succeed(held.done, undefined)
        yield* Fiber.join(held.fiber)
      }
      expect(g.state()).toMatchObject({ held: 0, waiting: 0 })
    })
  )

  it.effect("an interrupted or timed-out waiter takes no permit with it", () =>
    Effect.gen(function* () {
      const g = gate({ poolSize: 2, tenantShare: 1, acquireTimeout: Duration.millis(100) })
      const holder = yield* hold(g, "a")
      const waiter = yield* Effect.fork(g.around("b", Effect.void))
      yield* Effect.yieldNow()
      expect(g.state().waiting).toBe(1)
      yield* Fiber.interrupt(waiter)
      expect(g.state().waiting).toBe(0)
      const late = yield* Effect.flip(g.around("c", Effect.void))
      expect(poolBusyOf(late)?.reason).toBe("saturated")
      expect(g.state().lastShedAt).toBeTypeOf("number")
      yield* Deferred.succeed(holder.done, undefined)
      yield* Fiber.join(holder.fiber)
      expect(g.state()).toMatchObject({ held: 0, waiting: 0 })
      expect(yield* g.around("d", Effect.succeed("free"))).toBe("free")
    })
  )

  it.effect("admits waiters in order as permits come back, and sheds past the queue limit at once", () =>
    Effect.gen(function* () {
      const g = gate({ poolSize: 2, tenantShare: 1, queueLimit: 2 })
      const holder = yield* hold(g, "a")
      const order: Array<string> = []
      const waiters = yield* Effect.forEach(["b", "c"], (name) =>
        Effect.fork(
          g.around(
            name,
            Effect.sync(() => order.push(name))
          )
        )
      )
      yield* Effect.yieldNow()
      const shed = yield* Effect.flip(g.around("d", Effect.void))
      expect(poolBusyOf(shed)?.reason).toBe("saturated")
      yield* Deferred.succeed(holder.done, undefined)
      yield* Fiber.join(holder.fiber)
      yield* Effect.forEach(waiters, Fiber.join)
      expect(order).toEqual(["b", "c"])
      expect(g.state()).toMatchObject({ held: 0, waiting: 0 })
    })
  )
})
