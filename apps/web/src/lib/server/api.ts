import { env } from "$env/dynamic/private"
import { FetchHttpClient, HttpApiClient } from "@effect/platform"
import { ManaraApi, REFRESH_COOKIE } from "@manara/domain"
import { Effect, Either } from "effect"

const makeClient = (baseUrl: string) => HttpApiClient.make(ManaraApi, { baseUrl })

export type ManaraClient = Effect.Effect.Success<ReturnType<typeof makeClient>>

/** One typed call to the API; expected failures come back as `Left`, defects reject. */
export type ApiCall = <A, E>(use: (client: ManaraClient) => Effect.Effect<A, E>) => Promise<Either.Either<A, E>>

/** What the web server tells the API beside the call itself. */
export interface Credentials {
  /** The session's access token, sent as Bearer: it never leaves the web server otherwise. */
  readonly accessToken?: string
  /** The session's refresh token, sent as the API's refresh cookie to `POST /auth/refresh` only. */
  readonly refreshToken?: string
  /** The browser's address: the API rate-limits sign-ins by it (it trusts X-Forwarded-For from loopback only). */
  readonly clientAddress?: string
}

/** What the answer said outside its body: the refresh token the API set as a cookie, a 429's wait. */
export interface Seen {
  refreshToken?: string
  retryAfter?: number
}

/**
 * Built once per process: making the client derives every endpoint's codecs, which cost far more
 * than a page's own work. The fetch it sends with is read per call from the context.
 */
let shared: Promise<ManaraClient> | undefined
const client = () => (shared ??= Effect.runPromise(makeClient(apiUrl()).pipe(Effect.provide(FetchHttpClient.layer))))

export const apiUrl = () => env.API_URL || "http://127.0.0.1:4000"

const refreshCookieValue = (setCookie: string): string | undefined => {
  const [pair] = setCookie.split(";", 1)
  const at = pair!.indexOf("=")
  if (at < 0 || pair!.slice(0, at).trim() !== REFRESH_COOKIE) return undefined
  const value = pair!.slice(at + 1).trim()
  return value === "" ? undefined : value
}

/** `fetch` with the credentials added, and what the answer's headers say kept in `seen`. */
const withCredentials =
  (fetch: typeof globalThis.fetch, credentials: Credentials, seen: Seen): typeof globalThis.fetch =>
  async (input, init) => {
    const headers = new Headers(init?.headers)
    if (credentials.accessToken !== undefined) headers.set("authorization", `Bearer ${credentials.accessToken}`)
    if (credentials.refreshToken !== undefined) headers.set("cookie", `${REFRESH_COOKIE}=${credentials.refreshToken}`)
    if (credentials.clientAddress !== undefined) headers.set("x-forwarded-for", credentials.clientAddress)
    const response = await fetch(input, { ...init, headers })
    for (const cookie of response.headers.getSetCookie()) {
      const token = refreshCookieValue(cookie)
      if (token !== undefined) seen.refreshToken = token
    }
    const retryAfter = Number(response.headers.get("retry-after"))
    if (Number.isFinite(retryAfter) && retryAfter > 0) seen.retryAfter = retryAfter
    return response
  }

/** Calls on SvelteKit's `fetch` of this request (so server-side calls keep the request's context). */
export const apiFor =
  (fetch: typeof globalThis.fetch, credentials: Credentials = {}, seen: Seen = {}): ApiCall =>
  async (use) =>
    use(await client()).pipe(
      Effect.either,
      Effect.provideService(FetchHttpClient.Fetch, withCredentials(fetch, credentials, seen)),
      Effect.runPromise
    )
