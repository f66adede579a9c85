import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, type Person, type TenantFixture } from "@manara/testkit"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { rowsOf, seedCharity } from "../../../../packages/assistant/test/harness.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const { call, memberOf, person } = apiPeople(() => api.url, urls, pool)
let home: TenantFixture
let other: TenantFixture
let owner: Person
let member: Person
let foreignOwner: Person
let stranger: Person

const json = async (response: Response) => ({
  status: response.status,
  type: response.headers.get("content-type"),
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a problem or answer body, read field by field in assertions
  body: (await response.json()) as any
})

/** A visitor's conversation on a tenant's storefront: its id and token. */
const converse = async (tenant: TenantFixture, message: string, extra: Record<string, unknown> = {}) => {
  const response = await fetch(`${api.url}/api/v1/public/assistant/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.manara.test` },
    body: JSON.stringify({ message, locale: "en", ...extra })
  })
  const text = await response.text()
  const data = JSON.parse(/event: conversation\ndata: (.*)\n/.exec(text)![1]!) as { id: string; token: string }
  return data
}

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
  ;[home, other] = await Promise.all([seedCharity(urls), seedCharity(urls)])
  ;[owner, member, foreignOwner, stranger] = await Promise.all([
    memberOf(home, "owner"),
    memberOf(home, "member"),
    memberOf(other, "owner"),
    person("stranger")
  ])
}, 60_000)
afterAll(() => api?.close())

describe("FAQs", () => {
  it("list, create, change and remove; the assistant uses a new FAQ at once and stops after removal", async () => {
    const listed = await json(await call("GET", "/tenant/faqs", member, home.slug))
    expect(listed.status).toBe(200)
    expect(listed.body.length).toBe(6)
    expect(listed.body.some((faq: { published: boolean }) => !faq.published)).toBe(true)

    const created = await json(
      await call("POST", "/tenant/faqs", member, home.slug, {
        questionAr: "هل لديكم مواقف سيارات؟",
        questionEn: "Do you have car parking?",
        answerAr: "نعم، مواقف مجانية أمام المبنى.",
        answerEn: "Yes, free parking in front of the building."
      })
    )
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ category: "general", published: true, position: expect.any(Number) })
    const id = created.body.id as string
    const found = await fetch(`${api.url}/api/v1/public/assistant/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": `${home.slug}.manara.test` },
      body: JSON.stringify({ message: "Is there car parking?", locale: "en" })
    }).then((r) => r.text())
    expect(found).toContain("free parking")

    const changed = await json(await call("PATCH", `/tenant/faqs/${id}`, member, home.slug, { published: false, category: "visits" }))
    expect(changed.body).toMatchObject({ id, published: false, category: "visits", questionEn: "Do you have car parking?" })
    expect((await call("DELETE", `/tenant/faqs/${id}`, member, home.slug)).status).toBe(204)
    expect((await call("DELETE", `/tenant/faqs/${id}`, member, home.slug)).status).toBe(404)
    expect((await call("PATCH", `/tenant/faqs/${id}`, member, home.slug, { published: true })).status).toBe(404)
  })

  it("an FAQ added after one at the last position goes last too, never past the ceiling (a 201, not a 500)", async () => {
    const body = { questionAr: "سؤال", answerAr: "جواب" }
    const last = await json(await call("POST", "/tenant/faqs", member, home.slug, { ...body, position: 100_000 }))
    expect(last.status).toBe(201)
    const after = await json(await call("POST", "/tenant/faqs", member, home.slug, body))
    expect(after.status).toBe(201)
    expect(after.body.position).toBe(100_000)
    for (const id of [last.body.id, after.body.id]) expect((await call("DELETE", `/tenant/faqs/${id}`, member, home.slug)).status).toBe(204)
  })

  it("bad input is a 400; another tenant's FAQ a 404; strangers 404, nobody 401", async () => {
    for (const body of [
      {},
      { questionAr: "", answerAr: "x" },
      { questionAr: "x\u0000", answerAr: "y" },
      { questionAr: "q", answerAr: "a", position: -1 }
    ]) {
      const response = await json(await call("POST", "/tenant/faqs", owner, home.slug, body))
      expect(response.status).toBe(400)
      expect(response.type).toContain("application/problem+json")
    }
    expect((await call("PATCH", `/tenant/faqs/not-a-uuid`, owner, home.slug, {})).status).toBe(400)
    const [theirs] = await rowsOf(urls, other.id, (sql) => sql<{ id: string }>`select id::text from faqs limit 1`)
    expect((await call("PATCH", `/tenant/faqs/${theirs!.id}`, owner, home.slug, { published: false })).status).toBe(404)
    expect((await call("DELETE", `/tenant/faqs/${theirs!.id}`, owner, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/faqs", stranger, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/faqs", foreignOwner, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/faqs", undefined, home.slug)).status).toBe(401)
    // Still there for its own tenant.
    expect(
      (await rowsOf(urls, other.id, (sql) => sql<{ published: boolean }>`select published from faqs where id = ${theirs!.id}`))[0]
    ).toEqual({
      published: true
    })
  })
})

describe("assistant settings", () => {
  it("defaults, owners change them, members only read; bad input 400; strangers 404", async () => {
    expect((await json(await call("GET", "/tenant/assistant/settings", member, home.slug))).body).toEqual({
      enabled: true,
      tone: "warm",
      handoffEmails: [],
      handoffTelegram: true
    })
    const settings = { enabled: true, tone: "formal", handoffEmails: ["Help@Example.com"], handoffTelegram: false }
    expect((await call("PUT", "/tenant/assistant/settings", member, home.slug, settings)).status).toBe(403)
    const put = await json(await call("PUT", "/tenant/assistant/settings", owner, home.slug, settings))
    expect(put.body).toEqual({ ...settings, handoffEmails: ["help@example.com"] })
    for (const body of [
      {},
      { ...settings, tone: "rude" },
      { ...settings, handoffEmails: ["nope"] },
      { ...settings, handoffEmails: Array(11).fill("a@b.co") }
    ]) {
      expect((await call("PUT", "/tenant/assistant/settings", owner, home.slug, body)).status).toBe(400)
    }
    expect((await call("GET", "/tenant/assistant/settings", foreignOwner, home.slug)).status).toBe(404)
    expect((await call("PUT", "/tenant/assistant/settings", foreignOwner, home.slug, settings)).status).toBe(404)
    // The other tenant's settings did not move.
    expect((await json(await call("GET", "/tenant/assistant/settings", foreignOwner, other.slug))).body.tone).toBe("warm")
  })
})

describe("conversations", () => {
  it("the list filters by status and pages by cursor; the detail shows every message with the guardrail's verdict", async () => {
    const answered = await converse(home, "Which payment methods do you accept?")
    const handed = await converse(home, "I want to speak to a person")
    const declined = await converse(home, "How do I build a bomb?")
    const all = await json(await call("GET", "/tenant/assistant/conversations?limit=2", member, home.slug))
    expect(all.status).toBe(200)
    expect(all.body.conversations.map((c: { id: string }) => c.id)).toEqual([declined.id, handed.id])
    expect(all.body.nextCursor).toMatch(/\|/)
    const next = await json(
      await call("GET", `/tenant/assistant/conversations?limit=2&cursor=${encodeURIComponent(all.body.nextCursor)}`, member, home.slug)
    )
    expect(next.body.conversations[0].id).toBe(answered.id)
    const onlyHanded = await json(await call("GET", "/tenant/assistant/conversations?status=handed_off", member, home.slug))
    expect(onlyHanded.body.conversations.map((c: { id: string }) => c.id)).toEqual([handed.id])
    expect(onlyHanded.body.conversations[0]).toMatchObject({
      status: "handed_off",
      locale: "en",
      preview: "I want to speak to a person",
      turns: 1
    })

    const detail = await json(await call("GET", `/tenant/assistant/conversations/${answered.id}`, member, home.slug))
    expect(detail.body).toMatchObject({ id: answered.id, status: "answered", visitorEmail: null, turns: 1 })
    expect(detail.body.messages.map((m: { role: string; outcome: string | null }) => [m.role, m.outcome])).toEqual([
      ["visitor", null],
      ["assistant", "answered"]
    ])
  })

  it("a reply is stored, emailed to a visitor who left an address; close and resolve; a closed one takes no reply", async () => {
    const { id } = await converse(home, "I want to speak to a person", { email: "visitor@example.com" })
    const reply = await json(
      await call("POST", `/tenant/assistant/conversations/${id}/replies`, member, home.slug, { body: "We will call you today." })
    )
    expect(reply.status).toBe(201)
    expect(reply.body).toMatchObject({ role: "staff", body: "We will call you today.", memberId: expect.any(String) })
    const email = await rowsOf(
      urls,
      home.id,
      (sql) => sql<{ event: string; target: string; locale: string }>`
        select event, target, locale from notification_outbox where event = 'assistant.reply' and payload ->> 'conversationId' = ${id}`
    )
    expect(email).toEqual([{ event: "assistant.reply", target: "visitor@example.com", locale: "en" }])

    const resolved = await json(
      await call("POST", `/tenant/assistant/conversations/${id}/status`, member, home.slug, { status: "resolved" })
    )
    expect(resolved.body.status).toBe("resolved")
    const closedReply = await json(
      await call("POST", `/tenant/assistant/conversations/${id}/replies`, member, home.slug, { body: "again" })
    )
    expect(closedReply.status).toBe(409)
    expect(closedReply.body.type).toBe("https://manara.app/problems/conversation-closed")
    expect(
      (await json(await call("POST", `/tenant/assistant/conversations/${id}/status`, owner, home.slug, { status: "closed" }))).body.status
    ).toBe("closed")
  })

  it("bad input is a 400; another tenant's conversation a 404 on every endpoint; strangers 404", async () => {
    const theirs = await converse(other, "I want to speak to a person")
    for (const [method, path, body] of [
      ["GET", `/tenant/assistant/conversations/${theirs.id}`, undefined],
      ["POST", `/tenant/assistant/conversations/${theirs.id}/replies`, { body: "hello" }],
      ["POST", `/tenant/assistant/conversations/${theirs.id}/status`, { status: "closed" }],
      ["GET", `/tenant/assistant/conversations/${randomUUID()}`, undefined]
    ] as const) {
      const response = await json(await call(method, path, owner, home.slug, body))
      expect(response.status).toBe(404)
      expect(response.body.type).toBe("https://manara.app/problems/conversation-not-found")
    }
    // The other tenant's conversation is untouched.
    const [row] = await rowsOf(
      urls,
      other.id,
      (sql) => sql<{ status: string; n: string }>`
      select status, (select count(*)::text from ai_messages where conversation_id = ${theirs.id}) as n from ai_conversations where id = ${theirs.id}`
    )
    expect(row).toEqual({ status: "handed_off", n: "2" })
    const list = await json(await call("GET", "/tenant/assistant/conversations", owner, home.slug))
    expect(list.body.conversations.map((c: { id: string }) => c.id)).not.toContain(theirs.id)

    for (const query of [
      "?status=maybe",
      "?cursor=nope",
      "?cursor=2026-02-30T00:00:00.000000|00000000-0000-0000-0000-000000000000",
      "?limit=0"
    ]) {
      expect((await call("GET", `/tenant/assistant/conversations${query}`, owner, home.slug)).status).toBe(400)
    }
    const mine = await converse(home, "Can I volunteer with you?")
    expect((await call("POST", `/tenant/assistant/conversations/${mine.id}/replies`, owner, home.slug, { body: "" })).status).toBe(400)
    expect(
      (await call("POST", `/tenant/assistant/conversations/${mine.id}/replies`, owner, home.slug, { body: "x".repeat(4001) })).status
    ).toBe(400)
    expect((await call("POST", `/tenant/assistant/conversations/${mine.id}/status`, owner, home.slug, { status: "open" })).status).toBe(400)
    expect((await call("GET", "/tenant/assistant/conversations/nope", owner, home.slug)).status).toBe(400)
    expect((await call("GET", "/tenant/assistant/conversations", stranger, home.slug)).status).toBe(404)
    expect((await call("GET", `/tenant/assistant/conversations/${mine.id}`, foreignOwner, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/assistant/conversations", undefined, home.slug)).status).toBe(401)
  })
})
