import { env } from "$env/dynamic/private"
import { FetchHttpClient, HttpApiClient } from "@effect/platform"
import { ManaraApi } from "@manara/domain"
import { Effect, Either } from "effect"

const makeClient = (baseUrl: string) => HttpApiClient.make(ManaraApi, { baseUrl })

export type ManaraClient = Effect.Effect.Success<ReturnType<typeof makeClient>>

/** One typed call to the API; expected failures come back as `Left`, defects reject. */
export type ApiCall = <A, E>(use: (client: ManaraClient) => Effect.Effect<A, E>) => Promise<Either.Either<A, E>>

/** A client for one request, on SvelteKit's `fetch` (so server-side calls keep the request's context). */
export const apiFor = (fetch: typeof globalThis.fetch): ApiCall => (use) =>
  makeClient(env.API_URL || "http://127.0.0.1:4000").pipe(
    Effect.flatMap(use),
    Effect.either,
    Effect.provide(FetchHttpClient.layer),
    Effect.provideService(FetchHttpClient.Fetch, fetch),
    Effect.runPromise
  )
