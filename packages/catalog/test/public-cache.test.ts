import { PublicCache, publicVersionKey } from "@manara/catalog"
import { RedisClient } from "@manara/db"
import { ConfigProvider, Effect, Fiber, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"

/** Real Redis (the machine's), under a prefix of this run's own. */
const prefix = `test-public-cache-${randomUUID()}:`
const config = (ttl: string) =>
  Layer.setConfigProvider(
    ConfigProvider.fromMap(
      new Map([
        ["PUBLIC_CACHE_TTL", ttl],
        ["REDIS_KEY_PREFIX", prefix],
        ["REDIS_URL", process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"]
      ])
    )
  )
const withCache = <A, E>(ttl: string, use: (cache: PublicCache) => Effect.Effect<A, E, RedisClient>) =>
  Effect.runPromise(
    Effect.flatMap(PublicCache, use).pipe(
      Effect.provide(PublicCache.Default.pipe(Layer.provideMerge(RedisClient.Default), Layer.provide(config(ttl)))),
      Effect.scoped
    )
  )

/** A public read that counts its loads and takes a while, as a transaction under load does. */
const counted = () => {
  let loads = 0
  const load = Effect.sync(() => ++loads).pipe(Effect.delay("500 millis"))
  return { load, loads: () => loads }
}

describe("the API's public read cache", () => {
  it("loads once for concurrent misses of one key, and every caller gets that answer", { timeout: 30_000 }, async () => {
    const read = counted()
    const answers = await withCache("1 minute", (cache) =>
      Effect.all(
        Array.from({ length: 20 }, () => cache.through("tenant-a", "home", read.load)),
        { concurrency: "unbounded" }
      )
    )
    expect(read.loads()).toBe(1)
    expect(answers).toEqual(Array.from({ length: 20 }, () => 1))
  })

  it("does not hand a load started before a write to a reader that comes after it", { timeout: 30_000 }, async () => {
    const read = counted()
    const slug = `tenant-b-${randomUUID()}`
    const [before, after] = await withCache("1 minute", (cache) =>
      Effect.gen(function* () {
        const first = yield* Effect.fork(cache.through("tenant-b", "home", read.load))
        while (read.loads() === 0) yield* Effect.sleep("10 millis")
        yield* cache.invalidate("tenant-b", slug)
        const second = yield* cache.through("tenant-b", "home", read.load)
        return [yield* Fiber.join(first), second] as const
      })
    )
    expect([before, after]).toEqual([1, 2])
    await withCache("1 minute", () => Effect.flatMap(RedisClient, ({ client }) => Effect.promise(() => client.del(publicVersionKey(slug)))))
  })

  it("fails every waiter of a failed load, and the next read loads again", { timeout: 30_000 }, async () => {
    let loads = 0
    const failing = Effect.suspend(() => {
      loads++
      return loads === 1 ? Effect.fail("database down" as const).pipe(Effect.delay("300 millis")) : Effect.succeed("fresh")
    })
    const [failed, next] = await withCache("1 minute", (cache) =>
      Effect.gen(function* () {
        const failed = yield* Effect.all(
          Array.from({ length: 5 }, () => Effect.either(cache.through("tenant-c", "home", failing))),
          { concurrency: "unbounded" }
        )
        return [failed, yield* cache.through("tenant-c", "home", failing)] as const
      })
    )
    expect(failed.map((result) => result._tag)).toEqual(["Left", "Left", "Left", "Left", "Left"])
    expect(next).toBe("fresh")
    expect(loads).toBe(2)
  })

  it("with PUBLIC_CACHE_TTL 0 (the bench's uncached API) every read is a load of its own", { timeout: 30_000 }, async () => {
    const read = counted()
    await withCache("0 seconds", (cache) =>
      Effect.all(
        Array.from({ length: 5 }, () => cache.through("tenant-d", "home", read.load)),
        { concurrency: "unbounded" }
      )
    )
    expect(read.loads()).toBe(5)
  })
})
