import { HttpServer } from "@effect/platform"
import { ConfigProvider, Effect, Exit, Layer, Scope } from "effect"
import { ApiServerLive, LoggingLive } from "./Http.js"

export interface StartedApi {
  readonly url: string
  readonly close: () => Promise<void>
}

/**
 * Starts the real API in this process on a free port, configured from `env` instead of the
 * process environment: what tests, the browser suite and the benchmark run against.
 */
export const startApi = async (env: Readonly<Record<string, string>>): Promise<StartedApi> => {
  const scope = Effect.runSync(Scope.make())
  // A short drain: a test that leaves a request hanging should not hold its `close()` for 20 s.
  const config = ConfigProvider.fromMap(new Map(Object.entries({ API_PORT: "0", LOG_LEVEL: "Warn", SHUTDOWN_GRACE: "3 seconds", ...env })))
  const layer = ApiServerLive.pipe(Layer.provide(LoggingLive), Layer.provide(Layer.setConfigProvider(config)))
  try {
    const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
    const address = Effect.runSync(Effect.provide(HttpServer.HttpServer, context)).address
    if (address._tag !== "TcpAddress") throw new Error("the API is not on TCP")
    return {
      url: `http://127.0.0.1:${address.port}`,
      close: () => Effect.runPromise(Scope.close(scope, Exit.void))
    }
  } catch (error) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  }
}
