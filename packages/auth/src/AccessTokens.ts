import { Data, Effect, Schema } from "effect"
import * as Jose from "jose"
import { AuthConfig } from "./AuthConfig.js"

/** Why a token was refused; never shown to the caller beyond "invalid token". */
export class InvalidToken extends Data.TaggedError("InvalidToken")<{ readonly reason: string }> {}

/** What we take from a verified Cognito access token. */
export const AccessClaims = Schema.Struct({
  sub: Schema.String.pipe(Schema.minLength(1)),
  username: Schema.optional(Schema.String),
  token_use: Schema.Literal("access"),
  client_id: Schema.String,
  exp: Schema.Number,
  iat: Schema.optional(Schema.Number),
  jti: Schema.optional(Schema.String)
})
export type AccessClaims = typeof AccessClaims.Type

const decodeClaims = Schema.decodeUnknownEither(AccessClaims)

/** Headers that would let a token choose its own key: refused outright. */
const KEY_CHOOSING_HEADERS = ["jku", "x5u", "jwk", "x5c"] as const

/**
 * Verifies Bearer access tokens against the pool's JWKS, with no database or network per request:
 * the key set is cached, refetched when an unknown `kid` appears, at most once per cooldown.
 * RS256 only; `iss`, `client_id`, `token_use = access`, `exp`/`nbf` (30 s leeway) are checked.
 */
export class AccessTokens extends Effect.Service<AccessTokens>()("Auth/AccessTokens", {
  effect: Effect.gen(function* () {
    const config = yield* AuthConfig
    const jwks = Jose.createRemoteJWKSet(new URL(config.jwksUrl), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 3_000
    })

    // A token's signature and claims do not change before it expires: verified once, then looked up.
    // Keyed by the whole token (a forgery is a different key); entries leave at `exp`, or when full.
    const verified = new Map<string, AccessClaims>()
    const MAX_REMEMBERED = 10_000
    const remembered = (token: string) => {
      const claims = verified.get(token)
      if (claims === undefined) return undefined
      if (claims.exp * 1000 <= Date.now()) {
        verified.delete(token)
        return undefined
      }
      return claims
    }

    const verifyOnce = (token: string) =>
      Effect.gen(function* () {
        const header = yield* Effect.try({
          try: () => Jose.decodeProtectedHeader(token),
          catch: () => new InvalidToken({ reason: "malformed" })
        })
        if (header.alg !== "RS256") return yield* new InvalidToken({ reason: `alg ${String(header.alg)}` })
        for (const name of KEY_CHOOSING_HEADERS) {
          if (name in header) return yield* new InvalidToken({ reason: `${name} header` })
        }
        const { payload } = yield* Effect.tryPromise({
          try: () => Jose.jwtVerify(token, jwks, { issuer: config.issuer, algorithms: ["RS256"], clockTolerance: 30 }),
          catch: (error) => new InvalidToken({ reason: error instanceof Error ? error.message : "unverifiable" })
        })
        const claims = decodeClaims(payload)
        if (claims._tag === "Left") return yield* new InvalidToken({ reason: "not an access token" })
        if (claims.right.client_id !== config.clientId) return yield* new InvalidToken({ reason: "another client" })
        return claims.right
      }).pipe(Effect.withSpan("AccessTokens.verify"))

    const verify = (token: string): Effect.Effect<AccessClaims, InvalidToken> =>
      Effect.suspend(() => {
        const known = remembered(token)
        if (known !== undefined) return Effect.succeed(known)
        return Effect.tap(verifyOnce(token), (claims) =>
          Effect.sync(() => {
            if (verified.size >= MAX_REMEMBERED) verified.clear()
            verified.set(token, claims)
          })
        )
      })

    return { verify } as const
  })
}) {}
