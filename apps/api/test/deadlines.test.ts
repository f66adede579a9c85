import { HttpApp, HttpServerResponse, OpenApi } from "@effect/platform"
import { ManaraApi } from "@manara/domain"
import { Duration, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { boundedWaits, hasLongDeadline, RequestDeadlines } from "../src/Waits.js"

// The served document: its paths carry the `/api/v1` and group prefixes, as requests do.
const spec = OpenApi.fromApi(ManaraApi) as unknown as {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>
}
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "0b9a5f4e-3c1d-4e2f-8a7b-6c5d4e3f2a1b")

describe("which requests get the long deadline", () => {
  it("every event stream of the contract, by its served path", () => {
    const streams = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.values(item).some((operation) =>
        Object.values(operation.responses ?? {}).some((response) => "text/event-stream" in (response.content ?? {}))
      )
        ? [path]
        : []
    )
    expect(streams).toEqual(
      expect.arrayContaining([
        "/api/v1/tenant/inbox/events",
        "/api/v1/public/assistant/chat",
        "/api/v1/public/assistant/conversations/{conversationId}/events"
      ])
    )
    for (const path of streams) expect(hasLongDeadline(concrete(path)), path).toBe(true)
  })

  it("the tenant's media endpoints (they read the object back from storage), and nothing else", () => {
    const long = Object.keys(spec.paths).filter((path) => hasLongDeadline(concrete(path)))
    expect(long.sort()).toEqual(
      [
        "/api/v1/public/assistant/chat",
        "/api/v1/public/assistant/conversations/{conversationId}/events",
        "/api/v1/tenant/inbox/events",
        "/api/v1/tenant/media/uploads",
        "/api/v1/tenant/media/{mediaId}",
        "/api/v1/tenant/media/{mediaId}/complete"
      ].sort()
    )
    // A query string is not part of the path the middleware matches; a longer path is not the stream.
    expect(hasLongDeadline("/api/v1/tenant/inbox/events/x")).toBe(false)
    expect(hasLongDeadline("/api/v1/inbox/events")).toBe(false)
  })

  it("a slow answer on the stream's real path is waited for; the same wait elsewhere is a 503", async () => {
    const slow = Effect.as(Effect.sleep("300 millis"), HttpServerResponse.text("late"))
    const handler = HttpApp.toWebHandler(
      boundedWaits(slow).pipe(
        Effect.provideService(RequestDeadlines, {
          normal: Duration.millis(100),
          long: Duration.seconds(5),
          retryAfterSeconds: 2
        })
      )
    )
    const stream = await handler(new Request("http://x/api/v1/tenant/inbox/events"))
    expect([stream.status, await stream.text()]).toEqual([200, "late"])
    const chat = await handler(new Request("http://x/api/v1/public/assistant/chat", { method: "POST" }))
    expect(chat.status).toBe(200)
    const list = await handler(new Request("http://x/api/v1/tenant/inbox"))
    expect([list.status, list.headers.get("retry-after")]).toEqual([503, "2"])
  })
})
