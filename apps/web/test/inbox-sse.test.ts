import { describe, expect, it } from "vitest"
import { backoff, HeardCaptures, SseParser } from "../src/lib/dashboard/sse.js"

describe("the inbox's event-stream reader", () => {
  it("reads the API's stream: the retry, comments skipped, one capture event", () => {
    const parser = new SseParser()
    const messages = parser.push(
      'retry: 3000\n\n: keep-alive\n\nevent: capture\ndata: {"kind":"donation","reference":"DON-2026-000001","amount":"25.500"}\n\n'
    )
    expect(parser.retry).toBe(3000)
    expect(messages).toEqual([{ event: "capture", data: '{"kind":"donation","reference":"DON-2026-000001","amount":"25.500"}' }])
  })

  it("joins events cut anywhere, even between CR and LF, and multi-line data", () => {
    const parser = new SseParser()
    const text = "event: capture\r\ndata: one\r\ndata: two\r\n\r\nid: 7\ndata:three\r\rdata: four\n\n"
    const seen = []
    for (const char of text) seen.push(...parser.push(char))
    expect(seen).toEqual([
      { event: "capture", data: "one\ntwo" },
      { event: "message", data: "three", id: "7" },
      { event: "message", data: "four", id: "7" }
    ])
  })

  it("dispatches nothing for an event without data, nor for an unfinished one", () => {
    const parser = new SseParser()
    expect(parser.push("event: capture\n\n")).toEqual([])
    expect(parser.push("event: capture\ndata: x")).toEqual([])
    expect(parser.push("\n\n")).toEqual([{ event: "capture", data: "x" }])
  })

  it("waits longer after each failed attempt, up to a ceiling", () => {
    const none = () => 1
    expect([0, 1, 2, 3, 10].map((attempt) => backoff(attempt, 3000, 30_000, none))).toEqual([3000, 6000, 12000, 24000, 30000])
    expect(backoff(0, 3000, 30_000, () => 0)).toBe(2400)
  })
})

describe("resuming the inbox's event stream", () => {
  it("keeps the last event id, as EventSource does, for the reconnect's Last-Event-ID", () => {
    const parser = new SseParser()
    expect(parser.lastEventId).toBeUndefined()
    parser.push('retry: 3000\n\nid: 2026-12-03T10:00:00.000Z|DON-2026-000001\nevent: capture\ndata: {"kind":"donation"}\n\n')
    expect(parser.lastEventId).toBe("2026-12-03T10:00:00.000Z|DON-2026-000001")
    // A comment, an event without an id and a half-read event keep it; only a finished event with an id moves it.
    parser.push(': keep-alive\n\nevent: capture\ndata: {"kind":"order"}\n\nid: later\ndata: half')
    expect(parser.lastEventId).toBe("2026-12-03T10:00:00.000Z|DON-2026-000001")
    parser.push("\n\n")
    expect(parser.lastEventId).toBe("later")
  })

  it("drops what a dropped connection left half-read, and keeps the id and retry", () => {
    const parser = new SseParser()
    parser.push("retry: 5000\n\nid: seen\nevent: capture\ndata: one\n\nid: lost\nevent: capture\ndata: cut off mid-")
    parser.reconnected()
    expect(parser.lastEventId).toBe("seen")
    expect(parser.retry).toBe(5000)
    expect(parser.push('event: capture\ndata: {"kind":"pledge"}\n\n')).toEqual([
      { event: "capture", data: '{"kind":"pledge"}', id: "seen" }
    ])
  })

  it("hears each capture once: a replay's overlap repeats nothing, another kind's same number is another capture", () => {
    const heard = new HeardCaptures(3)
    const donation = { kind: "donation", reference: "DON-2026-000001" }
    expect(heard.first(donation)).toBe(true)
    expect(heard.first({ ...donation })).toBe(false)
    expect(heard.first({ kind: "pledge", reference: "DON-2026-000001" })).toBe(true)
    // Only the latest are kept: the oldest is forgotten once more come.
    expect(heard.first({ kind: "order", reference: "ORD-2026-000001" })).toBe(true)
    expect(heard.first({ kind: "order", reference: "ORD-2026-000002" })).toBe(true)
    expect(heard.first(donation)).toBe(true)
    heard.clear()
    expect(heard.first({ kind: "order", reference: "ORD-2026-000002" })).toBe(true)
  })
})
