import type { Me, Problem } from "@manara/domain"
import { page } from "$app/state"
import { mfaSetupHref, signInHref } from "$lib/dashboard/links.js"
import { problemKind } from "$lib/dashboard/problems.js"

/** `GET /auth/me` as it arrives: plain JSON (the dashboard layout's server load gives it to every page). */
export type MeData = typeof Me.Encoded
export type ProblemData = Omit<typeof Problem.Encoded, "_tag">

const API = "/api/v1"

/** Who is signed in: what the dashboard layout's server `load` read through the session. No token here, ever. */
export const session = {
  get me(): MeData | undefined {
    return (page.data as { me?: MeData }).me
  }
}

/** An answer the API refused, as RFC 9457 says it; `retryAfter` in seconds for a 429. */
export class ApiProblem extends Error {
  constructor(readonly problem: ProblemData, readonly retryAfter?: number) {
    super(problem.detail ?? problem.title)
  }

  /** The last segment of the problem type: `bad-credentials`, `last-owner`, ... */
  get kind(): string {
    return problemKind(this.problem)
  }
}

/** The session is gone (signed out elsewhere, expired): whoever called must go and sign in. */
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

export interface Call {
  readonly method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly body?: unknown
  /** The tenant's slug, sent as `X-Tenant`. */
  readonly tenant?: string
  /** Ends the request, and the reading of its body (an event stream), when aborted. */
  readonly signal?: AbortSignal
}

/**
 * What the browser still does itself (the live inbox's stream, uploads, downloads) goes through the web
 * server's `/api/v1/tenant/…` proxy, which adds the session's Bearer token on the server: the browser
 * sends only its session cookie. Fails with `ApiProblem`, `SessionEnded` or `MfaSetupRequired`.
 */
export const apiResponse = (path: string, call: Call = {}): Promise<Response> => responseFrom(API + path, call)

/** `apiResponse` for one of the web app's own routes (the live inbox's stream): the same failures. */
export const responseFrom = async (url: string, call: Call = {}): Promise<Response> => {
  const response = await fetch(url, {
    method: call.method ?? "GET",
    headers: {
      ...(call.tenant === undefined ? {} : { "x-tenant": call.tenant }),
      ...(call.body === undefined ? {} : { "content-type": "application/json" })
    },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    signal: call.signal
  })
  if (response.ok) return response
  const failure = await problemOf(response)
  if (failure.problem.status === 401 && ["invalid-token", "no-session", ""].includes(failure.kind)) throw new SessionEnded()
  if (failure.kind === "mfa-setup-required") throw new MfaSetupRequired()
  throw failure
}

/** `apiResponse` for JSON answers: resolves with the body (undefined for a 204). */
export const api = async <A>(path: string, call: Call = {}): Promise<A> => {
  const response = await apiResponse(path, call)
  return (response.status === 204 ? undefined : await response.json()) as A
}

/** Where a failure sends the person instead of showing it: sign-in or MFA setup; undefined to show it. */
export const detour = (failure: unknown, from: URL): string | undefined =>
  failure instanceof SessionEnded
    ? signInHref(from.pathname + from.search)
    : failure instanceof MfaSetupRequired
      ? mfaSetupHref(from.pathname + from.search)
      : undefined
