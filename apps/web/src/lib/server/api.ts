import { env } from "$env/dynamic/private"
import { FetchHttpClient, type HttpApi, HttpApiClient, type HttpApiEndpoint, type HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { ManaraApi, REFRESH_COOKIE } from "@manara/domain"
import { Effect, Either, Schema, type SchemaAST } from "effect"

const makeClient = (baseUrl: string) => HttpApiClient.make(ManaraApi, { baseUrl })

export type ManaraClient = Effect.Effect.Success<ReturnType<typeof makeClient>>

/**
 * One typed call to the API; expected failures come back as `Left`, defects reject. With `wire`, a
 * public read's answer is checked against the encoded side of its schema and handed back as sent
 * (the form `load` returns) instead of being decoded into classes and encoded back: see `wireClient`.
 */
export type ApiCall = <A, E>(use: (client: ManaraClient) => Effect.Effect<A, E>, options?: CallOptions) => Promise<Either.Either<A, E>>
export interface CallOptions {
  /** The storefront's public reads (groups in `WIRE_GROUPS`): the success comes back in its wire form, typed `A` but shaped `I`. */
  readonly wire?: boolean
}

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

/**
 * The storefront's public reads render what the API sent: decoding their JSON into classes (dates,
 * money) only to encode it back for `load` was most of a page's client work. This client is the same
 * contract with each success schema replaced by its encoded side (`Schema.encodedSchema`: the shape
 * and field types still checked, no transformation); errors decode as in the full client.
 */
const WIRE_GROUPS = new Set(["storefront", "publicCatalog", "assistant"])
const HTTP_ANNOTATIONS = [HttpApiSchema.AnnotationStatus, HttpApiSchema.AnnotationEncoding, HttpApiSchema.AnnotationEmptyDecodeable]
/** A single JSON 200 (no status, encoding or empty-body annotation): anything else keeps its schema. */
const plainJson = (ast: SchemaAST.AST) => ast._tag !== "Union" && HTTP_ANNOTATIONS.every((key) => ast.annotations[key] === undefined)
const wireEndpoint = (endpoint: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps) =>
  Object.assign(Object.create(Object.getPrototypeOf(endpoint) as object) as object, endpoint, {
    successSchema: plainJson(endpoint.successSchema.ast) ? Schema.encodedSchema(endpoint.successSchema) : endpoint.successSchema
  }) as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps
const wireGroup = (group: HttpApiGroup.HttpApiGroup.AnyWithProps) =>
  Object.assign(Object.create(Object.getPrototypeOf(group) as object) as object, group, {
    endpoints: Object.fromEntries(Object.entries(group.endpoints).map(([name, endpoint]) => [name, wireEndpoint(endpoint)]))
  }) as HttpApiGroup.HttpApiGroup.AnyWithProps
const wireApi = (api: HttpApi.HttpApi.Any) => {
  const groups = (api as unknown as HttpApi.HttpApi.AnyWithProps).groups
  return Object.assign(Object.create(Object.getPrototypeOf(api) as object) as object, api, {
    groups: Object.fromEntries(
      Object.entries(groups)
        .filter(([name]) => WIRE_GROUPS.has(name))
        .map(([name, group]) => [name, wireGroup(group)])
    )
  }) as unknown as typeof ManaraApi
}
let sharedWire: Promise<ManaraClient> | undefined
const wireClient = () =>
  (sharedWire ??= Effect.runPromise(
    HttpApiClient.make(wireApi(ManaraApi), { baseUrl: apiUrl() }).pipe(Effect.provide(FetchHttpClient.layer))
  ))

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
  async (use, options) =>
    use(await (options?.wire === true ? wireClient() : client())).pipe(
      Effect.either,
      Effect.provideService(FetchHttpClient.Fetch, withCredentials(fetch, credentials, seen)),
      Effect.runPromise
    )
