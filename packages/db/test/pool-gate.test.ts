import { describe, expect, it } from "@effect/vitest"
import { makePoolGate, poolBusyOf } from "@manara/db"
import { Deferred, Duration, Effect, Fiber } from "effect"

const gate = (overrides: Partial<Parameters<typeof makePoolGate>[0]> = {}) =>
  makePoolGate({ poolSize: 5, acquireTimeout: Duration.seconds(30), queueLimit: 10, tenantShare: 0.5, tenantQueueLimit: 10, ...overrides })

/** Holds a permit of `tenant` until the returned deferred is completed (as a capture with `takesReference`). */
const hold = (g: ReturnType<typeof makePoolGate>, tenant: string, takesReference = false) =>
  Effect.gen(function* () {
    const entered = yield* Deferred.make<void>()
    const done = yield* Deferred.make<void>()
    const fiber = yield* Effect.fork(
      g.around(tenant, Effect.zipRight(Deferred.succeed(entered, undefined), Deferred.await(done)), takesReference)
    )
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

  it.effect("a quiet tenant's request is not queued behind a busy tenant's: a freed permit goes to the tenant holding fewest", () =>
    Effect.gen(function* () {
      // 4 permits, 3 per tenant: the busy tenant holds 2 and queues a third; a quiet tenant queues after it.
      const g = gate({ poolSize: 5, tenantShare: 0.75 })
      const busy = [yield* hold(g, "busy"), yield* hold(g, "busy")]
      const other = [yield* hold(g, "other"), yield* hold(g, "other")]
      const order: Array<string> = []
      const busyThird = yield* Effect.fork(
        g.around(
          "busy",
          Effect.sync(() => order.push("busy"))
        )
      )
      yield* Effect.yieldNow()
      const quiet = yield* Effect.fork(
        g.around(
          "quiet",
          Effect.sync(() => order.push("quiet"))
        )
      )
      yield* Effect.yieldNow()
      expect(g.state()).toMatchObject({ held: 4, waiting: 2 })
      // One permit back: the quiet tenant (holding none) goes first though it came second; FIFO would have served "busy".
      yield* Deferred.succeed(other[0]!.done, undefined)
      yield* Fiber.join(other[0]!.fiber)
      yield* Fiber.join(quiet)
      expect(order).toEqual(["quiet"])
      yield* Deferred.succeed(other[1]!.done, undefined)
      yield* Fiber.join(other[1]!.fiber)
      yield* Fiber.join(busyThird)
      expect(order).toEqual(["quiet", "busy"])
      for (const held of busy) {
        yield* Deferred.succeed(held.done, undefined)
        yield* Fiber.join(held.fiber)
      }
      expect(g.state()).toMatchObject({ held: 0, waiting: 0 })
    })
  )

  it.effect(
    "lets at most `referenceLanes` of a tenant's captures hold permits; the next waits in the tenant's lane, other work does not",
    () =>
      Effect.gen(function* () {
        // 9 permits, 4 per tenant (the defaults' pool of 10 and share 0.5), 2 reference lanes.
        const g = gate({ poolSize: 10, referenceLanes: 2, tenantQueueLimit: 1 })
        expect([g.perTenant, g.referenceLanes]).toEqual([4, 2])
        const captures = [yield* hold(g, "busy", true), yield* hold(g, "busy", true)]
        const order: Array<string> = []
        const third = yield* Effect.fork(
          g.around(
            "busy",
            Effect.sync(() => order.push("third capture")),
            true
          )
        )
        yield* Effect.yieldNow()
        // The third capture waits in its tenant's lane and holds no permit of the pool.
        expect(g.state()).toMatchObject({ held: 2, waiting: 0 })
        // Past the lane's queue (1 here), a capture is refused at once as the tenant's.
        const refused = yield* Effect.flip(g.around("busy", Effect.void, true))
        expect(poolBusyOf(refused)?.reason).toBe("tenant-share")
        // The same tenant's other work, and other tenants' captures, still get permits.
        expect(yield* g.around("busy", Effect.succeed("read"))).toBe("read")
        expect(yield* g.around("quiet", Effect.succeed("captured"), true)).toBe("captured")
        expect(order).toEqual([])
        yield* Deferred.succeed(captures[0]!.done, undefined)
        yield* Fiber.join(captures[0]!.fiber)
        yield* Fiber.join(third)
        expect(order).toEqual(["third capture"])
        yield* Deferred.succeed(captures[1]!.done, undefined)
        yield* Fiber.join(captures[1]!.fiber)
        expect(g.state()).toMatchObject({ held: 0, waiting: 0 })
      })
  )

  it.effect("an interrupted waiter in a reference lane gives nothing away: the lane serves the next capture", () =>
    Effect.gen(function* () {
      const g = gate({ poolSize: 10, referenceLanes: 1 })
      const holder = yield* hold(g, "busy", true)
      const waiter = yield* Effect.fork(g.around("busy", Effect.void, true))
      yield* Effect.yieldNow()
      expect(g.state()).toMatchObject({ held: 1, waiting: 0 })
      yield* Fiber.interrupt(waiter)
      yield* Deferred.succeed(holder.done, undefined)
      yield* Fiber.join(holder.fiber)
      expect(yield* g.around("busy", Effect.succeed("next"), true)).toBe("next")
      expect(g.state()).toMatchObject({ held: 0, waiting: 0 })
    })
  )
})
