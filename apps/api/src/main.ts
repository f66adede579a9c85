import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpLive, LoggingLive, NodeServerLive } from "./Http.js"

// runMain interrupts on SIGINT/SIGTERM: the server stops accepting, in-flight requests finish, pools close.
NodeRuntime.runMain(Layer.launch(HttpLive.pipe(Layer.provide(NodeServerLive), Layer.provide(LoggingLive))), { disablePrettyLogger: true })
