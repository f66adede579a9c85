import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import {
  apiEnv,
  apiPeople,
  asOwnerInTenant,
  createTenant,
  onOneKuwaitDay,
  sesEmailsTo,
  sesEnv,
  startTelegramFake,
  type TelegramFake,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest"

// Deliveries happen in the background: a test waits for them up to 15 s on a busy machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 })

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")
const ses = inject("manaraSes")

const BOT_TOKEN = "7700:never-in-a-log-or-a-row"
const MAX_ATTEMPTS = 3

let telegram: TelegramFake
let api: StartedApi
let home: TenantFixture
let other: TenantFixture
/** Not in NOTIFY_TENANTS: its rows are for nobody here. */
let outsider: TenantFixture
let projectSlug: string
const staffChat = String(Math.floor(Math.random() * 1e9))
const logged: Array<string> = []

const env = (tenants: ReadonlyArray<TenantFixture>) =>
  apiEnv(
    urls,
    pool,
    {
      CAPTURE_LIMIT_PER_IP: "100000",
      CAPTURE_LIMIT_PER_TENANT: "100000",
      ...sesEnv(ses),
      NOTIFY_DELIVERY: "true",
      NOTIFY_TENANTS: tenants.map((tenant) => tenant.id).join(","),
      NOTIFY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      NOTIFY_BACKOFF_BASE: "200 millis",
      NOTIFY_BACKOFF_MAX: "1 second",
      NOTIFY_LEASE: "2 seconds",
      NOTIFY_POLL: "300 millis",
      NOTIFY_REMINDERS_EVERY: "1 second",
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      STOREFRONT_ORIGIN: "http://{slug}.manara.test",
      WEB_ORIGIN: "http://web.manara.test",
      LOG_LEVEL: "Info"
    },
    s3
  )

const people = apiPeople(() => api.url, urls, pool)

const rows = <A extends object>(tenant: TenantFixture, query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

/** Waits for `check` to hold (the fibers work in the background), up to `ms`. */
const eventually = async <A>(check: () => A | undefined | Promise<A | undefined>, ms = 15_000): Promise<A> => {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface OutboxRow {
  id: string
  status: string
  attempts: number
  last_error: string | null
  payload: Record<string, unknown>
  dedupe_key: string
}

const outboxRow = (tenant: TenantFixture, dedupeKey: string) =>
  rows(
    tenant,
    (sql) =>
      sql<OutboxRow>`select id, status, attempts, last_error, payload, dedupe_key from notification_outbox where dedupe_key = ${dedupeKey}`
  ).then((found) => found[0])

const settled = (tenant: TenantFixture, dedupeKey: string, status: "sent" | "dead") =>
  eventually(() => outboxRow(tenant, dedupeKey).then((row) => (row?.status === status ? row : undefined)))

/** An outbox row as a capture would have written it; `state` makes it one a worker already holds. */
const enqueue = (
  tenant: TenantFixture,
  row: { channel: "email" | "telegram"; target: string; event?: string; payload?: Record<string, unknown>; leasedFor?: string }
) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const key = `test:${randomUUID()}`
        const payload = JSON.stringify(
          row.payload ?? { kind: "donation", id: randomUUID(), reference: "DON-2026-000777", amount: "5.000", name: "سارة" }
        )
        yield* row.leasedFor === undefined
          ? sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key)
          values (${tenant.id}, ${row.event ?? "capture.created"}, ${payload}::jsonb, ${row.channel}, ${row.target}, ${key})`
          : sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key, status, attempts, lease_owner, leased_until)
          values (${tenant.id}, ${row.event ?? "capture.created"}, ${payload}::jsonb, ${row.channel}, ${row.target}, ${key},
            'sending', 1, gen_random_uuid(), now() + ${row.leasedFor}::interval)`
        return key
      })
    )
  )

const prepare = (tenantId: TenantId, slug: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({
      bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
      contact: { email: "office@example.com" }
    })}::jsonb, branding = ${JSON.stringify({ primaryColour: "#123456", accentColour: "#abcdef", tagline: { ar: "", en: "" } })}::jsonb
      where id = ${tenantId}`
    yield* asOwnerInTenant(
      tenantId,
      sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
        values (${tenantId}, 'project', ${slug}, 'بئر ماء', 'A water well', 1000, 'zakat', 'active')`
    )
  })

beforeAll(async () => {
  telegram = await startTelegramFake()
  ;[home, other, outsider] = (await withOwner(
    urls,
    Effect.all([
      createTenant({ nameAr: "جمعية النور", nameEn: "Al Noor Society" }),
      createTenant({ nameAr: "مسجد الفجر", nameEn: "Al Fajr Mosque" }),
      createTenant()
    ])
  )) as [TenantFixture, TenantFixture, TenantFixture]
  projectSlug = `well-${randomUUID().slice(0, 6)}`
  await withOwner(urls, Effect.all([prepare(home.id, projectSlug), prepare(other.id, projectSlug), prepare(outsider.id, projectSlug)]))
  await withOwner(
    urls,
    asOwnerInTenant(
      home.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql`insert into notification_preferences (tenant_id, channel, target, locale) values (${home.id}, 'telegram', ${staffChat}, 'ar')`
      )
    )
  )
  const log = console.log
  vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => {
    logged.push(args.map(String).join(" "))
    log(...args)
  })
  api = await startApi(env([home, other]))
})
afterAll(async () => {
  await api?.close()
  await telegram?.close()
  vi.restoreAllMocks()
})

const donate = (tenant: TenantFixture, donor: Record<string, unknown>) =>
  fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.manara.test` },
    body: JSON.stringify({ amount: "25.000", project: projectSlug, donor, paymentMethod: "bank_transfer" })
  }).then(async (response) => {
    expect(response.status).toBe(201)
    return (await response.json()) as { reference: string; receiptToken: string }
  })

describe("a capture's notifications", () => {
  it("the donor's email through SES: Arabic subject and body first, the receipt link and PDF, donor text escaped; staff hear on Telegram", async () => {
    const email = `donor-${randomUUID().slice(0, 8)}@example.com`
    const receipt = await donate(home, { name: `<img src=x onerror=alert(1)> "أم" & محمد`, phone: "+965 5000 1234", email })
    const [donation] = await rows(home, (sql) => sql<{ id: string }>`select id from donations where reference = ${receipt.reference}`)

    const [mail] = await eventually(async () => {
      const found = await sesEmailsTo(ses, email)
      return found.length > 0 ? found : undefined
    })
    expect(mail!.destination.to).toEqual([email])
    expect(mail!.subject).toContain("شكرًا لك")
    expect(mail!.subject).toContain(receipt.reference)
    const text = mail!.body.text!
    // Arabic first, English after it.
    expect(text.indexOf("المبلغ")).toBeGreaterThan(-1)
    expect(text.indexOf("المبلغ")).toBeLessThan(text.indexOf("Amount"))
    expect(text).toContain("٢٥٫٠٠٠ د.ك")
    expect(text).toContain("بئر ماء")
    expect(text).toContain(`http://${home.slug}.manara.test/thanks/${receipt.receiptToken}`)
    const html = mail!.body.html!
    expect(html).toContain(`dir="rtl"`)
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;")
    expect(html).not.toContain("<img")
    expect(html).toContain("#123456")
    expect(html).toContain("جمعية النور")
    expect(mail!.attachments).toHaveLength(1)
    expect(mail!.attachments[0]).toMatchObject({ contentType: "application/pdf", filename: `${receipt.reference}.pdf` })
    expect(Buffer.from(mail!.attachments[0]!.content, "base64").subarray(0, 5).toString()).toBe("%PDF-")
    const key = `donation:${donation!.id}:receipt`
    expect(mail!.headers?.find((header) => header.name.toLowerCase() === "x-manara-idempotency-key")?.value).toBe(key)
    expect((await settled(home, key, "sent")).attempts).toBe(1)

    const staff = await eventually(() =>
      telegram.received().find((message) => message.chatId === staffChat && message.text.includes(receipt.reference))
    )
    expect(staff.token).toBe(BOT_TOKEN)
    expect(staff.parseMode).toBe("HTML")
    expect(staff.idempotencyKey).toBe(`donation:${donation!.id}:telegram:${staffChat}`)
    expect(staff.text).toContain("تبرع جديد")
    expect(staff.text.indexOf("تبرع جديد")).toBeLessThan(staff.text.indexOf("New donation"))
    expect(staff.text).toContain("&lt;img")
    expect(staff.text).toContain(`http://web.manara.test/dashboard/${home.slug}/inbox/donation/${donation!.id}`)
  })

  it("staff marking the payment received sends the donor the final receipt, once", async () => {
    const owner = await people.memberOf(home, "owner")
    const email = `paid-${randomUUID().slice(0, 8)}@example.com`
    const receipt = await donate(home, { name: "Fatima", phone: "+965 5000 4321", email })
    const [donation] = await rows(home, (sql) => sql<{ id: string }>`select id from donations where reference = ${receipt.reference}`)
    const marked = await people.call("POST", `/tenant/inbox/donation/${donation!.id}/payment`, owner, home.slug, { state: "received" })
    expect(marked.status).toBe(200)
    const key = `donation:${donation!.id}:payment.received`
    await settled(home, key, "sent")
    const mails = await sesEmailsTo(ses, email)
    const paid = mails.filter((mail) => mail.subject.includes("استلمنا دفعتك"))
    expect(paid).toHaveLength(1)
    expect(paid[0]!.body.text).toContain(`/thanks/${receipt.receiptToken}`)
    expect(paid[0]!.attachments[0]?.contentType).toBe("application/pdf")
  })

  it("an invitee receives the invitation and accepts it from the link; the token leaves the outbox once sent", async () => {
    const owner = await people.memberOf(home, "owner")
    const invitee = await people.person("invitee")
    const invited = await people.call("POST", "/tenant/invitations", owner, home.slug, { email: invitee.email, role: "member" })
    expect(invited.status).toBe(201)
    const { invitation } = (await invited.json()) as { invitation: { id: string } }
    const row = await settled(home, `invitation:${invitation.id}`, "sent")
    expect(row.payload.token).toBeUndefined()
    const [mail] = await sesEmailsTo(ses, invitee.email)
    expect(mail!.subject).toContain("دعوة للانضمام إلى جمعية النور")
    const link = /http:\/\/web\.manara\.test\/invite\?tenant=[^\s]+/.exec(mail!.body.text!)![0]
    const url = new URL(link)
    expect(url.searchParams.get("tenant")).toBe(home.slug)
    const accepted = await people.call("POST", "/tenant/invitations/accept", invitee, home.slug, { token: url.searchParams.get("token") })
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toMatchObject({ role: "member" })
  })

  it("a monthly pledge's instalment due today: the pledger is reminded once, with that instalment's amount", async () => {
    await onOneKuwaitDay(async (today) => {
      const email = `pledger-${randomUUID().slice(0, 8)}@example.com`
      const response = await fetch(`${api.url}/api/v1/public/pledges`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-host": `${home.slug}.manara.test` },
        body: JSON.stringify({
          amount: "100.000",
          project: projectSlug,
          schedule: "monthly",
          instalments: 3,
          dueDate: today,
          donor: { name: "Huda", phone: "+965 5000 2222", email }
        })
      })
      expect(response.status).toBe(201)
      const { reference } = (await response.json()) as { reference: string }
      const [pledge] = await rows(home, (sql) => sql<{ id: string }>`select id from pledges where reference = ${reference}`)
      const key = `pledge:${pledge!.id}:due:${today}`
      await settled(home, key, "sent")
      // Another round of the reminders writes nothing new.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      const reminders = (await sesEmailsTo(ses, email)).filter((mail) => mail.subject.includes("تذكير"))
      expect(reminders).toHaveLength(1)
      expect(reminders[0]!.subject).toContain(reference)
      expect(reminders[0]!.body.text).toContain("٣٣٫٣٣٣ د.ك")
      expect(reminders[0]!.body.text).toContain("1 / 3")
      expect(reminders[0]!.body.text).toContain(today)
    })
  }, 20_000)

  it("a capture that rolls back leaves no row, so nothing is sent", async () => {
    const target = `rolled-${randomUUID().slice(0, 8)}@example.com`
    const attempt = withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key)
        values (${home.id}, 'capture.receipt', '{"kind":"donation"}'::jsonb, 'email', ${target}, ${`test:${randomUUID()}`})`
          return yield* Effect.fail("the capture fails after its outbox row")
        })
      )
    )
    await expect(attempt).rejects.toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(await sesEmailsTo(ses, target)).toHaveLength(0)
  })
})

describe("retries, leases and dead letters", () => {
  it("Telegram answering 429 then 200: delivered after retry_after, with the same key", async () => {
    const chat = String(Math.floor(Math.random() * 1e9))
    telegram.script(chat, [{ status: 429, retryAfter: 1 }])
    const key = await enqueue(home, { channel: "telegram", target: chat })
    const row = await settled(home, key, "sent")
    expect(row.attempts).toBe(2)
    const got = telegram.received().filter((message) => message.chatId === chat)
    expect(got.map((message) => message.answeredWith)).toEqual([429, 200])
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(1_000)
    expect(got.every((message) => message.idempotencyKey === key)).toBe(true)
  })

  it("5xx forever: dead after the last attempt, the error recorded, no secret in the row or the logs", async () => {
    const chat = String(Math.floor(Math.random() * 1e9))
    telegram.script(chat, [], { status: 502 })
    const key = await enqueue(home, { channel: "telegram", target: chat })
    const row = await settled(home, key, "dead")
    expect(row.attempts).toBe(MAX_ATTEMPTS)
    expect(row.last_error).toContain("Telegram 502")
    expect(telegram.received().filter((message) => message.chatId === chat)).toHaveLength(MAX_ATTEMPTS)
    expect(row.last_error).not.toContain(BOT_TOKEN)
    expect(logged.some((line) => line.includes("notification dead-lettered") && line.includes(row.id))).toBe(true)
    expect(logged.filter((line) => line.includes(BOT_TOKEN))).toEqual([])
  })

  it("a worker that died holding a row: after its lease the row is delivered once, with the same key", async () => {
    const chat = String(Math.floor(Math.random() * 1e9))
    const key = await enqueue(home, { channel: "telegram", target: chat, leasedFor: "1 second" })
    const row = await settled(home, key, "sent")
    expect(row.attempts).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const got = telegram.received().filter((message) => message.chatId === chat)
    expect(got).toHaveLength(1)
    expect(got[0]!.idempotencyKey).toBe(key)
  })

  it("two workers draining one outbox deliver each row exactly once", async () => {
    const second = await startApi(env([home, other]))
    try {
      const chat = String(Math.floor(Math.random() * 1e9))
      const keys = await Promise.all(Array.from({ length: 40 }, () => enqueue(home, { channel: "telegram", target: chat })))
      for (const key of keys) await settled(home, key, "sent")
      const got = telegram
        .received()
        .filter((message) => message.chatId === chat)
        .map((message) => message.idempotencyKey)
      expect(got).toHaveLength(40)
      expect(new Set(got)).toEqual(new Set(keys))
    } finally {
      await second.close()
    }
  })
})

describe("tenants", () => {
  it("each row is worded under its own tenant, and a worker leaves tenants it was not given", async () => {
    const email = `other-${randomUUID().slice(0, 8)}@example.com`
    await donate(other, { name: "Ali", phone: "+965 5000 1111", email })
    const [mail] = await eventually(async () => {
      const found = await sesEmailsTo(ses, email)
      return found.length > 0 ? found : undefined
    })
    expect(mail!.body.html).toContain("مسجد الفجر")
    expect(mail!.body.html).not.toContain("جمعية النور")
    expect(mail!.body.text).toContain(`http://${other.slug}.manara.test/thanks/`)

    const key = await enqueue(outsider, { channel: "email", target: `outsider-${randomUUID().slice(0, 8)}@example.com` })
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect((await outboxRow(outsider, key))?.status).toBe("pending")
  })
})

describe("the notifications API", () => {
  const json = async (response: Response) => ({
    status: response.status,
    type: response.headers.get("content-type"),
    body: await response.json()
  })

  it("preferences: add, list, refuse a duplicate and bad input as problems, remove; a test message reaches the chat and the log", async () => {
    const owner = await people.memberOf(home, "owner")
    const chat = String(Math.floor(Math.random() * 1e9))
    const added = await json(
      await people.call("POST", "/tenant/notifications/preferences", owner, home.slug, { channel: "telegram", target: chat, locale: "en" })
    )
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({ channel: "telegram", target: chat, events: ["capture.created"], locale: "en", enabled: true })
    const again = await json(
      await people.call("POST", "/tenant/notifications/preferences", owner, home.slug, { channel: "telegram", target: chat })
    )
    expect(again).toMatchObject({
      status: 409,
      type: "application/problem+json",
      body: { type: expect.stringContaining("preference-exists") }
    })
    const badChat = await json(
      await people.call("POST", "/tenant/notifications/preferences", owner, home.slug, { channel: "telegram", target: "@someone" })
    )
    expect(badChat.status).toBe(400)
    expect(badChat.type).toBe("application/problem+json")
    expect(JSON.stringify(badChat.body.errors)).toContain("target")
    const badEmail = await json(
      await people.call("POST", "/tenant/notifications/preferences", owner, home.slug, { channel: "email", target: "not an email" })
    )
    expect(badEmail.status).toBe(400)
    const badEvent = await json(
      await people.call("POST", "/tenant/notifications/preferences", owner, home.slug, {
        channel: "email",
        target: "a@example.com",
        events: ["everything"]
      })
    )
    expect(badEvent.status).toBe(400)
    const listed = await json(await people.call("GET", "/tenant/notifications/preferences", owner, home.slug))
    expect(listed.body.map((preference: { id: string }) => preference.id)).toContain(added.body.id)

    const test = await json(await people.call("POST", `/tenant/notifications/preferences/${added.body.id}/test`, owner, home.slug))
    expect(test).toMatchObject({ status: 202, body: { event: "notification.test", channel: "telegram", target: chat, status: "pending" } })
    const message = await eventually(() => telegram.received().find((received) => received.chatId === chat))
    expect(message.text).toContain("رسالة تجريبية")
    const log = await eventually(async () => {
      const deliveries = await json(await people.call("GET", "/tenant/notifications/deliveries", owner, home.slug))
      return deliveries.body.find((delivery: { id: string; status: string }) => delivery.id === test.body.id && delivery.status === "sent")
    })
    expect(log).toMatchObject({ attempts: 1, lastError: null, sentAt: expect.stringMatching(/Z$/) })

    expect((await people.call("DELETE", `/tenant/notifications/preferences/${added.body.id}`, owner, home.slug)).status).toBe(204)
    expect((await people.call("DELETE", `/tenant/notifications/preferences/${added.body.id}`, owner, home.slug)).status).toBe(404)
    expect((await people.call("GET", "/tenant/notifications/preferences/not-a-uuid/test", owner, home.slug)).status).toBe(404)
    expect((await people.call("POST", "/tenant/notifications/preferences/not-a-uuid/test", owner, home.slug)).status).toBe(400)
  })

  it("the delivery log shows a dead letter with its error, and retrying it delivers it; no secret in any answer", async () => {
    const owner = await people.memberOf(home, "owner")
    const chat = String(Math.floor(Math.random() * 1e9))
    telegram.script(chat, [{ status: 503 }, { status: 503 }, { status: 503 }])
    const key = await enqueue(home, { channel: "telegram", target: chat })
    const dead = await settled(home, key, "dead")
    const letters = await people.call("GET", "/tenant/notifications/deliveries?status=dead", owner, home.slug)
    const text = await letters.text()
    expect(text).not.toContain(BOT_TOKEN)
    const letter = (JSON.parse(text) as Array<{ id: string; lastError: string; attempts: number }>).find(
      (delivery) => delivery.id === dead.id
    )
    expect(letter).toMatchObject({ attempts: MAX_ATTEMPTS, lastError: expect.stringContaining("Telegram 503") })
    expect((await people.call("GET", "/tenant/notifications/deliveries?status=lost", owner, home.slug)).status).toBe(400)

    const retried = await json(await people.call("POST", `/tenant/notifications/deliveries/${dead.id}/retry`, owner, home.slug))
    expect(retried).toMatchObject({ status: 200, body: { status: "pending", attempts: 0 } })
    const sent = await settled(home, key, "sent")
    expect(sent.attempts).toBe(1)
    const notDead = await json(await people.call("POST", `/tenant/notifications/deliveries/${dead.id}/retry`, owner, home.slug))
    expect(notDead).toMatchObject({ status: 409, type: "application/problem+json" })
  })

  it("another tenant's preferences and log are invisible, its ids are 404; members cannot see it, strangers are 401", async () => {
    const owner = await people.memberOf(home, "owner")
    const otherOwner = await people.memberOf(other, "owner")
    const member = await people.memberOf(home, "member")
    const chat = String(Math.floor(Math.random() * 1e9))
    const mine = await json(
      await people.call("POST", "/tenant/notifications/preferences", owner, home.slug, { channel: "telegram", target: chat })
    )
    const key = await enqueue(home, { channel: "telegram", target: chat })
    const row = await settled(home, key, "sent")

    const theirs = await json(await people.call("GET", "/tenant/notifications/preferences", otherOwner, other.slug))
    expect(theirs.body.map((preference: { id: string }) => preference.id)).not.toContain(mine.body.id)
    const theirLog = await json(await people.call("GET", "/tenant/notifications/deliveries", otherOwner, other.slug))
    expect(theirLog.body.map((delivery: { id: string }) => delivery.id)).not.toContain(row.id)
    expect((await people.call("DELETE", `/tenant/notifications/preferences/${mine.body.id}`, otherOwner, other.slug)).status).toBe(404)
    expect((await people.call("POST", `/tenant/notifications/preferences/${mine.body.id}/test`, otherOwner, other.slug)).status).toBe(404)
    expect((await people.call("POST", `/tenant/notifications/deliveries/${row.id}/retry`, otherOwner, other.slug)).status).toBe(404)
    // Naming the other tenant is no way in either.
    expect((await people.call("GET", "/tenant/notifications/deliveries", otherOwner, home.slug)).status).toBe(404)
    expect((await people.call("GET", "/tenant/notifications/deliveries", member, home.slug)).status).toBe(403)
    expect((await people.call("GET", "/tenant/notifications/deliveries", undefined, home.slug)).status).toBe(401)
  })
})
