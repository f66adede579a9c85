import { RedisClient } from "@manara/db"
import { Data, Effect } from "effect"
import { createHash } from "node:crypto"

/** Redis, where sessions are remembered, cannot be reached: sign-in and sign-out answer 503 (never a 500). */
export class SessionStoreUnavailable extends Data.TaggedError("SessionStoreUnavailable")<{ readonly cause: unknown }> {}

const redis = <A>(command: () => Promise<A>) =>
  Effect.tryPromise({ try: command, catch: (cause) => new SessionStoreUnavailable({ cause }) })

const REFRESH_LIFETIME_SECONDS = 30 * 24 * 3600

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/**
 * What sign-out needs and the browser cannot send it: the refresh cookie only ever goes to the
 * refresh endpoint, so the refresh tokens we issued are remembered per user (keyed by their hash)
 * and sign-out revokes them all. Also remembers TOTP codes already used, which Cognito would accept twice.
 */
export class Sessions extends Effect.Service<Sessions>()("Auth/Sessions", {
  effect: Effect.gen(function* () {
    const { client } = yield* RedisClient
    const key = (sub: string) => `{user:${sub}}:refresh`

    const remember = (sub: string, refreshToken: string) =>
      redis(() => client.multi().hset(key(sub), sha256(refreshToken), refreshToken).expire(key(sub), REFRESH_LIFETIME_SECONDS).exec()).pipe(
        Effect.asVoid
      )

    const forget = (sub: string, refreshToken: string) => redis(() => client.hdel(key(sub), sha256(refreshToken))).pipe(Effect.asVoid)

    /** Every refresh token issued to `sub`, removed from the registry as it is returned. */
    const takeAll = (sub: string) =>
      redis(() => client.multi().hvals(key(sub)).del(key(sub)).exec()).pipe(
        Effect.map((results) => (results?.[0]?.[1] as Array<string> | undefined) ?? [])
      )

    /** True the first time a code is seen for this person within its validity window. */
    const firstUseOfCode = (person: string, code: string) =>
      redis(() => client.set(`{user:${person}}:totp:${code}`, "1", "EX", 120, "NX")).pipe(Effect.map((reply) => reply === "OK"))

    return { remember, forget, takeAll, firstUseOfCode } as const
  })
}) {}
