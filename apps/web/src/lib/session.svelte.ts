import type { Me, Problem } from "@manara/domain"
import { page } from "$app/state"
import { mfaSetupHref, signInHref } from "$lib/dashboard/links.js"
import { problemKind } from "$lib/dashboard/problems.js"

/** `GET /auth/me` as it arrives: plain JSON (the dashboard layout's server load gives it to every page). */
export type MeData = typeof Me.Encoded
export type ProblemData = Omit<typeof Problem.Encoded, "_tag">

/** Who is signed in: what the dashboard layout's server `load` read through the session. No token here, ever. */
export const session = {
  get me(): MeData | undefined {
    return (page.data as { me?: MeData }).me
  }
}

/** An answer the API refused, as RFC 9457 says it; `retryAfter` in seconds for a 429. */
export class ApiProblem extends Error {
  constructor(
    readonly problem: ProblemData,
    readonly retryAfter?: number
  ) {
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
  const body = (await response.json().catch(() => undefined)) as Partial<ProblemData> | undefined
  const problem: ProblemData =
    typeof body?.type === "string" ? (body as ProblemData) : { type: "about:blank", title: response.statusText, status: response.status }
  const retryAfter = Number(response.headers.get("retry-after"))
  return new ApiProblem(problem, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined)
}

export interface Call {
  /** Ends the request, and the reading of its body (an event stream), when aborted. */
  readonly signal?: AbortSignal
  /** Sent as they are (the event stream's `Last-Event-ID` on a reconnect). */
  readonly headers?: Record<string, string>
}

/**
 * A `GET` of one of the dashboard's own server routes (the live inbox's stream, the CSV export, a receipt's
 * PDF): they call the API with the session on the server; the browser sends only its session cookie.
 * Fails with `ApiProblem`, `SessionEnded` or `MfaSetupRequired`.
 */
export const responseFrom = async (url: string, call: Call = {}): Promise<Response> => {
  const response = await fetch(url, { signal: call.signal, ...(call.headers === undefined ? {} : { headers: call.headers }) })
  if (response.ok) return response
  const failure = await problemOf(response)
  if (failure.problem.status === 401 && ["invalid-token", "no-session", ""].includes(failure.kind)) throw new SessionEnded()
  if (failure.kind === "mfa-setup-required") throw new MfaSetupRequired()
  throw failure
}

/** Where a failure sends the person instead of showing it: sign-in or MFA setup; undefined to show it. */
export const detour = (failure: unknown, from: URL): string | undefined =>
  failure instanceof SessionEnded
    ? signInHref(from.pathname + from.search)
    : failure instanceof MfaSetupRequired
      ? mfaSetupHref(from.pathname + from.search)
      : undefined
