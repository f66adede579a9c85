import { ConfigProvider, Effect, Layer, Logger, ManagedRuntime, Metric } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { maskedJsonLogger, maskPii, observabilityLayer } from "../src/index.js"

/** What the tests read of an OTLP/HTTP JSON export. */
interface OtlpBody {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource: { readonly attributes: ReadonlyArray<unknown> }
    readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<{ readonly name: string; readonly traceId: string }> }>
  }>
}

describe("maskPii", () => {
  it("masks emails and phones anywhere in text, keeping a hint", () => {
    expect(maskPii("sent to donor.one@example.com and +965 5000 1234")).toBe("sent to d***@example.com and +*********34")
    expect(maskPii("call 96550001234.")).toBe("call *********34.")
    expect(maskPii("بريد أم_محمد@مثال.كويت")).not.toContain("أم_محمد@")
  })

  it("masks names and addresses by key, deep, without touching ids, times or amounts", () => {
    const masked = maskPii({
      donor: { name: "أم محمد", email: "umm@example.com", phone: "+96550001234" },
      items: [{ fullName: "Sara Ali" }],
      target: "55001234",
      to: "12345",
      tenantId: "12345678-1234-4123-8123-123456789abc",
      reference: "DON-2026-000123",
      at: "2026-12-03T15:28:50.123Z",
      amount: "5.000",
      ms: 12.5
    })
    expect(masked).toEqual({
      donor: { name: "أ***", email: "u***@example.com", phone: "+*********34" },
      items: [{ fullName: "S***" }],
      target: "******34",
      to: "1***",
      tenantId: "12345678-1234-4123-8123-123456789abc",
      reference: "DON-2026-000123",
      at: "2026-12-03T15:28:50.123Z",
      amount: "5.000",
      ms: 12.5
    })
  })

  it("masks an error's message and stack", () => {
    const masked = maskPii(new Error("no mailbox x.y@example.org")) as Error
    expect(masked.message).toBe("no mailbox x***@example.org")
    expect(masked.stack).not.toContain("x.y@example.org")
  })

  it("the JSON logger writes no email, phone or name in clear: message, annotations and cause", async () => {
    const lines: Array<string> = []
    const logger = Logger.map(maskedJsonLogger, (line) => void lines.push(line))
    await Effect.runPromise(
      Effect.logError("could not reach donor@example.com", new Error("phone +96550001234 refused")).pipe(
        Effect.annotateLogs({ donorName: "Sara Ali", to: "+96599998888", requestId: "r-1" }),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
    )
    const text = lines.join("\n")
    for (const clear of ["donor@example.com", "96550001234", "Sara Ali", "96599998888"]) expect(text).not.toContain(clear)
    const line = JSON.parse(lines[0]!)
    expect(JSON.stringify(line.message)).toContain("d***@example.com")
    expect(line.annotations).toMatchObject({ donorName: "S***", requestId: "r-1" })
  })
})

/** A tiny OTLP/HTTP receiver: keeps each export's path and JSON body. */
let receiver: Server
let base: string
const received: Array<{ path: string; body: OtlpBody }> = []
beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk) => (body += chunk))
    request.on("end", () => {
      received.push({ path: request.url ?? "", body: JSON.parse(body || "{}") as OtlpBody })
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())))

/** Runs a traced piece of work with a counter under the observability layer, configured by `env`, then shuts it down. */
const runTraced = async (env: Record<string, string>) => {
  const layer = observabilityLayer("manara-test").pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ LOG_LEVEL: "Error", ...env })))))
  )
  // A runtime keeps what the layer set on its fiber (the tracer), as the API's main does.
  const runtime = ManagedRuntime.make(layer)
  const traceId = await runtime.runPromise(
    Effect.gen(function* () {
      yield* Metric.increment(Metric.counter("observability_test_count"))
      const span = yield* Effect.currentSpan
      return span.traceId
    }).pipe(Effect.withSpan("observability-test"))
  )
  // Shutting down flushes what is batched: the export interval is long on purpose.
  await runtime.dispose()
  return traceId
}

describe("OpenTelemetry", () => {
  it("with OTEL_EXPORTER_OTLP_ENDPOINT set: the span and the metric arrive at the collector", async () => {
    received.length = 0
    const traceId = await runTraced({
      OTEL_EXPORTER_OTLP_ENDPOINT: `${base}/`,
      OTEL_BSP_SCHEDULE_DELAY: "60000",
      OTEL_METRIC_EXPORT_INTERVAL: "60000"
    })
    const traces = received.filter((request) => request.path === "/v1/traces")
    const spans = traces.flatMap((request) => (request.body.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)))
    expect(spans).toContainEqual(expect.objectContaining({ name: "observability-test", traceId }))
    const resource = traces[0]!.body.resourceSpans![0]!.resource.attributes
    expect(resource).toContainEqual({ key: "service.name", value: { stringValue: "manara-test" } })
    const metrics = received.filter((request) => request.path === "/v1/metrics")
    expect(JSON.stringify(metrics.map((request) => request.body))).toContain("observability_test_count")
  }, 20_000)

  it("without it: no tracer (spans have no trace), and nothing is sent anywhere", async () => {
    received.length = 0
    const traceId = await runTraced({})
    // The disabled tracer's spans are Effect's no-op spans.
    expect(traceId).toBe("noop")
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(received).toEqual([])
  })
})
