import { localizeHref } from "$lib/paraglide/runtime.js"
import { ApiProblem, responseFrom } from "$lib/session.svelte.js"
import { backoff, HeardCaptures, SseParser } from "./sse.js"

/** What `GET /tenant/inbox/events` says of each new capture (`event: capture`). */
export interface CaptureEvent {
  readonly kind: "order" | "donation" | "pledge"
  readonly reference: string
  readonly amount: string
}

/** The server sends a comment every 20 s: this long without a byte means the connection is dead. */
const SILENCE_MS = 50_000

const state = $state<{ unread: number; seq: number; last: CaptureEvent | undefined }>({ unread: 0, seq: 0, last: undefined })

/** The open tenant's capture events, shared by the nav badge and the inbox page (one stream per tab). */
export const inboxFeed = {
  /** New captures since the dashboard was opened, or since the inbox last showed them. */
  get unread(): number {
    return state.unread
  },
  /** Goes up on each new capture, and after a reconnection (captures may have come in meanwhile). */
  get seq(): number {
    return state.seq
  },
  /** The latest capture, for an announcement; undefined after a reconnection. */
  get last(): CaptureEvent | undefined {
    return state.last
  },
  markRead(): void {
    state.unread = 0
  }
}

const isCaptureEvent = (value: unknown): value is CaptureEvent => {
  const event = value as Partial<CaptureEvent> | null
  return (
    typeof event === "object" &&
    event !== null &&
    ["order", "donation", "pledge"].includes(event.kind as string) &&
    typeof event.reference === "string" &&
    typeof event.amount === "string"
  )
}

/** A dropped connection (fetch's TypeError), an API that is down or busy: worth another try later. */
const retryable = (failure: unknown) =>
  failure instanceof TypeError || (failure instanceof ApiProblem && (failure.problem.status >= 500 || failure.problem.status === 429))

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true })
  })

/** The captures this tab heard of: a reconnect's replay overlaps them (the API's REPLAY_OVERLAP). */
const heard = new HeardCaptures()

/** Reads one connection until it ends, fails or goes silent; EventSource cannot send a Bearer token, so `fetch` reads it. */
const read = async (response: Response, parser: SseParser, signal: AbortSignal): Promise<void> => {
  if (!response.body) return
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let watchdog: ReturnType<typeof setTimeout> | undefined
  const watch = () => {
    clearTimeout(watchdog)
    watchdog = setTimeout(() => void reader.cancel(), SILENCE_MS)
  }
  const onAbort = () => void reader.cancel()
  signal.addEventListener("abort", onAbort, { once: true })
  try {
    watch()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      watch()
      for (const message of parser.push(value)) {
        if (message.event !== "capture") continue
        let event: unknown
        try {
          event = JSON.parse(message.data)
        } catch {
          continue
        }
        if (!isCaptureEvent(event) || !heard.first(event)) continue
        state.last = { kind: event.kind, reference: event.reference, amount: event.amount }
        state.unread++
        state.seq++
      }
    }
  } finally {
    clearTimeout(watchdog)
    signal.removeEventListener("abort", onAbort)
  }
}

/** Connects and keeps reconnecting with backoff until stopped or told it never will be let in. */
const follow = (slug: string): (() => void) => {
  const stop = new AbortController()
  const parser = new SseParser()
  const run = async () => {
    let attempt = 0
    let connected = false
    while (!stop.signal.aborted) {
      try {
        // Through the web server, which adds the session's token (`routes/(app)/dashboard/[tenant]/inbox/events`).
        // From the last capture seen on, as EventSource would resume: the API first replays what was missed.
        const seen = parser.lastEventId
        const response = await responseFrom(localizeHref(`/dashboard/${encodeURIComponent(slug)}/inbox/events`), {
          signal: stop.signal,
          ...(seen === undefined || seen === "" ? {} : { headers: { "last-event-id": seen } })
        })
        parser.reconnected()
        if (connected) {
          // The replay announces at most 1000 missed captures, none before the first id: the inbox reloads its first page too.
          state.last = undefined
          state.seq++
        }
        connected = true
        const opened = Date.now()
        await read(response, parser, stop.signal)
        // A stream that stayed up a while was healthy: start the backoff over.
        if (Date.now() - opened > 30_000) attempt = 0
      } catch (failure) {
        // Signed out, MFA missing, not a member: retrying cannot help, and the page itself says why on its next call.
        if (stop.signal.aborted || !retryable(failure)) return
      }
      await pause(backoff(attempt++, parser.retry ?? 3_000), stop.signal)
    }
  }
  void run()
  return () => stop.abort()
}

let current: { slug: string; users: number; stop: () => void } | undefined

/**
 * Starts (or joins) the tenant's event stream; returns how to leave it. The stream stops when its last
 * user leaves (the dashboard is left) or another tenant's starts.
 */
export const followInbox = (slug: string): (() => void) => {
  if (current && current.slug !== slug) {
    current.stop()
    current = undefined
  }
  if (!current) {
    state.unread = 0
    state.last = undefined
    heard.clear()
    current = { slug, users: 0, stop: follow(slug) }
  }
  const joined = current
  joined.users++
  let left = false
  return () => {
    if (left) return
    left = true
    if (current === joined && --joined.users === 0) {
      joined.stop()
      current = undefined
    }
  }
}
