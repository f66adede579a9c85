import { env } from "$env/dynamic/private"
import { FetchHttpClient, HttpApiClient } from "@effect/platform"
import { ManaraApi } from "@manara/domain"
import { Effect, Either } from "effect"

const makeClient = (baseUrl: string) => HttpApiClient.make(ManaraApi, { baseUrl })

export type ManaraClient = Effect.Effect.Success<ReturnType<typeof makeClient>>

/** One typed call to the API; expected failures come back as `Left`, defects reject. */
export type ApiCall = <A, E>(use: (client: ManaraClient) => Effect.Effect<A, E>) => Promise<Either.Either<A, E>>

/**
 * Built once per process: making the client derives every endpoint's codecs, which cost far more
 * than a page's own work. The fetch it sends with is read per call from the context.
 */
let shared: Promise<ManaraClient> | undefined
const client = () =>
  (shared ??= Effect.runPromise(makeClient(env.API_URL || "http://127.0.0.1:4000").pipe(Effect.provide(FetchHttpClient.layer))))

/** Calls on SvelteKit's `fetch` of this request (so server-side calls keep the request's context). */
export const apiFor = (fetch: typeof globalThis.fetch): ApiCall => async (use) =>
  use(await client()).pipe(
    Effect.either,
    Effect.provideService(FetchHttpClient.Fetch, fetch),
    Effect.runPromise
  )
