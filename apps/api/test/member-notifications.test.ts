import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { configKeyOf, SecretsLive, TelegramBot, TelegramBotLive, telegramTokenRef } from "@manara/notifications"
import {
  apiEnv,
  apiPeople,
  asOwnerInTenant,
  createTenant,
  type Person,
  sesEmailsTo,
  sesEnv,
  startTelegramFake,
  type TelegramFake,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { ConfigProvider, Effect, Layer } from "effect"
import { execFileSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest"

// Deliveries happen in the background: a test waits for them up to 15 s on a busy machine.
vi.setConfig({ testTimeout: 40_000, hookTimeout: 60_000 })

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")
const ses = inject("manaraSes")

/** The tenant's own bot: its token only in configuration, under the name its secret reference maps to. */
const TENANT_BOT_TOKEN = `8800:tenant-bot-${randomUUID()}`
const PLATFORM_BOT_TOKEN = `7700:platform-bot-${randomUUID()}`

let telegram: TelegramFake
let api: StartedApi
let env: Record<string, string>
let home: TenantFixture
let other: TenantFixture
let owner: Person
let member: Person
let projectSlug: string
const logged: Array<string> = []
/** Every API answer body the tests read: none may hold a token. */
const answers: Array<string> = []

const people = apiPeople(() => api.url, urls, pool)
const call = async (method: string, path: string, person: Person | undefined, tenant: string, body?: unknown) => {
  const response = await people.call(method, path, person, tenant, body)
  const text = await response.text()
  answers.push(text)
  return { status: response.status, type: response.headers.get("content-type") ?? "", json: text === "" ? undefined : JSON.parse(text) }
}

const rows = <A extends object>(tenant: TenantFixture, query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

const eventually = async <A>(check: () => A | undefined | Promise<A | undefined>, ms = 20_000): Promise<A> => {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** What the operator does once per bot (the same code as in production): point its webhook at the API. */
const setWebhook = (tenant: TenantFixture, tokenRef: string | null) =>
  Effect.runPromise(
    Effect.flatMap(TelegramBot, (bot) =>
      bot.setWebhook(tenant.id, tokenRef, `${api.url}/api/v1/public/telegram/${tenant.id}/webhook`)
    ).pipe(
      Effect.provide(TelegramBotLive.pipe(Layer.provide(SecretsLive))),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
  )

const donate = (tenant: TenantFixture) =>
  fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.manara.test` },
    body: JSON.stringify({
      amount: "12.500",
      project: projectSlug,
      donor: { name: "Huda", phone: "+965 5000 1111" },
      paymentMethod: "bank_transfer"
    })
  }).then(async (response) => {
    expect(response.status).toBe(201)
    return (await response.json()) as { reference: string }
  })

/** The member links a chat: a code from the API, sent to the tenant's bot, confirmed by the webhook. */
const link = async (person: Person, chatId: number) => {
  const code = await call("POST", "/tenant/notifications/me/telegram/code", person, home.slug)
  expect(code.status).toBe(201)
  expect(await telegram.userSends(TENANT_BOT_TOKEN, { id: chatId }, `/start ${code.json.code}`)).toBe(200)
  return code.json.code as string
}

beforeAll(async () => {
  telegram = await startTelegramFake()
  ;[home, other] = (await withOwner(
    urls,
    Effect.all([
      createTenant({ nameAr: "جمعية الخير", nameEn: "Al Khair Society" }),
      createTenant({ nameAr: "مسجد الهدى", nameEn: "Al Huda Mosque" })
    ])
  )) as [TenantFixture, TenantFixture]
  projectSlug = `school-${randomUUID().slice(0, 6)}`
  await withOwner(
    urls,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`update tenants set settings = ${JSON.stringify({ bankTransfer: { bank: "KFH", iban: "KW81CBKU0000000000001234560101" } })}::jsonb
      where id = ${home.id}`
      yield* asOwnerInTenant(
        home.id,
        Effect.zipRight(
          sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
        values (${home.id}, 'project', ${projectSlug}, 'مدرسة', 'A school', 1000, 'sadaqah', 'active')`,
          // The operator stores the reference; the token itself is only in configuration (Secrets Manager in production).
          sql`insert into tenant_telegram_bots (tenant_id, token_ref) values (${home.id}, ${telegramTokenRef(home.id)})`
        )
      )
    })
  )
  env = apiEnv(
    urls,
    pool,
    {
      ...sesEnv(ses),
      NOTIFY_DELIVERY: "true",
      NOTIFY_TENANTS: [home.id, other.id].join(","),
      NOTIFY_POLL: "300 millis",
      NOTIFY_LEASE: "2 seconds",
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_BOT_TOKEN: PLATFORM_BOT_TOKEN,
      SECRETS_PROVIDER: "config",
      [configKeyOf(`manara/tenant/${home.id}/telegram`)]: TENANT_BOT_TOKEN,
      WEB_ORIGIN: "http://web.manara.test",
      LOG_LEVEL: "Debug"
    },
    s3
  )
  const log = console.log
  vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => {
    logged.push(args.map(String).join(" "))
    log(...args)
  })
  api = await startApi(env)
  owner = await people.memberOf(home, "owner")
  member = await people.memberOf(home, "member")
  await setWebhook(home, telegramTokenRef(home.id))
})
afterAll(async () => {
  await api?.close()
  await telegram?.close()
  vi.restoreAllMocks()
})

describe("my notification preferences", () => {
  it("start empty, with the member's sign-in email; Telegram events before a link are refused and nothing is saved", async () => {
    const mine = await call("GET", "/tenant/notifications/me", member, home.slug)
    expect(mine.status).toBe(200)
    expect(mine.json).toEqual({ email: member.email, locale: "ar", emailEvents: [], telegramEvents: [], telegram: null })
    const refused = await call("PUT", "/tenant/notifications/me", member, home.slug, {
      locale: "en",
      emailEvents: ["capture.order"],
      telegramEvents: ["capture.donation"]
    })
    expect(refused.status).toBe(409)
    expect(refused.type).toContain("application/problem+json")
    expect(refused.json.type).toBe("https://manara.app/problems/telegram-not-linked")
    expect((await call("GET", "/tenant/notifications/me", member, home.slug)).json.emailEvents).toEqual([])
  })

  it("bad input is a 400 problem, no token 401, another tenant 404", async () => {
    for (const body of [
      { locale: "ar", emailEvents: ["capture.everything"], telegramEvents: [] },
      { locale: "fr", emailEvents: [], telegramEvents: [] },
      { locale: "ar", emailEvents: "capture.order", telegramEvents: [] },
      { emailEvents: [], telegramEvents: [] },
      { locale: "ar", emailEvents: Array(6).fill("capture.order"), telegramEvents: [] }
    ]) {
      const answer = await call("PUT", "/tenant/notifications/me", member, home.slug, body)
      expect(answer.status).toBe(400)
      expect(answer.type).toContain("application/problem+json")
    }
    expect((await call("GET", "/tenant/notifications/me", undefined, home.slug)).status).toBe(401)
    for (const [method, path, body] of [
      ["GET", "/tenant/notifications/me", undefined],
      ["PUT", "/tenant/notifications/me", { locale: "ar", emailEvents: [], telegramEvents: [] }],
      ["POST", "/tenant/notifications/me/telegram/code", undefined],
      ["DELETE", "/tenant/notifications/me/telegram", undefined],
      ["POST", "/tenant/notifications/me/test", undefined]
    ] as const) {
      const foreign = await call(method, path, member, other.slug, body)
      expect(foreign.status).toBe(404)
      expect(foreign.json.type).toBe("https://manara.app/problems/tenant-not-found")
    }
  })

  it("the webhook refuses an update without the bot's secret, for an unknown tenant, and a malformed one", async () => {
    const hook = telegram.webhook(TENANT_BOT_TOKEN)!
    expect(hook.url).toBe(`${api.url}/api/v1/public/telegram/${home.id}/webhook`)
    const post = (url: string, secret: string | undefined, body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }) },
        body: JSON.stringify(body)
      }).then(async (response) => ({ status: response.status, type: response.headers.get("content-type"), body: await response.text() }))
    const update = { update_id: 1, message: { text: "ABCDEFGH", chat: { id: 5 } } }
    for (const answer of [
      await post(hook.url, undefined, update),
      await post(hook.url, "not-the-secret", update),
      // Another tenant's secret (the platform bot's) does not open this tenant's webhook.
      await post(`${api.url}/api/v1/public/telegram/${other.id}/webhook`, hook.secretToken, update),
      await post(`${api.url}/api/v1/public/telegram/${randomUUID()}/webhook`, hook.secretToken, update),
      // A UUID in capitals (the fuzz suite found a 500 here): the same refusal, never a 500.
      await post(`${api.url}/api/v1/public/telegram/FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF/webhook`, hook.secretToken, update)
    ]) {
      expect(answer.status).toBe(403)
      expect(answer.type).toContain("application/problem+json")
      expect(answer.body).toContain("webhook-refused")
    }
    expect((await post(hook.url, hook.secretToken, { update_id: "x" })).status).toBe(400)
    expect((await post(`${api.url}/api/v1/public/telegram/not-a-uuid/webhook`, hook.secretToken, update)).status).toBe(400)
  })

  it("a chat linked by a one-time code hears of what the member chose, through the tenant's own bot; email too", async () => {
    const chatId = Math.floor(Math.random() * 1e9)
    const code = await link(member, chatId)
    // The code is kept only as its hash, and is spent.
    const [row] = await rows(
      home,
      (sql) => sql<{ chat: string; hash: string | null }>`
      select telegram_chat_id as chat, link_code_hash as hash from member_notifications where user_id = ${member.userId}`
    )
    expect(row).toEqual({ chat: String(chatId), hash: null })
    const linked = await eventually(() => telegram.received().find((message) => message.chatId === String(chatId)))
    expect(linked.token).toBe(TENANT_BOT_TOKEN)
    expect(linked.text).toContain("رُبطت هذه المحادثة")
    // The same code again links nothing (someone else's chat cannot take it over).
    expect(await telegram.userSends(TENANT_BOT_TOKEN, { id: chatId + 1 }, code)).toBe(200)
    expect((await call("GET", "/tenant/notifications/me", member, home.slug)).json.telegram.chatId).toBe(String(chatId))

    const set = await call("PUT", "/tenant/notifications/me", member, home.slug, {
      locale: "ar",
      emailEvents: ["capture.donation"],
      telegramEvents: ["capture.donation", "payment.received"]
    })
    expect(set.status).toBe(200)
    expect(set.json).toMatchObject({
      emailEvents: ["capture.donation"],
      telegramEvents: ["capture.donation", "payment.received"],
      telegram: { chatId: String(chatId) }
    })

    // The owner hears only of orders: a donation does not reach them.
    const ownerChat = Math.floor(Math.random() * 1e9)
    await link(owner, ownerChat)
    expect(
      (
        await call("PUT", "/tenant/notifications/me", owner, home.slug, {
          locale: "en",
          emailEvents: [],
          telegramEvents: ["capture.order"]
        })
      ).status
    ).toBe(200)

    const receipt = await donate(home)
    const heard = await eventually(() =>
      telegram.received().find((message) => message.chatId === String(chatId) && message.text.includes(receipt.reference))
    )
    expect(heard.token).toBe(TENANT_BOT_TOKEN)
    expect(heard.text).toContain("تبرع جديد")
    const [mail] = await eventually(async () => {
      const found = (await sesEmailsTo(ses, member.email)).filter((message) => message.subject.includes(receipt.reference))
      return found.length > 0 ? found : undefined
    })
    expect(mail!.subject).toContain("تبرع جديد")
    const [donation] = await rows(home, (sql) => sql<{ id: string }>`select id from donations where reference = ${receipt.reference}`)
    const keys = (
      await rows(
        home,
        (sql) => sql<{ dedupe_key: string }>`select dedupe_key from notification_outbox where payload->>'id' = ${donation!.id}`
      )
    ).map((found) => found.dedupe_key)
    expect(keys).toContain(`donation:${donation!.id}:member:${member.userId}:telegram`)
    expect(keys).not.toContain(`donation:${donation!.id}:member:${owner.userId}:telegram`)

    // The payment received reaches the member in staff words, on Telegram only.
    expect((await call("POST", `/tenant/inbox/donation/${donation!.id}/payment`, owner, home.slug, { state: "received" })).status).toBe(200)
    const paid = await eventually(() =>
      telegram.received().find((message) => message.chatId === String(chatId) && message.text.includes("استُلمت دفعة"))
    )
    expect(paid.text).toContain(receipt.reference)
    expect(telegram.received().some((message) => message.chatId === String(ownerChat) && message.text.includes(receipt.reference))).toBe(
      false
    )
  })

  it("a test message goes to my email and my chat through the outbox and shows in the delivery log; unlinking forgets the chat", async () => {
    const tested = await call("POST", "/tenant/notifications/me/test", member, home.slug)
    expect(tested.status).toBe(202)
    const ids = tested.json as Array<{ id: string; channel: string; event: string }>
    expect(ids.map((row) => row.channel).sort()).toEqual(["email", "telegram"])
    const log = await eventually(async () => {
      const found = await call("GET", "/tenant/notifications/deliveries", owner, home.slug)
      const mine = (found.json as Array<{ id: string; status: string; event: string }>).filter((row) => ids.some((id) => id.id === row.id))
      return mine.length === 2 && mine.every((row) => row.status === "sent") ? mine : undefined
    })
    expect(log.every((row) => row.event === "notification.test")).toBe(true)
    // A member does not read the tenant's log.
    expect((await call("GET", "/tenant/notifications/deliveries", member, home.slug)).status).toBe(403)

    expect((await call("DELETE", "/tenant/notifications/me/telegram", member, home.slug)).status).toBe(204)
    const after = await call("GET", "/tenant/notifications/me", member, home.slug)
    expect(after.json).toMatchObject({ telegram: null, telegramEvents: [], emailEvents: ["capture.donation"] })
  })

  it("a member removed from the tenant hears of nothing more", async () => {
    const leaving = await people.memberOf(home, "member", "leaving")
    expect(
      (
        await call("PUT", "/tenant/notifications/me", leaving, home.slug, {
          locale: "ar",
          emailEvents: ["capture.donation"],
          telegramEvents: []
        })
      ).status
    ).toBe(200)
    const before = await donate(home)
    await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update tenant_members set status = 'removed' where user_id = ${leaving.userId}`)
      )
    )
    const after = await donate(home)
    const targets = (reference: string) =>
      rows(
        home,
        (sql) => sql<{ target: string }>`select o.target from notification_outbox o where o.payload->>'reference' = ${reference}`
      ).then((found) => found.map((row) => row.target))
    expect(await targets(before.reference)).toContain(leaving.email)
    expect(await targets(after.reference)).not.toContain(leaving.email)
  })

  it("no bot token in any database row, API answer or log line", () => {
    const database = new URL(urls.adminUrl)
    database.pathname = `/${urls.database}`
    const dump = execFileSync("pg_dump", ["--data-only", database.href], { maxBuffer: 512 * 1024 * 1024 }).toString("utf8")
    expect(dump).toContain(telegramTokenRef(home.id))
    for (const token of [TENANT_BOT_TOKEN, PLATFORM_BOT_TOKEN]) {
      const secretPart = token.split(":")[1]!
      expect(dump).not.toContain(secretPart)
      expect(answers.join("\n")).not.toContain(secretPart)
      expect(logged.join("\n")).not.toContain(secretPart)
    }
    expect(logged.length).toBeGreaterThan(0)
  })
})
