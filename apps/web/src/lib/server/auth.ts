import { error, redirect, type Cookies, type RequestEvent } from "@sveltejs/kit"
import { Me } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { describeFailure, problemKind, type ProblemLike } from "$lib/dashboard/problems.js"
import { mfaSetupHref, signInHref } from "$lib/dashboard/links.js"
import { apiFor, type ApiCall, type ManaraClient, type Seen } from "./api.js"
import { endSession, isSignedIn, saveSession, type Session, type SessionData, startSession } from "./session.js"

/** `GET /auth/me` as plain data: what a `load` may hand to the page. */
export type MeData = typeof Me.Encoded

/** Refresh this long before the access token expires, so no call is sent with one about to lapse. */
const REFRESH_AHEAD_MS = 60_000

const problemOf = (failure: unknown): ProblemLike | undefined =>
  typeof failure === "object" && failure !== null && (failure as { _tag?: unknown })._tag === "Problem"
    ? (failure as ProblemLike)
    : undefined

/** A 401 about the token itself (expired, revoked), not about what was sent (a wrong code is a 401 too). */
const isTokenRefused = (failure: unknown) => {
  const problem = problemOf(failure)
  if (problem === undefined || problem.status !== 401) return false
  const kind = problemKind(problem)
  return kind === "invalid-token" || kind === "no-session" || kind === ""
}

/** Tokens from a successful sign-in step, as the session keeps them. */
const signedInData = (email: string, accessToken: string, expiresIn: number, refreshToken: string | undefined): SessionData => ({
  email,
  accessToken,
  expiresAt: Date.now() + expiresIn * 1000,
  ...(refreshToken === undefined ? {} : { refreshToken })
})

export type StepFailure = { readonly message: string; readonly status: number; readonly retryAfter?: number }

const stepFailure = (failure: unknown, seen: Seen): StepFailure => ({
  message: describeFailure(failure),
  status: problemOf(failure)?.status ?? 503,
  ...(seen.retryAfter === undefined ? {} : { retryAfter: seen.retryAfter })
})

/** `POST /auth/login` for a form action: a signed-in session, a session at the code step, or why not. */
export const passwordStep = async (
  event: RequestEvent,
  email: string,
  password: string
): Promise<{ readonly _tag: "SignedIn" | "Challenge" | "SetupChallenge" } | { readonly _tag: "Failed"; readonly failure: StepFailure }> => {
  const seen: Seen = {}
  const api = apiFor(globalThis.fetch, { clientAddress: event.getClientAddress() }, seen)
  const result = await api((client) => client.auth.login({ payload: { email, password } }))
  if (Either.isLeft(result)) return { _tag: "Failed", failure: stepFailure(result.left, seen) }
  const answer = result.right
  if (answer._tag === "MfaChallenge") {
    event.locals.session = await startSession(event.cookies, { email, challenge: answer.session }, event.locals.session)
    return { _tag: "Challenge" }
  }
  if (answer._tag === "MfaSetupChallenge") {
    event.locals.session = await startSession(event.cookies, { email, setupChallenge: { session: answer.session } }, event.locals.session)
    return { _tag: "SetupChallenge" }
  }
  event.locals.session = await startSession(
    event.cookies,
    signedInData(email, answer.accessToken, answer.expiresIn, seen.refreshToken),
    event.locals.session
  )
  return { _tag: "SignedIn" }
}

/** What a code typed at sign-in leads to, for the MFA challenge and the first authenticator setup alike. */
type CodeStepResult =
  { readonly _tag: "SignedIn" } | { readonly _tag: "Failed"; readonly failure: StepFailure } | { readonly _tag: "NoChallenge" }

/** `POST /auth/mfa` with the challenge the session holds. */
export const codeStep = async (event: RequestEvent, code: string): Promise<CodeStepResult> => {
  const session = event.locals.session
  const challenge = session?.data.challenge
  if (session === undefined || challenge === undefined) return { _tag: "NoChallenge" }
  const seen: Seen = {}
  const api = apiFor(globalThis.fetch, { clientAddress: event.getClientAddress() }, seen)
  const email = session.data.email
  const result = await api((client) => client.auth.mfa({ payload: { email, session: challenge, code } }))
  if (Either.isLeft(result)) return { _tag: "Failed", failure: stepFailure(result.left, seen) }
  event.locals.session = await startSession(
    event.cookies,
    signedInData(email, result.right.accessToken, result.right.expiresIn, seen.refreshToken),
    session
  )
  return { _tag: "SignedIn" }
}

/**
 * The authenticator to set up in the MFA_SETUP challenge: begun once (`/auth/mfa/first-setup`), then kept in the
 * session with the session Cognito gave for confirming it, so a reload shows the same secret. Undefined when no
 * such challenge waits or Cognito refused it (expired): the person starts again from the password.
 */
export const setupChallengeSecret = async (
  event: RequestEvent
): Promise<{ readonly secret: string; readonly otpauthUri: string } | { readonly failure: StepFailure } | undefined> => {
  const session = event.locals.session
  const waiting = session?.data.setupChallenge
  if (session === undefined || waiting === undefined) return undefined
  if (waiting.secret !== undefined && waiting.otpauthUri !== undefined) return { secret: waiting.secret, otpauthUri: waiting.otpauthUri }
  const seen: Seen = {}
  const api = apiFor(globalThis.fetch, { clientAddress: event.getClientAddress() }, seen)
  const email = session.data.email
  const result = await api((client) => client.auth.mfaFirstSetup({ payload: { email, session: waiting.session } }))
  if (Either.isLeft(result)) return { failure: stepFailure(result.left, seen) }
  const { secret, otpauthUri } = result.right
  event.locals.session = await saveSession(session, {
    ...session.data,
    setupChallenge: { session: result.right.session, secret, otpauthUri }
  })
  return { secret, otpauthUri }
}

/** `POST /auth/mfa/first-setup/verify`: the new authenticator's first code answers the MFA_SETUP challenge. */
export const setupCodeStep = async (event: RequestEvent, code: string): Promise<CodeStepResult> => {
  const session = event.locals.session
  const waiting = session?.data.setupChallenge
  if (session === undefined || waiting?.secret === undefined) return { _tag: "NoChallenge" }
  const seen: Seen = {}
  const api = apiFor(globalThis.fetch, { clientAddress: event.getClientAddress() }, seen)
  const email = session.data.email
  const result = await api((client) => client.auth.mfaFirstSetupVerify({ payload: { email, session: waiting.session, code } }))
  if (Either.isLeft(result)) return { _tag: "Failed", failure: stepFailure(result.left, seen) }
  event.locals.session = await startSession(
    event.cookies,
    signedInData(email, result.right.accessToken, result.right.expiresIn, seen.refreshToken),
    session
  )
  return { _tag: "SignedIn" }
}

/**
 * An anonymous call for a form action (sign-up, forgotten password): the answer, or why not as a
 * step failure (our words for the problem, its status, and `Retry-After` when rate-limited).
 */
export const anonymousStep = async <A, E>(
  event: RequestEvent,
  use: (client: ManaraClient) => Effect.Effect<A, E>
): Promise<Either.Either<A, StepFailure>> => {
  const seen: Seen = {}
  const api = apiFor(globalThis.fetch, { clientAddress: event.getClientAddress() }, seen)
  const result = await api(use)
  return Either.mapLeft(result, (failure) => stepFailure(failure, seen))
}

/** Back to the password step: the challenge is forgotten. */
export const abandonChallenge = async (event: RequestEvent) => {
  await endSession(event.cookies, event.locals.session)
  event.locals.session = undefined
}

/**
 * Renews the access token with the refresh token the session holds when it is about to expire (or when
 * `force`, after the API refused it). Undefined when it cannot be renewed: the session is then ended.
 */
export const refreshSession = async (cookies: Cookies, session: Session, force = false): Promise<Session | undefined> => {
  if (!isSignedIn(session)) return session
  if (!force && (session.data.expiresAt ?? 0) - Date.now() > REFRESH_AHEAD_MS) return session
  const refreshToken = session.data.refreshToken
  if (refreshToken === undefined) {
    if ((session.data.expiresAt ?? 0) > Date.now() && !force) return session
    await endSession(cookies, session)
    return undefined
  }
  const result = await apiFor(globalThis.fetch, { refreshToken })((client) => client.auth.refresh())
  if (Either.isRight(result)) {
    const { accessToken, expiresIn } = result.right
    return saveSession(session, { ...session.data, accessToken, expiresAt: Date.now() + expiresIn * 1000 })
  }
  // The API or Cognito down is not a signed-out person: keep the session, the next request tries again.
  if (problemOf(result.left)?.status === 401) {
    await endSession(cookies, session)
    return undefined
  }
  return session
}

/** Ends the session here and revokes its refresh tokens at the API (Cognito's RevokeToken). */
export const signOut = async (event: RequestEvent): Promise<void> => {
  const session = event.locals.session
  if (isSignedIn(session)) {
    await apiFor(globalThis.fetch, { accessToken: session.data.accessToken })((client) => client.auth.logout())
  }
  await endSession(event.cookies, session)
  event.locals.session = undefined
}

/**
 * One call to the API as the person whose session this request carries: Bearer added here, on the server.
 * A token the API refuses is refreshed once and the call sent again. `Left` carries the typed failure.
 */
export const asSignedIn = async <A, E>(
  event: RequestEvent,
  use: (client: ManaraClient) => Effect.Effect<A, E>
): Promise<Either.Either<A, E | "signed-out">> => {
  const session = event.locals.session
  if (!isSignedIn(session)) return Either.left("signed-out")
  const call = (token: string): ApiCall => apiFor(globalThis.fetch, { accessToken: token })
  const first = await call(session.data.accessToken)(use)
  if (Either.isRight(first) || !isTokenRefused(first.left)) return first
  const renewed = await refreshSession(event.cookies, session, true)
  event.locals.session = renewed
  if (!isSignedIn(renewed)) return Either.left("signed-out")
  const second = await call(renewed.data.accessToken)(use)
  if (Either.isLeft(second) && isTokenRefused(second.left)) {
    await endSession(event.cookies, renewed)
    event.locals.session = undefined
    return Either.left("signed-out")
  }
  return second
}

const here = (event: RequestEvent) => event.url.pathname + event.url.search

/**
 * For a `load`: the call's value, or the page's way out of a failure: sign-in (no session), MFA setup
 * (an owner or admin without an authenticator), or the error page with the problem's status and our words.
 */
export const loadAs = async <A, E>(
  event: RequestEvent,
  use: (client: ManaraClient) => Effect.Effect<A, E>,
  describe: (failure: unknown) => string = describeFailure
): Promise<A> => {
  const result = await asSignedIn(event, use)
  if (Either.isRight(result)) return result.right
  const failure = result.left
  if (failure === "signed-out") redirect(303, signInHref(here(event)))
  const problem = problemOf(failure)
  if (problem !== undefined && problemKind(problem) === "mfa-setup-required") redirect(303, mfaSetupHref(here(event)))
  error(problem?.status ?? 503, describe(failure))
}

/**
 * For a form action: `Right` with the value, or `Left` with the words and status to hand back with `fail`;
 * no session (or MFA not set up) redirects as `loadAs` does.
 */
export const actAs = async <A, E>(
  event: RequestEvent,
  use: (client: ManaraClient) => Effect.Effect<A, E>
): Promise<Either.Either<A, { readonly message: string; readonly status: number; readonly problem?: ProblemLike }>> => {
  const result = await asSignedIn(event, use)
  if (Either.isRight(result)) return Either.right(result.right)
  const failure = result.left
  if (failure === "signed-out") redirect(303, signInHref(here(event)))
  const problem = problemOf(failure)
  if (problem !== undefined && problemKind(problem) === "mfa-setup-required") redirect(303, mfaSetupHref(here(event)))
  const invalid = (failure as { _tag?: unknown })._tag === "ParseError"
  return Either.left({
    message: describeFailure(failure),
    status: problem?.status ?? (invalid ? 400 : 503),
    ...(problem === undefined ? {} : { problem })
  })
}

const encodeMe = Schema.encodeSync(Me)

/** Who is signed in, with their tenants, as plain data; once per request. */
export const loadMe = async (event: RequestEvent): Promise<MeData> =>
  (event.locals.me ??= loadAs(event, (client) => client.auth.me()).then(encodeMe))

/** The tenant header for a dashboard call. */
export const tenantHeaders = (slug: string) => ({ headers: { "x-tenant": slug } })
