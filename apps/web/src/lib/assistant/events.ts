// No $lib imports, no runes: the server's no-JavaScript path and the unit tests load this module in plain node.
import { SseParser } from "../dashboard/sse.js"

/** A source an answer used (`event: citations`): a FAQ, a catalog item or a proof of impact. */
export interface Citation {
  readonly kind: "faq" | "item" | "proof"
  readonly id: string
  readonly title: string
  readonly url: string
}

export type Outcome = "answered" | "handed_off" | "declined"

/** What the chat stream says, event by event (docs/assistant.md). */
export type ChatEvent =
  | { readonly type: "conversation"; readonly id: string; readonly token?: string }
  | { readonly type: "text"; readonly delta: string }
  | { readonly type: "citations"; readonly citations: ReadonlyArray<Citation> }
  | { readonly type: "handoff"; readonly reason: string }
  | { readonly type: "done"; readonly outcome: Outcome }

/** A message of a conversation as the API stores it (history, and staff replies on the event stream). */
export interface ChatMessage {
  readonly id: string
  readonly role: "visitor" | "assistant" | "staff"
  readonly body: string
  readonly citations: ReadonlyArray<Citation>
  readonly createdAt: string
}

const KINDS = new Set(["faq", "item", "proof"])
const OUTCOMES = new Set(["answered", "handed_off", "declined"])
const ROLES = new Set(["visitor", "assistant", "staff"])

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined

/** Only links on this site or over https: a citation can never become `javascript:` or another scheme. */
const safeUrl = (url: unknown): string | undefined => {
  if (typeof url !== "string") return undefined
  if (url.startsWith("/") && !url.startsWith("//")) return url
  return /^https:\/\/[^\s]+$/i.test(url) ? url : undefined
}

export const citationsOf = (value: unknown): Array<Citation> => {
  if (!Array.isArray(value)) return []
  const citations: Array<Citation> = []
  for (const entry of value) {
    const citation = record(entry)
    const url = safeUrl(citation?.url)
    if (citation === undefined || url === undefined || !KINDS.has(citation.kind as string)) continue
    if (typeof citation.id !== "string" || typeof citation.title !== "string") continue
    citations.push({ kind: citation.kind as Citation["kind"], id: citation.id, title: citation.title, url })
  }
  return citations
}

export const messageOf = (value: unknown): ChatMessage | undefined => {
  const message = record(value)
  if (message === undefined || typeof message.id !== "string" || typeof message.body !== "string") return undefined
  if (!ROLES.has(message.role as string)) return undefined
  return {
    id: message.id,
    role: message.role as ChatMessage["role"],
    body: message.body,
    citations: citationsOf(message.citations),
    createdAt: typeof message.createdAt === "string" ? message.createdAt : ""
  }
}

/** One SSE message of the chat stream as a typed event; undefined for anything unknown or malformed (skipped). */
export const chatEventOf = (event: string, data: string): ChatEvent | undefined => {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return undefined
  }
  const body = record(value)
  switch (event) {
    case "conversation":
      return typeof body?.id === "string"
        ? { type: "conversation", id: body.id, ...(typeof body.token === "string" ? { token: body.token } : {}) }
        : undefined
    case "text":
      return typeof body?.delta === "string" ? { type: "text", delta: body.delta } : undefined
    case "citations":
      return { type: "citations", citations: citationsOf(value) }
    case "handoff":
      return { type: "handoff", reason: typeof body?.reason === "string" ? body.reason : "unknown" }
    case "done":
      return OUTCOMES.has(body?.outcome as string) ? { type: "done", outcome: body!.outcome as Outcome } : undefined
  }
  return undefined
}

/** Reads an event stream to its end, handing each SSE message on as it completes; stops when `signal` aborts. */
export const readEvents = async (
  body: NonNullable<Response["body"]>,
  onMessage: (event: string, data: string) => void,
  signal?: AbortSignal
): Promise<void> => {
  const parser = new SseParser()
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  const onAbort = () => void reader.cancel()
  signal?.addEventListener("abort", onAbort, { once: true })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      for (const message of parser.push(value)) onMessage(message.event, message.data)
    }
  } finally {
    signal?.removeEventListener("abort", onAbort)
  }
}

/** What one answer came to, once its stream ended: what the no-JavaScript page shows. */
export interface Answer {
  conversationId?: string
  token?: string
  text: string
  citations: ReadonlyArray<Citation>
  handoff: boolean
  outcome?: Outcome
}

export const collectAnswer = async (body: NonNullable<Response["body"]>): Promise<Answer> => {
  const answer: Answer = { text: "", citations: [], handoff: false }
  await readEvents(body, (name, data) => {
    const event = chatEventOf(name, data)
    if (event === undefined) return
    if (event.type === "conversation") {
      answer.conversationId = event.id
      if (event.token !== undefined) answer.token = event.token
    } else if (event.type === "text") answer.text += event.delta
    else if (event.type === "citations") answer.citations = event.citations
    else if (event.type === "handoff") answer.handoff = true
    else answer.outcome = event.outcome
  })
  return answer
}
