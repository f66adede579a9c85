import { apiEnv, apiPeople, sesEnv } from "@manara/testkit"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type ApiChild, donationTenant, ownerRows, spawnApi } from "./faults/harness.js"

/** What the tests read of an OTLP/HTTP JSON export. */
interface OtlpBody {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource: { readonly attributes: ReadonlyArray<unknown> }
    readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<{ readonly name: string; readonly traceId: string }> }>
  }>
}

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const ses = inject("manaraSes")

const DONOR_EMAIL = "layla.alsabah@example.com"
const DONOR_PHONE = "+965 6000 4321"
const DONOR_NAME = "ليلى الصباح"

/** A tiny OTLP/HTTP collector: what the API exports, by path. */
let collector: Server
const exported: Array<{ path: string; body: OtlpBody }> = []
let api: ApiChild
let tenant: Awaited<ReturnType<typeof donationTenant>>

beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk) => (body += chunk))
    request.on("end", () => {
      exported.push({ path: request.url ?? "", body: JSON.parse(body || "{}") as OtlpBody })
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve))
  tenant = await donationTenant(urls)
  api = await spawnApi(
    apiEnv(urls, pool, {
      ...sesEnv(ses),
      LOG_LEVEL: "Debug",
      NOTIFY_DELIVERY: "true",
      NOTIFY_TENANTS: tenant.id,
      NOTIFY_POLL: "300 millis",
      STOREFRONT_ORIGIN: "http://{slug}.manara.test",
      WEB_ORIGIN: "http://web.manara.test",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_BSP_SCHEDULE_DELAY: "500",
      OTEL_METRIC_EXPORT_INTERVAL: "1000"
    })
  )
}, 60_000)
afterAll(async () => {
  api?.child.kill("SIGKILL")
  await new Promise<void>((resolve) => collector?.close(() => resolve()))
})

const logLines = () =>
  api
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { message: unknown; logLevel: string; annotations: Record<string, unknown> })

describe("a capture through the real API, observed", () => {
  it("logs each request with its ids, route, status and latency; no email, phone or name in clear; spans and metrics reach the collector", async () => {
    const owner = await apiPeople(() => api.url, urls, pool).memberOf(tenant, "owner")
    const donation = await fetch(`${api.url}/api/v1/public/donations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.manara.test`, "x-request-id": "obs-donation" },
      body: JSON.stringify({
        amount: "5.000",
        project: tenant.project,
        donor: { name: DONOR_NAME, email: DONOR_EMAIL, phone: DONOR_PHONE },
        paymentMethod: "bank_transfer"
      })
    })
    expect(donation.status, await donation.clone().text()).toBe(201)
    const inbox = await fetch(`${api.url}/api/v1/tenant/inbox`, {
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": tenant.slug, "x-request-id": "obs-inbox" }
    })
    expect(inbox.status).toBe(200)
    // The donor's receipt and the office's notice are sent (through the SES emulator) and marked.
    const until = Date.now() + 30_000
    for (;;) {
      const pending = await ownerRows(
        urls,
        tenant.id,
        (sql) => sql<{ n: number }>`select count(*)::int as n from notification_outbox where status <> 'sent'`
      )
      const sent = logLines().filter((line) => line.message === "notification sent")
      if (pending[0]!.n === 0 && sent.length >= 2) break
      if (Date.now() > until) throw new Error(`outbox not drained: ${api.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    // Shutting down flushes the last spans.
    api.child.kill("SIGTERM")
    expect((await api.exited).code, api.output()).toBe(0)

    const output = api.output()
    const digits = DONOR_PHONE.replace(/\D/g, "")
    for (const clear of [DONOR_EMAIL, digits, digits.slice(3), "6000 4321", DONOR_NAME, "office@example.com"]) {
      expect(output, `"${clear}" in the logs`).not.toContain(clear)
    }
    const lines = logLines()
    // The addresses did reach the logger, masked: the test would fail if masking were removed.
    const targets = lines.filter((line) => line.message === "notification sent").map((line) => line.annotations.target)
    expect(targets).toEqual(expect.arrayContaining(["l***@example.com", "o***@example.com"]))

    const requestLine = (id: string) => lines.find((line) => line.message === "request" && line.annotations.requestId === id)
    expect(requestLine("obs-donation")?.annotations).toMatchObject({
      tenantId: tenant.id,
      route: "/api/v1/public/donations",
      status: 201,
      ms: expect.any(Number)
    })
    expect(requestLine("obs-inbox")?.annotations).toMatchObject({
      tenantId: tenant.id,
      userId: owner.userId,
      route: "/api/v1/tenant/inbox",
      status: 200
    })
    const traceId = requestLine("obs-donation")?.annotations.traceId as string
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)

    const spans = exported
      .filter((request) => request.path === "/v1/traces")
      .flatMap((request) => (request.body.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)))
    // The request's server span and its SQL statements share the trace id its log lines carry.
    const ofDonation = spans.filter((span) => span.traceId === traceId)
    expect(ofDonation.length).toBeGreaterThan(1)
    expect(ofDonation.map((span) => span.name)).toContain("http.server POST")
    expect(JSON.stringify(spans)).not.toContain(DONOR_EMAIL)
    const metrics = JSON.stringify(exported.filter((request) => request.path === "/v1/metrics").map((request) => request.body))
    expect(metrics).toContain("http_server_requests")
  }, 90_000)
})
