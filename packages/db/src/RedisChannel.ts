import { Effect, PubSub, Stream } from "effect"
import { RedisClient } from "./Redis.js"

/**
 * A Redis pub/sub channel every API process hears: `publish` sends an event to all of them (after
 * its transaction committed, not waited for: a lost event only means a reload shows it), `events` is
 * this process's fan-out of what arrives. The live inbox and the assistant's staff replies use it.
 */
export const redisChannel = <E>(channel: string) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient
    const { client } = redis
    const hub = yield* PubSub.unbounded<E>()
    // A subscribed Redis connection can do nothing else: a second one, for listening only (one node, on a cluster too).
    const subscriber = yield* redis.subscriber()
    subscriber.on("message", (_, message: string) => {
      try {
        hub.unsafeOffer(JSON.parse(message) as E) // no fiber per message: every event comes back here
      } catch {
        // Not ours to understand: ignored.
      }
    })
    yield* Effect.promise(() => subscriber.subscribe(channel).catch(() => undefined))

    const publish = (event: E) =>
      Effect.sync(() => {
        client.publish(channel, JSON.stringify(event)).catch(() => 0)
      })

    return { publish, events: Stream.fromPubSub(hub) } as const
  })
