import { startApi, type StartedApi } from "@manara/api/server"
import { SqlClient } from "@effect/sql"
import { apiEnv, apiPeople, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { rowsOf, seedCharity } from "../../../../packages/assistant/test/harness.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const people = apiPeople(() => api.url, urls, pool)
let home: TenantFixture
let other: TenantFixture
let owner: Person

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

interface SseEvent {
  readonly event: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one event's JSON, read field by field in assertions
  readonly data: any
}
const parseSse = (text: string): Array<SseEvent> =>
  text
    .split("\n\n")
    .filter((block) => block.startsWith("event: "))
    .map((block) => {
      const [head, data] = block.split("\n")
      return { event: head!.slice("event: ".length), data: JSON.parse(data!.slice("data: ".length)) }
    })

const chatRaw = (tenant: TenantFixture, body: unknown) =>
  fetch(`${api.url}/api/v1/public/assistant/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

const chat = async (tenant: TenantFixture, body: Record<string, unknown>) => {
  const response = await chatRaw(tenant, body)
  expect(response.status).toBe(200)
  expect(response.headers.get("content-type")).toContain("text/event-stream")
  return parseSse(await response.text())
}

const publicGet = (tenant: TenantFixture, path: string) =>
  fetch(`${api.url}/api/v1/public/assistant${path}`, { headers: { "x-forwarded-host": hostOf(tenant) } })

const usageCount = async (tenant: TenantFixture) =>
  Number((await rowsOf(urls, tenant.id, (sql) => sql<{ n: string }>`select count(*)::text as n from ai_usage_log`))[0]!.n)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
  ;[home, other] = await Promise.all([seedCharity(urls), seedCharity(urls)])
  owner = await people.memberOf(home, "owner")
  // No handoff addresses or staff preferences: handoffs go to the tenant's contact email.
  await withOwner(
    urls,
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`update tenants set settings = settings || '{"contact":{"email":"office@example.com"}}'::jsonb where id = ${home.id}`
    )
  )
}, 60_000)
afterAll(() => api?.close())

describe("POST /public/assistant/chat", () => {
  it("streams conversation, text, citations and done, in order; the answer cites the Arabic FAQ", async () => {
    const events = await chat(home, { message: "هل يمكنني دفع الزكاة لمشاريعكم؟", locale: "ar" })
    const names = events.map((event) => event.event)
    expect(names[0]).toBe("conversation")
    expect(names.slice(-2)).toEqual(["citations", "done"])
    expect(names.filter((name) => name === "text").length).toBeGreaterThan(1)
    expect(events[0]!.data).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) })
    const text = events
      .filter((event) => event.event === "text")
      .map((event) => event.data.delta)
      .join("")
    expect(text).toContain("مؤهلة للزكاة")
    expect(events.at(-2)!.data[0]).toMatchObject({ kind: "faq", url: expect.stringMatching(/^\/faq#faq-/) })
    expect(events.at(-1)!.data).toEqual({
      outcome: "answered",
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) }
    })
    // Stored: the token only as its hash.
    const [row] = await rowsOf(
      urls,
      home.id,
      (sql) => sql<{ visitor_token_hash: string; turns: number; status: string }>`
        select visitor_token_hash, turns, status from ai_conversations where id = ${events[0]!.data.id}`
    )
    expect(row).toMatchObject({ turns: 1, status: "answered" })
    expect(row!.visitor_token_hash).not.toContain(events[0]!.data.token)
  })

  it("continues a conversation with its token (no new token), and links a recorded visit", async () => {
    const [visit] = await rowsOf(
      urls,
      home.id,
      (sql) => sql<{ id: string }>`insert into visits (tenant_id, visitor_id) values (${home.id}, ${randomUUID()}) returning id::text`
    )
    const first = await chat(home, { message: "Which payment methods do you accept?", locale: "en", visitId: visit!.id })
    const { id, token } = first[0]!.data
    const second = await chat(home, { message: "How do I get a receipt for my donation?", locale: "en", conversationId: id, token })
    expect(second[0]!.data).toEqual({ id })
    const [row] = await rowsOf(
      urls,
      home.id,
      (sql) => sql<{ visit_id: string; turns: number }>`select visit_id::text, turns from ai_conversations where id = ${id}`
    )
    expect(row).toEqual({ visit_id: visit!.id, turns: 2 })
  })

  it("'I want to speak to a person' sends a handoff event and notifies staff", async () => {
    const events = await chat(home, { message: "I want to speak to a person", locale: "en", email: "visitor@example.com" })
    expect(events.map((event) => event.event)).toEqual([
      "conversation",
      ...events.slice(1, -3).map(() => "text"),
      "citations",
      "handoff",
      "done"
    ])
    expect(events.at(-2)!.data).toEqual({ reason: "asked" })
    expect(events.at(-1)!.data.outcome).toBe("handed_off")
    const outbox = await rowsOf(
      urls,
      home.id,
      (sql) =>
        sql<{ event: string; target: string }>`select event, target from notification_outbox where payload ->> 'id' = ${events[0]!.data.id}`
    )
    expect(outbox).toEqual([{ event: "assistant.handoff", target: "office@example.com" }])
  })

  it("a 20,000-character message is a 400 problem naming the field: no model called, no quota spent", async () => {
    const before = await usageCount(home)
    for (const message of ["ز".repeat(20_000), "a".repeat(2001)]) {
      const response = await chatRaw(home, { message, locale: "ar" })
      expect(response.status).toBe(400)
      expect(response.headers.get("content-type")).toContain("application/problem+json")
      expect((await response.json()).errors[0].path).toEqual(["message"])
    }
    // A body past the API's 1 MiB is refused before it is read.
    expect((await chatRaw(home, { message: "a".repeat(1_100_000), locale: "en" })).status).toBe(413)
    expect(await usageCount(home)).toBe(before)
  })

  it("bad input is a 400 problem, never a 5xx", async () => {
    for (const body of [
      {},
      { message: "", locale: "ar" },
      { message: "hi", locale: "fr" },
      { message: "hi\u0000", locale: "en" },
      { message: "hi", locale: "en", conversationId: "not-a-uuid", token: "x".repeat(43) },
      { message: "hi", locale: "en", token: "short" },
      { message: "hi", locale: "en", email: "nope" },
      "{not json"
    ]) {
      const response = await chatRaw(home, body)
      expect(response.status).toBe(400)
      expect(response.headers.get("content-type")).toContain("application/problem+json")
    }
  })

  it("an unknown conversation, a wrong token or another tenant's conversation is a 404", async () => {
    const events = await chat(home, { message: "Which payment methods do you accept?", locale: "en" })
    const { id, token } = events[0]!.data
    for (const [tenant, body] of [
      [home, { conversationId: randomUUID(), token }],
      [home, { conversationId: id, token: "y".repeat(43) }],
      [other, { conversationId: id, token }]
    ] as const) {
      const response = await chatRaw(tenant, { message: "And bank transfer?", locale: "en", ...body })
      expect(response.status).toBe(404)
      expect((await response.json()).type).toBe("https://manara.app/problems/conversation-not-found")
    }
    expect((await chatRaw({ id: home.id, slug: "no-such-tenant" } as TenantFixture, { message: "hi", locale: "en" })).status).toBe(404)
  })

  it("a storefront whose assistant is off answers 404", async () => {
    const off = await seedCharity(urls)
    const offOwner = await people.memberOf(off, "owner")
    const put = await people.call("PUT", "/tenant/assistant/settings", offOwner, off.slug, {
      enabled: false,
      tone: "formal",
      handoffEmails: [],
      handoffTelegram: false
    })
    expect(put.status).toBe(200)
    const response = await chatRaw(off, { message: "هل تقبلون الزكاة؟", locale: "ar" })
    expect(response.status).toBe(404)
    expect((await response.json()).type).toBe("https://manara.app/problems/assistant-off")
  })
})

describe("the visitor's conversation: read, live staff replies, handoff", () => {
  it("reads it with the token; a wrong token or another tenant's host is a 404; bad input a 400", async () => {
    const events = await chat(home, { message: "Can I volunteer with you?", locale: "en" })
    const { id, token } = events[0]!.data
    const response = await publicGet(home, `/conversations/${id}?token=${token}`)
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body).toMatchObject({ id, status: "answered" })
    expect(body.messages.map((message: { role: string }) => message.role)).toEqual(["visitor", "assistant"])
    expect(body.messages[1].citations[0].kind).toBe("faq")
    expect((await publicGet(home, `/conversations/${id}?token=${"z".repeat(43)}`)).status).toBe(404)
    expect((await publicGet(other, `/conversations/${id}?token=${token}`)).status).toBe(404)
    expect((await publicGet(home, `/conversations/${id}`)).status).toBe(400)
    expect((await publicGet(home, `/conversations/not-a-uuid?token=${token}`)).status).toBe(400)
  })

  it("the handoff button flags the conversation, keeps the email and notifies staff; wrong token 404", async () => {
    const events = await chat(home, { message: "Can I volunteer with you?", locale: "en" })
    const { id, token } = events[0]!.data
    const handoff = (tenant: TenantFixture, body: unknown) =>
      fetch(`${api.url}/api/v1/public/assistant/conversations/${id}/handoff`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
        body: JSON.stringify(body)
      })
    expect((await handoff(home, { token: "w".repeat(43) })).status).toBe(404)
    expect((await handoff(other, { token })).status).toBe(404)
    expect((await handoff(home, { token, email: "bad" })).status).toBe(400)
    const response = await handoff(home, { token, email: "me@example.com" })
    expect(response.status).toBe(200)
    expect((await response.json()).status).toBe("handed_off")
    const [row] = await rowsOf(
      urls,
      home.id,
      (sql) => sql<{ visitor_email: string }>`select visitor_email from ai_conversations where id = ${id}`
    )
    expect(row!.visitor_email).toBe("me@example.com")
    const outbox = await rowsOf(
      urls,
      home.id,
      (sql) => sql<{ event: string }>`select event from notification_outbox where payload ->> 'id' = ${id}`
    )
    expect(outbox.map((r) => r.event)).toContain("assistant.handoff")
  })

  it("a staff reply reaches the open widget's event stream; another conversation's stream hears nothing", async () => {
    const mine = await chat(home, { message: "أريد التحدث مع موظف", locale: "ar" })
    const elsewhere = await chat(home, { message: "I want to speak to a person", locale: "en" })
    const { id, token } = mine[0]!.data
    expect((await publicGet(home, `/conversations/${id}/events?token=${"v".repeat(43)}`)).status).toBe(404)
    expect((await publicGet(other, `/conversations/${id}/events?token=${token}`)).status).toBe(404)

    const controller = new AbortController()
    const open = (conversation: string, secret: string) =>
      fetch(`${api.url}/api/v1/public/assistant/conversations/${conversation}/events?token=${secret}`, {
        headers: { "x-forwarded-host": hostOf(home) },
        signal: controller.signal
      })
    const [response, otherStream] = await Promise.all([open(id, token), open(elsewhere[0]!.data.id, elsewhere[0]!.data.token)])
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    const read = (stream: Response) => {
      const reader = stream.body!.getReader()
      const state = { text: "" }
      const until = async (needle: string, ms = 5000) => {
        const deadline = Date.now() + ms
        while (!state.text.includes(needle) && Date.now() < deadline) {
          const { value } = await Promise.race([
            reader.read(),
            new Promise<{ value: undefined }>((resolve) => setTimeout(() => resolve({ value: undefined }), 300))
          ])
          if (value !== undefined) state.text += new TextDecoder().decode(value)
        }
      }
      return { state, until }
    }
    const widget = read(response)
    const bystander = read(otherStream)
    await Promise.all([widget.until("retry:"), bystander.until("retry:")])
    const reply = await people.call("POST", `/tenant/assistant/conversations/${id}/replies`, owner, home.slug, {
      body: "أهلًا، كيف نساعدك؟"
    })
    expect(reply.status).toBe(201)
    await widget.until("أهلًا، كيف نساعدك؟")
    await bystander.until("event: message", 800)
    controller.abort()
    const [message] = parseSse(widget.state.text.replace(/^retry: \d+\n\n/, ""))
    expect(message).toMatchObject({ event: "message", data: { role: "staff", body: "أهلًا، كيف نساعدك؟", citations: [] } })
    // The event carries the message's id, so a reconnecting EventSource can say what it saw last.
    expect(widget.state.text).toContain(`\nid: ${message!.data.id}\n\n`)
    expect(bystander.state.text).not.toContain("event: message")
  }, 20_000)
})
