// No $lib imports, no runes: the unit tests load this module in plain node.

/** One server-sent event as the HTML standard dispatches it (`event` defaults to "message"). */
export interface SseMessage {
  readonly event: string
  readonly data: string
  readonly id?: string
}

/**
 * Reads `text/event-stream` as it arrives, in chunks cut anywhere (even between `\r` and `\n`), following
 * the HTML standard's rules: comments and unknown fields ignored, `data` lines joined with `\n`, an event
 * dispatched at a blank line only if it has data. `retry` (milliseconds) is kept for reconnecting.
 */
export class SseParser {
  private buffer = ""
  private endedWithCr = false
  private event = ""
  private data: Array<string> = []
  private id: string | undefined
  /** The last `retry:` the server sent, in milliseconds. */
  retry: number | undefined
  /** The id of the last event seen, as EventSource keeps it: a reconnect sends it as `Last-Event-ID`. */
  lastEventId: string | undefined

  /** A new connection: what the last one left unfinished is dropped; the last event id and `retry` stay. */
  reconnected(): void {
    this.buffer = ""
    this.endedWithCr = false
    this.event = ""
    this.data = []
    this.id = this.lastEventId
  }

  /** Feeds one decoded chunk; returns the events it completed. */
  push(chunk: string): Array<SseMessage> {
    // A `\r\n` split across two chunks is one line end, not two.
    let text = this.endedWithCr && chunk.startsWith("\n") ? chunk.slice(1) : chunk
    this.endedWithCr = text.endsWith("\r")
    text = this.buffer + text
    const lines = text.split(/\r\n|\r|\n/)
    this.buffer = lines.pop() ?? ""
    const messages: Array<SseMessage> = []
    for (const line of lines) {
      const message = this.line(line)
      if (message) messages.push(message)
    }
    return messages
  }

  private line(line: string): SseMessage | undefined {
    if (line === "") {
      // The standard: the last event id is taken at every blank line, before an event without data is dropped.
      this.lastEventId = this.id
      const message =
        this.data.length === 0
          ? undefined
          : { event: this.event || "message", data: this.data.join("\n"), ...(this.id === undefined ? {} : { id: this.id }) }
      this.event = ""
      this.data = []
      return message
    }
    if (line.startsWith(":")) return undefined
    const colon = line.indexOf(":")
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? "" : line.slice(colon + 1)
    if (value.startsWith(" ")) value = value.slice(1)
    if (field === "event") this.event = value
    else if (field === "data") this.data.push(value)
    else if (field === "id" && !value.includes("\0")) this.id = value
    else if (field === "retry" && /^[0-9]+$/.test(value)) this.retry = Number(value)
    return undefined
  }
}

/** How long to wait before reconnection attempt `attempt` (0 first): doubling from `base`, at most `max`, with up to a fifth of jitter. */
export const backoff = (attempt: number, base: number, max = 30_000, random: () => number = Math.random): number => {
  const delay = Math.min(max, base * 2 ** Math.min(attempt, 16))
  return Math.round(delay * (0.8 + 0.2 * random()))
}

/**
 * The captures heard on a tenant's stream, by kind and reference, the latest `kept`: a reconnect's replay
 * starts a little before the last one seen (a capture can commit after a later one), so it repeats some.
 */
export class HeardCaptures {
  private readonly keys = new Set<string>()
  constructor(private readonly kept = 2000) {}

  /** True the first time a capture is heard of, false for a repeat. */
  first(event: { readonly kind: string; readonly reference: string }): boolean {
    const key = `${event.kind}|${event.reference}`
    if (this.keys.has(key)) return false
    this.keys.add(key)
    if (this.keys.size > this.kept) this.keys.delete(this.keys.values().next().value!)
    return true
  }

  clear(): void {
    this.keys.clear()
  }
}
