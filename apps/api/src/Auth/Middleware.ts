import { HttpServerRequest } from "@effect/platform"
import { AccessTokens, Cognito, Revocations, Users } from "@manara/auth"
import { noteRequestWho } from "@manara/db"
import { Authentication, problem } from "@manara/domain"
import { Effect, Layer, Option } from "effect"

const unauthorized = problem(401, "invalid-token", "Sign in again: the access token is missing, invalid or expired")

/** `Bearer <token>`, the scheme in any case; any other scheme carries no token of ours. */
const BEARER = /^bearer +([^\s]+) *$/i

/** The access token of a request, or undefined unless its Authorization scheme is Bearer. */
export const bearerTokenOf = (authorization: string | undefined) => BEARER.exec(authorization ?? "")?.[1]

/**
 * Bearer token -> verified claims (no I/O but a cached key set) -> not revoked (sign-out, Cognito;
 * cached for seconds) -> our user. A token that fails verification never reaches the database. A
 * person Cognito knows but we have not seen yet is created just in time.
 */
export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.gen(function* () {
    const tokens = yield* AccessTokens
    const users = yield* Users
    const cognito = yield* Cognito
    const revocations = yield* Revocations
    return {
      // The platform takes whatever follows the first 7 characters: the header is read again here.
      bearer: () =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const raw = bearerTokenOf(request.headers.authorization)
          if (raw === undefined) return yield* unauthorized
          const claims = yield* tokens.verify(raw)
          if (!(yield* revocations.isValid(raw, claims))) return yield* unauthorized
          const known = yield* users.bySub(claims.sub)
          if (Option.isSome(known)) return known.value
          const email = yield* cognito.emailOf(raw)
          return yield* users.signIn(claims.sub, email)
        }).pipe(
          Effect.tap((user) => noteRequestWho({ userId: user.id })),
          Effect.catchAll(() => Effect.fail(unauthorized))
        )
    }
  })
).pipe(Layer.provide([AccessTokens.Default, Users.Default, Cognito.Default, Revocations.Default]))
