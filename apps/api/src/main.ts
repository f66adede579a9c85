import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { ApiServerLive, LoggingLive } from "./Http.js"

// runMain interrupts on SIGINT/SIGTERM: the server drains (Drain.ts), then the pools and Redis close; exit 0.
NodeRuntime.runMain(Layer.launch(ApiServerLive.pipe(Layer.provide(LoggingLive))), { disablePrettyLogger: true })
