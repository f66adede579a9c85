import type { Me, Problem, SignedIn } from "@manara/domain"
import { mfaSetupHref, signInHref } from "$lib/dashboard/links.js"

/** `GET /auth/me` as it arrives: plain JSON. */
export type MeData = typeof Me.Encoded
export type ProblemData = Omit<typeof Problem.Encoded, "_tag">

const API = "/api/v1"
const PROBLEMS = "https://manara.app/problems/"

/**
 * The access token lives here and nowhere else: not in storage, not in a cookie. A reload forgets it;
 * the httpOnly refresh cookie (sent to `/api/v1/auth/refresh` only) brings a new one. Only the
 * browser writes it (handlers, effects, onMount): on the server this module is shared by every request.
 */
const state = $state<{ accessToken: string | undefined; me: MeData | undefined }>({ accessToken: undefined, me: undefined })

export const session = {
  get me(): MeData | undefined {
    return state.me
  }
}

/** An answer the API refused, as RFC 9457 says it; `retryAfter` in seconds for a 429. */
export class ApiProblem extends Error {
  constructor(readonly problem: ProblemData, readonly retryAfter?: number) {
    super(problem.detail ?? problem.title)
  }

  /** The last segment of the problem type: `bad-credentials`, `last-owner`, ... */
  get kind(): string {
    return this.problem.type.startsWith(PROBLEMS) ? this.problem.type.slice(PROBLEMS.length) : ""
  }
}

/** The refresh cookie is gone or refused: whoever called must go and sign in. */
export class SessionEnded extends Error {
  constructor() {
    super("Not signed in")
  }
}

/** An owner or admin without an authenticator: every tenant call answers this until they set one up. */
export class MfaSetupRequired extends Error {
  constructor() {
    super("Set up an authenticator first")
  }
}

/** Reads a problem body; anything else (a proxy's HTML, a dropped connection) becomes a generic one. */
const problemOf = async (response: Response): Promise<ApiProblem> => {
  const body = await response.json().catch(() => undefined)
  const problem: ProblemData = typeof body?.type === "string"
    ? body
    : { type: "about:blank", title: response.statusText, status: response.status }
  const retryAfter = Number(response.headers.get("retry-after"))
  return new ApiProblem(problem, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined)
}

const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(API + path, {
    method: "POST",
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body)
  })

/**
 * A 401 about the token itself (expired, revoked, missing), not one about what was sent: a wrong
 * authenticator code is a 401 too (`bad-code`), and refreshing would not make it right.
 */
const isExpired = (failure: ApiProblem) =>
  failure.problem.status === 401 && (failure.kind === "invalid-token" || failure.kind === "no-session" || failure.kind === "")

let refreshing: Promise<boolean> | undefined

/** One refresh at a time, however many calls saw a 401 together. */
const refresh = (): Promise<boolean> =>
  (refreshing ??= post("/auth/refresh")
    .then(async (response) => {
      if (!response.ok) return false
      state.accessToken = ((await response.json()) as typeof SignedIn.Encoded).accessToken
      return true
    }, () => false)
    .finally(() => (refreshing = undefined)))

const forget = () => {
  state.accessToken = undefined
  state.me = undefined
}

export interface Call {
  readonly method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly body?: unknown
  /** The tenant's slug, sent as `X-Tenant`. */
  readonly tenant?: string
  /** Ends the request, and the reading of its body (an event stream), when aborted. */
  readonly signal?: AbortSignal
}

/**
 * A call to the API as the signed-in person: Bearer (and `X-Tenant`) added; on a 401 about the token it is
 * refreshed once and the call retried. Resolves with the successful response, its body unread (a CSV, a
 * PDF, an event stream); fails with `ApiProblem`, `SessionEnded` or `MfaSetupRequired`.
 */
export const apiResponse = async (path: string, call: Call = {}): Promise<Response> => {
  const send = () =>
    fetch(API + path, {
      method: call.method ?? "GET",
      headers: {
        authorization: `Bearer ${state.accessToken}`,
        ...(call.tenant === undefined ? {} : { "x-tenant": call.tenant }),
        ...(call.body === undefined ? {} : { "content-type": "application/json" })
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: call.signal
    })
  // After a reload the token is gone: try the cookie before bothering the API with no token at all.
  if (state.accessToken === undefined && !(await refresh())) throw new SessionEnded()
  let response = await send()
  let failure = response.ok ? undefined : await problemOf(response)
  if (failure !== undefined && isExpired(failure)) {
    if (!(await refresh())) {
      forget()
      throw new SessionEnded()
    }
    response = await send()
    failure = response.ok ? undefined : await problemOf(response)
    if (failure !== undefined && isExpired(failure)) {
      forget()
      throw new SessionEnded()
    }
  }
  if (failure !== undefined) {
    if (failure.kind === "mfa-setup-required") throw new MfaSetupRequired()
    throw failure
  }
  return response
}

/** `apiResponse` for JSON answers: resolves with the body (undefined for a 204). */
export const api = async <A>(path: string, call: Call = {}): Promise<A> => {
  const response = await apiResponse(path, call)
  return (response.status === 204 ? undefined : await response.json()) as A
}

/**
 * The access token for a form action to send on (it rides in the submitted FormData, never stored or
 * rendered); refreshed first when `renew` says the last one was refused, or when none is held yet.
 */
export const accessToken = async (renew = false): Promise<string> => {
  if ((renew || state.accessToken === undefined) && !(await refresh())) {
    forget()
    throw new SessionEnded()
  }
  return state.accessToken!
}

/** Who is signed in, with their tenants; asked once, then kept until something changes it. */
export const loadMe = async (): Promise<MeData> => (state.me ??= await api<MeData>("/auth/me"))

/** After something that changes memberships or MFA: the next `loadMe` asks again. */
export const rememberMe = (me: MeData | undefined) => {
  state.me = me
}

export type SignInStep =
  | { readonly _tag: "SignedIn" }
  | { readonly _tag: "MfaChallenge"; readonly session: string }

/** `POST /auth/login`: either signed in (the token is kept) or asked for the authenticator's code. */
export const signIn = async (email: string, password: string): Promise<SignInStep> => {
  const response = await post("/auth/login", { email, password })
  if (!response.ok) throw await problemOf(response)
  const result = (await response.json()) as { _tag: "SignedIn"; accessToken: string } | { _tag: "MfaChallenge"; session: string }
  if (result._tag === "MfaChallenge") return { _tag: "MfaChallenge", session: result.session }
  forget()
  state.accessToken = result.accessToken
  return { _tag: "SignedIn" }
}

/** `POST /auth/mfa`: the code for a challenge from `signIn`. */
export const answerChallenge = async (email: string, challenge: string, code: string): Promise<void> => {
  const response = await post("/auth/mfa", { email, session: challenge, code })
  if (!response.ok) throw await problemOf(response)
  forget()
  state.accessToken = ((await response.json()) as typeof SignedIn.Encoded).accessToken
}

/** Revokes every refresh token of this person and clears the cookie; forgets the token whatever happens. */
export const signOut = async (): Promise<void> => {
  try {
    // After a reload no token is held yet, but the cookie still works: get one, or sign-out revokes nothing.
    if (state.accessToken !== undefined || (await refresh())) {
      await post("/auth/logout", undefined, { authorization: `Bearer ${state.accessToken}` })
    }
  } catch {
    // Offline: the token is forgotten all the same, and the cookie expires on its own.
  } finally {
    forget()
  }
}

/** Where a failure sends the person instead of showing it: sign-in or MFA setup; undefined to show it. */
export const detour = (failure: unknown, from: URL): string | undefined =>
  failure instanceof SessionEnded
    ? signInHref(from.pathname + from.search)
    : failure instanceof MfaSetupRequired
      ? mfaSetupHref(from.pathname + from.search)
      : undefined
