import { AccessTokens, Cognito, Users } from "@manara/auth"
import { Authentication, problem } from "@manara/domain"
import { Effect, Layer, Option, Redacted } from "effect"

const unauthorized = problem(401, "invalid-token", "Sign in again: the access token is missing, invalid or expired")

/**
 * Bearer token -> verified claims (no I/O but a cached key set) -> our user. A token that fails
 * verification never reaches the database. A person Cognito knows but we have not seen yet is
 * created just in time.
 */
export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const tokens = yield* AccessTokens
    const users = yield* Users
    const cognito = yield* Cognito
    return {
      bearer: (token) =>
        Effect.gen(function*() {
          const raw = Redacted.value(token)
          const claims = yield* tokens.verify(raw)
          const known = yield* users.bySub(claims.sub)
          if (Option.isSome(known)) return known.value
          const email = yield* cognito.emailOf(raw)
          return yield* users.signIn(claims.sub, email)
        }).pipe(Effect.catchAll(() => Effect.fail(unauthorized)))
    }
  })
)
