import { RedisClient } from "@manara/db"
import { Config, Effect } from "effect"
import type { AccessClaims } from "./AccessTokens.js"
import { Cognito } from "./Cognito.js"

/** How long this process believes what Redis said about a person's revocations. */
const EPOCH_FRESH_MS = 2_000
/**
 * How often a token in use is shown to Cognito again, to notice a person deleted or signed out there.
 * One GetUser per active token per interval: raise it if many people are signed in at once (Cognito's quota).
 */
const CognitoRecheckSeconds = Config.number("COGNITO_RECHECK_SECONDS").pipe(Config.withDefault(3))
/** Past the recheck, how long a token in steady use is served while Cognito is being asked. */
const COGNITO_GRACE_MS = 500
const MAX_REMEMBERED = 10_000

/**
 * Revoked access tokens, across every API process. Signing out stores a per-person epoch in Redis
 * (`{user:<sub>}:revoked`, seconds): every token of that person issued at or before it is refused.
 * Each process keeps what it read for at most 2 s, so a revocation takes effect everywhere within
 * that. A token in use is also shown to Cognito (GetUser) at most every 3 s (`COGNITO_RECHECK_SECONDS`), so a person deleted
 * there is refused too. Either check costs one call per person (or token) per interval, not per request.
 */
export class Revocations extends Effect.Service<Revocations>()("Auth/Revocations", {
  effect: Effect.gen(function* () {
    const { client } = yield* RedisClient
    const cognito = yield* Cognito
    const COGNITO_RECHECK_MS = (yield* CognitoRecheckSeconds) * 1000
    const key = (sub: string) => `{user:${sub}}:revoked`
    const lifetimeSeconds = 2 * 3600 // longer than any access token lives

    const epochs = new Map<string, { readonly epoch: number; readonly at: number }>()
    const rechecked = new Map<string, { at: number; pending: Promise<boolean> | undefined; alive: boolean }>()

    const epochOf = (sub: string): Effect.Effect<number> =>
      Effect.suspend(() => {
        const known = epochs.get(sub)
        if (known !== undefined && Date.now() - known.at < EPOCH_FRESH_MS) return Effect.succeed(known.epoch)
        return Effect.promise(() =>
          client.get(key(sub)).then(
            (value) => Number(value ?? 0),
            () => undefined
          )
        ).pipe(
          Effect.map((read) => {
            // Redis unreachable: keep what was last known rather than lock everyone out.
            const epoch = read ?? known?.epoch ?? 0
            if (epochs.size >= MAX_REMEMBERED) epochs.clear()
            epochs.set(sub, { epoch, at: Date.now() })
            return epoch
          })
        )
      })

    /** True while Cognito still accepts the token; asked again once the last answer is 3 s old. */
    const stillAccepted = (token: string, issuedAt: number): Effect.Effect<boolean> =>
      Effect.suspend(() => {
        const now = Date.now()
        let entry = rechecked.get(token)
        if (entry === undefined) {
          // First seen here: a token Cognito issued in the last 3 s needs no asking yet; an older one does, now.
          if (rechecked.size >= MAX_REMEMBERED) rechecked.clear()
          const fresh = now - issuedAt * 1000 < COGNITO_RECHECK_MS
          entry = { at: fresh ? now : 0, pending: undefined, alive: true }
          rechecked.set(token, entry)
        }
        if (!entry.alive) return Effect.succeed(false)
        const age = now - entry.at
        if (age < COGNITO_RECHECK_MS) return Effect.succeed(true)
        const current = entry
        current.pending ??= Effect.runPromise(
          cognito.emailOf(token).pipe(
            Effect.as(true),
            Effect.timeout("2 seconds"),
            // Refused by Cognito (deleted, signed out there): dead. Cognito down or slow: not the person's fault.
            Effect.catchAll((error) => Effect.succeed(error._tag !== "BadCredentials"))
          )
        ).then((alive) => {
          current.alive = alive
          current.at = Date.now()
          current.pending = undefined
          return alive
        })
        // A token in steady use is asked about in the background; one idle for a while waits for the answer.
        if (age < COGNITO_RECHECK_MS + COGNITO_GRACE_MS) return Effect.succeed(true)
        return Effect.promise(() => current.pending!)
      })

    /** False when the token was revoked: by sign-out (any process), or by Cognito. */
    const isValid = (token: string, claims: AccessClaims): Effect.Effect<boolean> =>
      Effect.flatMap(epochOf(claims.sub), (epoch) =>
        (claims.iat ?? 0) <= epoch ? Effect.succeed(false) : stillAccepted(token, claims.iat ?? 0)
      )

    /** Every token of `sub` issued up to now is refused, in every process within 2 s (here at once). */
    const revokeAll = (sub: string) =>
      Effect.suspend(() => {
        const epoch = Math.floor(Date.now() / 1000)
        epochs.set(sub, { epoch, at: Date.now() })
        return Effect.promise(() => client.set(key(sub), String(epoch), "EX", lifetimeSeconds)).pipe(Effect.asVoid)
      })

    return { isValid, revokeAll } as const
  }),
  dependencies: [Cognito.Default]
}) {}
