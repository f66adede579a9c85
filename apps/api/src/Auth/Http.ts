import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { AccessTokens, Accounts, Cognito, LoginLimits, Mfa, Revocations, Sessions, type Tokens, Users } from "@manara/auth"
import { currentRequestMeta } from "@manara/db"
import {
  CurrentUser,
  ManaraApi,
  Me,
  MfaChallenge,
  MfaFirstSetup,
  MfaSetup,
  MfaSetupChallenge,
  problem,
  SignedIn,
  SignedInUser,
  SignUpStarted
} from "@manara/domain"
import { Memberships } from "@manara/tenancy"
import { Effect, FiberRef, Layer, Option } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { clearRefreshCookie, refreshCookie, setRefreshCookie } from "./Cookies.js"
import { bearerTokenOf } from "./Middleware.js"

/** The raw Bearer token of the current request (already verified by the Authentication middleware). */
const bearerToken = Effect.map(HttpServerRequest.HttpServerRequest, (request) => bearerTokenOf(request.headers.authorization) ?? "")

export const AuthLive = HttpApiBuilder.group(ManaraApi, "auth", (handlers) =>
  Effect.gen(function* () {
    const cognito = yield* Cognito
    const tokens = yield* AccessTokens
    const users = yield* Users
    const limits = yield* LoginLimits
    const sessions = yield* Sessions
    const memberships = yield* Memberships
    const revocations = yield* Revocations
    const mfa = yield* Mfa
    const accounts = yield* Accounts

    const clientIp = Effect.map(FiberRef.get(currentRequestMeta), (meta) => meta.ip ?? "unknown")

    /** Fresh tokens -> our user (made just in time) -> the refresh cookie -> the access token. */
    const signedIn = (issued: Tokens, email: string, mfaJustSetUp = false) =>
      Effect.gen(function* () {
        const claims = yield* tokens.verify(issued.accessToken)
        const user = yield* users.signIn(claims.sub, email)
        // Set up in Cognito's MFA_SETUP challenge: our flag follows, as after `/auth/mfa/verify`.
        if (mfaJustSetUp && !user.mfaEnabled) yield* users.setMfa(claims.sub, user, true)
        if (Option.isSome(issued.refreshToken)) {
          yield* sessions.remember(user.id, issued.refreshToken.value)
          yield* setRefreshCookie(issued.refreshToken.value)
        }
        return new SignedIn({ accessToken: issued.accessToken, expiresIn: issued.expiresIn })
      })

    const me = (user: SignedInUser) =>
      Effect.map(
        memberships.forUser(user.id),
        (list) =>
          new Me({
            user,
            memberships: list,
            // Platform admins too: /admin is refused (403 mfa-setup-required) until they have an authenticator.
            mfaSetupRequired: !user.mfaEnabled && (user.isPlatformAdmin || list.some((m) => m.role === "owner" || m.role === "admin"))
          })
      )

    return handlers
      .handle("login", ({ payload }) =>
        Effect.gen(function* () {
          const ip = yield* clientIp
          const outcome = yield* limits.guard(
            ip,
            payload.email,
            cognito.login(payload.email, payload.password),
            (e) => e._tag === "BadCredentials"
          )
          if (outcome._tag === "MfaRequired") return new MfaChallenge({ session: outcome.session })
          if (outcome._tag === "MfaSetupRequired") return new MfaSetupChallenge({ session: outcome.session })
          return yield* signedIn(outcome.tokens, payload.email)
        }).pipe(asProblem)
      )
      .handle("mfa", ({ payload }) =>
        Effect.gen(function* () {
          const issued = yield* mfa.answerChallenge(yield* clientIp, payload.email, payload.session, payload.code)
          return yield* signedIn(issued, payload.email)
        }).pipe(asProblem)
      )
      .handle("mfaFirstSetup", ({ payload }) =>
        Effect.map(mfa.beginFirstApp(payload.email, payload.session), (begun) => new MfaFirstSetup(begun)).pipe(asProblem)
      )
      .handle("mfaFirstSetupVerify", ({ payload }) =>
        Effect.gen(function* () {
          const issued = yield* mfa.answerFirstApp(yield* clientIp, payload.email, payload.session, payload.code)
          return yield* signedIn(issued, payload.email, true)
        }).pipe(asProblem)
      )
      .handle("refresh", () =>
        Effect.gen(function* () {
          const token = yield* refreshCookie
          if (token === undefined || token === "") return yield* problem(401, "no-session", "Not signed in")
          const issued = yield* cognito.refresh(token)
          return new SignedIn({ accessToken: issued.accessToken, expiresIn: issued.expiresIn })
        }).pipe(asProblem)
      )
      .handle("logout", () =>
        Effect.gen(function* () {
          const user = yield* CurrentUser
          const claims = yield* tokens.verify(yield* bearerToken)
          // Access tokens already out (this one too) stop working in every process within seconds.
          yield* revocations.revokeAll(claims.sub)
          const issued = yield* sessions.takeAll(user.id)
          yield* Effect.forEach(issued, (token) => Effect.ignore(cognito.revoke(token)), { discard: true })
          yield* clearRefreshCookie
        }).pipe(asProblem)
      )
      .handle("signUp", ({ payload }) =>
        Effect.gen(function* () {
          const started = yield* accounts.signUp(yield* clientIp, payload.email, payload.password, payload.locale ?? "ar")
          return new SignUpStarted(started)
        }).pipe(asProblem)
      )
      .handle("confirmSignUp", ({ payload }) =>
        Effect.flatMap(clientIp, (ip) => accounts.confirmSignUp(ip, payload.email, payload.code)).pipe(asProblem)
      )
      .handle("resendSignUpCode", ({ payload }) =>
        Effect.flatMap(clientIp, (ip) => accounts.resendConfirmation(ip, payload.email)).pipe(asProblem)
      )
      .handle("forgotPassword", ({ payload }) =>
        Effect.flatMap(clientIp, (ip) => accounts.forgotPassword(ip, payload.email)).pipe(asProblem)
      )
      .handle("resetPassword", ({ payload }) =>
        Effect.flatMap(clientIp, (ip) => accounts.resetPassword(ip, payload.email, payload.code, payload.password)).pipe(asProblem)
      )
      .handle("me", () => Effect.flatMap(CurrentUser, me))
      .handle("mfaSetup", () =>
        Effect.gen(function* () {
          return new MfaSetup(yield* mfa.beginApp(yield* CurrentUser, yield* bearerToken))
        }).pipe(asProblem)
      )
      .handle("mfaVerify", ({ payload }) =>
        Effect.gen(function* () {
          const user = yield* CurrentUser
          yield* mfa.confirmApp(user, yield* bearerToken, payload.code)
          return yield* me(new SignedInUser({ ...user, mfaEnabled: true }))
        }).pipe(asProblem)
      )
  })
).pipe(
  Layer.provide([Mfa.Default, Accounts.Default]),
  Layer.provide([
    Cognito.Default,
    AccessTokens.Default,
    Users.Default,
    LoginLimits.Default,
    Sessions.Default,
    Revocations.Default,
    Memberships.Default
  ])
)
