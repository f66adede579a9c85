import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { WorkerLive, WorkerLoggingLive } from "./Worker.js"

// runMain interrupts on SIGINT/SIGTERM: sends in flight finish and are marked, the rest of the claim is released.
NodeRuntime.runMain(Layer.launch(WorkerLive.pipe(Layer.provide(WorkerLoggingLive))), { disablePrettyLogger: true })
