import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, kuwaitDay, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
const { call, memberOf, person } = apiPeople(() => api.url, urls, pool)

let home: TenantFixture
let other: TenantFixture
let owner: Person
let member: Person
let stranger: Person
let otherOwner: Person
const slug = `well-${randomUUID().slice(0, 6)}`

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`
const capture = async (kind: "orders" | "donations" | "pledges", body: Record<string, unknown>, tenant: TenantFixture = home) => {
  const response = await fetch(`${api.url}/api/v1/public/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: JSON.stringify(body)
  })
  expect(response.status).toBe(201)
  return (await response.json()) as { reference: string }
}
const donate = (amount: string, donor: Record<string, string>, tenant: TenantFixture = home) =>
  capture("donations", { amount, project: slug, donor, paymentMethod: "bank_transfer" }, tenant)

const rows = <A extends object>(tenant: TenantFixture, query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

const progress = async () =>
  (
    await rows(
      home,
      (sql) => sql<{ raised: string; pledged: string }>`
    select raised_amount::text as raised, pledged_amount::text as pledged from catalog_items where slug = ${slug}`
    )
  )[0]!

const prepare = (tenantId: TenantId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({ bankTransfer: { iban: "KW81CBKU0000000000001234560101" } })}::jsonb where id = ${tenantId}`
    yield* asOwnerInTenant(
      tenantId,
      sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
      values (${tenantId}, 'project', ${slug}, 'بئر الخير', 'Well of good', 1000, 'sadaqah', 'active')`
    )
  })

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000" }, s3))
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  await withOwner(urls, Effect.all([prepare(home.id), prepare(other.id)]))
  owner = await memberOf(home, "owner")
  member = await memberOf(home, "member")
  stranger = await person("stranger")
  otherOwner = await memberOf(other, "owner", "other")
})
afterAll(async () => {
  await api?.close()
})

const list = async (query: string, as: Person = owner, tenant: TenantFixture = home) => {
  const response = await call("GET", `/tenant/inbox${query}`, as, tenant.slug)
  expect(response.status).toBe(200)
  return (await response.json()) as {
    entries: Array<{
      kind: string
      id: string
      reference: string
      name: string
      status: string
      paymentState: string | null
      amount: string
    }>
    nextCursor: string | null
  }
}

/** Opens the stream (optionally resuming), reads until what `during` names arrives, and hands back the events' ids and references. */
const listen = async (lastEventId: string | undefined, during: () => Promise<string | undefined>) => {
  const controller = new AbortController()
  const response = await fetch(`${api.url}/api/v1/tenant/inbox/events`, {
    headers: {
      authorization: `Bearer ${owner.token}`,
      "x-tenant": home.slug,
      ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId })
    },
    signal: controller.signal
  })
  expect(response.status).toBe(200)
  const reader = response.body!.getReader()
  let text = ""
  const readUntil = async (wanted: string, ms = 5000) => {
    const deadline = Date.now() + ms
    while (!text.includes(wanted) && Date.now() < deadline) {
      const { value } = await Promise.race([
        reader.read(),
        new Promise<{ done: true; value: undefined }>((resolve) => setTimeout(() => resolve({ done: true, value: undefined }), 500))
      ])
      if (value !== undefined) text += new TextDecoder().decode(value)
    }
  }
  await readUntil("retry:")
  const needle = await during()
  // Nothing named: whatever a second brings.
  await readUntil(needle ?? "\u0000", needle === undefined ? 1000 : 5000)
  controller.abort()
  return text
    .split("\n\n")
    .filter((block) => block.includes("event: capture"))
    .map((block) => ({
      id: /^id: (.*)$/m.exec(block)?.[1],
      reference: (JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { reference: string }).reference
    }))
}

describe("the staff inbox", () => {
  it("lists the tenant's orders, donations and pledges, newest first, and only theirs", async () => {
    const capturedFrom = kuwaitDay()
    const mine = await donate("10.000", { name: "سارة العلي", phone: "+965 6000 1111" })
    const pledged = await capture("pledges", {
      amount: "50.000",
      project: slug,
      dueDate: "2099-01-01",
      donor: { name: "Yousef", phone: "+96560002222" }
    })
    const theirs = await donate("11.000", { name: "Hidden", phone: "+96560003333" }, other)
    const { entries } = await list("?limit=200")
    const references = entries.map((entry) => entry.reference)
    expect(references).toContain(mine.reference)
    expect(references).toContain(pledged.reference)
    // References are per tenant (both may be DON-2026-000001): the other tenant's shows by its donor's name.
    expect(entries.map((entry) => entry.name)).not.toContain("Hidden")
    expect(theirs.reference).toMatch(/^DON-/)
    expect(references.indexOf(pledged.reference)).toBeLessThan(references.indexOf(mine.reference))
    expect((await list(`?kind=pledge&limit=200`)).entries.every((entry) => entry.kind === "pledge")).toBe(true)
    expect((await list(`?q=${encodeURIComponent("سارة")}`)).entries.map((e) => e.reference)).toEqual([mine.reference])
    expect((await list(`?q=60001111`)).entries.map((e) => e.reference)).toEqual([mine.reference])
    expect((await list(`?q=${mine.reference}`)).entries).toHaveLength(1)
    expect((await list(`?q=Hidden`)).entries).toHaveLength(0)
    // From the day it was captured on to today: the same single day unless Kuwait's midnight passed meanwhile.
    expect((await list(`?from=${capturedFrom}&to=${kuwaitDay()}&limit=200`)).entries.map((e) => e.reference)).toContain(mine.reference)
    expect((await list(`?to=2000-01-01`)).entries).toHaveLength(0)
  })

  it("pages with a cursor, without repeats or gaps", async () => {
    for (let i = 0; i < 7; i++) await donate("2.000", { name: `paged-${i}` })
    const all = (await list("?q=paged-&limit=200")).entries.map((e) => e.reference)
    const seen: Array<string> = []
    let cursor: string | null = null
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(
        `?q=paged-&limit=3${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`
      )
      seen.push(...page.entries.map((e) => e.reference))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual(all)
    expect(seen).toHaveLength(7)
  })

  it("inbox dates and cursors that match the pattern but do not exist are a 400", async () => {
    const id = randomUUID()
    for (const query of [
      "?from=2026-02-30",
      "?to=2026-13-45",
      "?from=0000-00-00",
      "?to=2025-02-29",
      `?cursor=${encodeURIComponent(`2026-02-30T00:00:00.000000|${id}`)}`,
      `?cursor=${encodeURIComponent(`2026-01-01T25:00:00.000000|${id}`)}`,
      `?cursor=${encodeURIComponent(`0000-00-00T00:00:00.000000|${id}`)}`,
      `?cursor=${encodeURIComponent(`2026-01-01T00:00:00.000000|${"-".repeat(36)}`)}`
    ]) {
      const response = await call("GET", `/tenant/inbox${query}`, owner, home.slug)
      expect(response.status, query).toBe(400)
      expect(response.headers.get("content-type"), query).toContain("application/problem+json")
    }
    expect((await list("?from=2024-02-29&to=2024-02-29")).entries).toEqual([])
  })

  it("payment received confirms a donation and raises the project; a refund takes it back; each step is history and audit", async () => {
    const before = await progress()
    const { reference } = await donate("40.500", { name: "Khalid" })
    const { entries } = await list(`?q=${reference}`)
    const id = entries[0]!.id
    // Warm the public cache, so that the check below proves the move dropped it.
    await fetch(`${api.url}/api/v1/public/catalog/${slug}`, { headers: { "x-forwarded-host": hostOf(home) } })
    expect((await call("POST", `/tenant/inbox/donation/${id}/payment`, member, home.slug, { state: "received" })).status).toBe(403)
    const received = await call("POST", `/tenant/inbox/donation/${id}/payment`, owner, home.slug, {
      state: "received",
      note: "KFH transfer"
    })
    expect(received.status).toBe(200)
    const detail = await received.json()
    expect(detail.entry).toMatchObject({ status: "confirmed", paymentState: "received" })
    expect(detail.history.map((h: { to: string }) => h.to)).toEqual(["payment:received", "confirmed"])
    expect(Number((await progress()).raised) - Number(before.raised)).toBeCloseTo(40.5, 3)
    const publicItem = await (
      await fetch(`${api.url}/api/v1/public/catalog/${slug}`, { headers: { "x-forwarded-host": hostOf(home) } })
    ).json()
    expect(publicItem.item.raised).toBe((await progress()).raised)
    expect((await call("POST", `/tenant/inbox/donation/${id}/payment`, owner, home.slug, { state: "received" })).status).toBe(400)
    expect((await call("POST", `/tenant/inbox/donation/${id}/payment`, owner, home.slug, { state: "refunded" })).status).toBe(200)
    expect((await progress()).raised).toBe(before.raised)
    const audit = await rows(
      home,
      (sql) => sql<{ action: string }>`select action from audit_log where entity_id = ${id} order by created_at`
    )
    expect(audit.map((a) => a.action)).toEqual(["donation.created", "donation.payment_marked", "donation.payment_marked"])
  })

  it("checks each workflow: an order goes new -> confirmed -> fulfilled, never back", async () => {
    const [product] = await rows(
      home,
      (sql) => sql<{ id: string }>`insert into catalog_items (tenant_id, kind, slug, title_ar, price, status)
      values (${home.id}, 'product', ${`dates-${randomUUID().slice(0, 6)}`}, 'تمر', 2.5, 'active') returning id`
    )
    const { reference } = await capture("orders", {
      items: [{ itemId: product!.id, quantity: 2 }],
      customer: { name: "Mona", phone: "+96560004444" },
      paymentMethod: "bank_transfer"
    })
    const id = (await list(`?q=${reference}`)).entries[0]!.id
    const move = (to: string) => call("POST", `/tenant/inbox/order/${id}/status`, member, home.slug, { to })
    expect((await move("fulfilled")).status).toBe(400)
    expect((await move("confirmed")).status).toBe(200)
    expect((await move("fulfilled")).status).toBe(200)
    expect((await move("new")).status).toBe(400)
    expect((await move("shipped")).status).toBe(400)
    const detail = await (await call("GET", `/tenant/inbox/order/${id}`, member, home.slug)).json()
    expect(detail.details.items).toMatchObject([{ quantity: 2, unitPrice: "2.500", lineTotal: "5.000" }])
    expect(detail.history.map((h: { to: string }) => h.to)).toEqual(["confirmed", "fulfilled"])
  })

  it("a fulfilled pledge becomes a received donation: pledged goes down, raised goes up", async () => {
    const before = await progress()
    const { reference } = await capture("pledges", {
      amount: "75.000",
      project: slug,
      dueDate: "2099-01-01",
      donor: { name: "Noura", phone: "+96560005555" }
    })
    expect(Number((await progress()).pledged) - Number(before.pledged)).toBeCloseTo(75, 3)
    const id = (await list(`?q=${reference}`)).entries[0]!.id
    const fulfilled = await call("POST", `/tenant/inbox/pledge/${id}/status`, owner, home.slug, { to: "fulfilled" })
    expect(fulfilled.status).toBe(200)
    const after = await progress()
    expect(after.pledged).toBe(before.pledged)
    expect(Number(after.raised) - Number(before.raised)).toBeCloseTo(75, 3)
    const [pledge] = await rows(
      home,
      (sql) => sql<{ reference: string; status: string }>`
      select d.reference, d.status from pledges p join donations d on d.id = p.fulfilled_by where p.id = ${id}`
    )
    expect(pledge!.status).toBe("confirmed")
    expect(pledge!.reference).toMatch(/^DON-/)
    expect((await call("POST", `/tenant/inbox/pledge/${id}/status`, owner, home.slug, { to: "lapsed" })).status).toBe(400)
  })

  it("staff download a donation's PDF receipt; a pledge has none; another tenant's is 404", async () => {
    const { reference } = await donate("8.000", { name: "Receipt" })
    const id = (await list(`?q=${reference}`)).entries[0]!.id
    const pdf = await call("GET", `/tenant/inbox/donation/${id}/receipt.pdf`, member, home.slug)
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get("content-type")).toBe("application/pdf")
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString()
    ).toBe("%PDF-")
    expect((await call("GET", `/tenant/inbox/pledge/${id}/receipt.pdf`, member, home.slug)).status).toBe(400)
    expect((await call("GET", `/tenant/inbox/donation/${id}/receipt.pdf`, otherOwner, other.slug)).status).toBe(404)
    expect((await call("GET", `/tenant/inbox/donation/${id}/receipt.pdf`, stranger, home.slug)).status).toBe(404)
  })

  it("exports CSV in UTF-8 with a BOM, Arabic intact, formulas defused", async () => {
    const { reference } = await donate("12.345", { name: '=HYPERLINK("x")', phone: "+965 6000 7777" })
    await donate("3.000", { name: "عبدالله الكندري" })
    const response = await call("GET", "/tenant/inbox.csv?kind=donation&limit=200&locale=en", owner, home.slug)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/csv")
    expect(response.headers.get("content-disposition")).toContain("attachment")
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = new TextDecoder().decode(bytes.slice(3))
    const lines = text.split("\r\n")
    expect(lines[0]).toBe("Reference,Kind,Status,Payment,Amount (KWD),Name,Phone,Email,Category,Project,Date")
    expect(text).toContain("عبدالله الكندري")
    expect(text).toContain("Well of good")
    const line = lines.find((l) => l.startsWith(reference))!
    expect(line).toContain("12.345")
    expect(line).toContain(`"'=HYPERLINK(""x"")"`)
    // Shown as typed: a tab, not an apostrophe, keeps the spreadsheet from reading it as a number.
    expect(line).toContain('"\t+965 6000 7777"')
  })

  it("streams new captures of this tenant only (SSE)", async () => {
    const controller = new AbortController()
    const response = await fetch(`${api.url}/api/v1/tenant/inbox/events`, {
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": home.slug },
      signal: controller.signal
    })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    const reader = response.body!.getReader()
    let text = ""
    const readUntil = async (needle: string) => {
      const deadline = Date.now() + 5000
      while (!text.includes(needle) && Date.now() < deadline) {
        const { done, value } = await Promise.race([
          reader.read(),
          new Promise<{ done: true; value: undefined }>((resolve) => setTimeout(() => resolve({ done: true, value: undefined }), 500))
        ])
        if (value !== undefined) text += new TextDecoder().decode(value)
        if (done && value === undefined) continue
      }
    }
    await readUntil("retry:")
    const foreign = await donate("1.000", { name: "x" }, other)
    const mine = await donate("6.000", { name: "live" })
    await readUntil(mine.reference)
    controller.abort()
    expect(text).toContain(`"reference":"${mine.reference}"`)
    expect(text).toContain("event: capture")
    // The other tenant's capture came first: had it leaked, it would be in the stream before ours.
    expect(text.match(/event: capture/g)).toHaveLength(1)
    expect(foreign.reference).toMatch(/^DON-/)
  })

  it("gives each capture event an id; a reconnect with Last-Event-ID first gets what it missed, once, in order, after the overlap", async () => {
    let first!: { reference: string }
    const seen = await listen(undefined, async () => {
      first = await donate("1.500", { name: "seen" })
      return first.reference
    })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.reference).toBe(first.reference)
    expect(seen[0]!.id).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\|${first.reference}$`))

    // Two captures while nobody listens, then a third once back: the first two are replayed before it.
    const missedOne = await donate("2.500", { name: "missed one" })
    const missedTwo = await donate("3.500", { name: "missed two" }, home)
    await donate("4.000", { name: "elsewhere" }, other)
    let after!: { reference: string }
    const resumed = await listen(seen[0]!.id, async () => {
      after = await donate("5.500", { name: "after" })
      return after.reference
    })
    // Past the last id seen, exactly what was missed; before it, the overlap (captures seen already, each once).
    expect(resumed.filter((event) => event.id! > seen[0]!.id!).map((event) => event.reference)).toEqual([
      missedOne.reference,
      missedTwo.reference,
      after.reference
    ])
    expect(resumed.map((event) => event.reference)).not.toContain(first.reference)
    expect(new Set(resumed.map((event) => event.reference)).size).toBe(resumed.length)
    expect(resumed.every((event) => event.id !== undefined && event.id.endsWith(`|${event.reference}`))).toBe(true)

    // An id this stream never gave out is no reconnect: nothing replayed, no error.
    const fresh = await listen("yesterday|<script>", () => Promise.resolve(undefined))
    expect(fresh).toEqual([])
  })

  it("replays after a reconnect a capture made before the last one seen but committed after it", async () => {
    let seenOne!: { reference: string }
    const seen = await listen(undefined, async () => {
      seenOne = await donate("1.250", { name: "seen first" })
      return seenOne.reference
    })
    expect(seen.map((event) => event.reference)).toEqual([seenOne.reference])
    // created_at is a capture's transaction start: one begun a second before, committed while nobody listened.
    const late = await donate("7.250", { name: "late commit" })
    const seenAt = seen[0]!.id!.split("|")[0]!
    await rows(
      home,
      (sql) =>
        sql`update donations set created_at = ${seenAt}::timestamptz - interval '1 second' where reference = ${late.reference} returning id`
    )
    const resumed = await listen(seen[0]!.id, () => Promise.resolve(late.reference))
    expect(resumed.map((event) => event.reference)).toContain(late.reference)
    expect(resumed.map((event) => event.reference)).not.toContain(seenOne.reference)
  })

  it("role matrix and foreign tenants: 404 for strangers and other tenants' ids, 401 signed out, 400 bad input", async () => {
    const theirs = await donate("1.000", { name: "theirs" }, other)
    const foreignId = (await list(`?q=${theirs.reference}`, otherOwner, other)).entries[0]!.id
    expect((await call("GET", `/tenant/inbox/donation/${foreignId}`, owner, home.slug)).status).toBe(404)
    expect((await call("POST", `/tenant/inbox/donation/${foreignId}/payment`, owner, home.slug, { state: "received" })).status).toBe(404)
    expect((await call("POST", `/tenant/inbox/donation/${foreignId}/status`, owner, home.slug, { to: "cancelled" })).status).toBe(404)
    expect((await call("GET", "/tenant/inbox", stranger, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/inbox", otherOwner, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/inbox.csv", stranger, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/inbox/events", stranger, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/inbox", undefined, home.slug)).status).toBe(401)
    expect((await call("GET", "/tenant/inbox?kind=invoice", owner, home.slug)).status).toBe(400)
    expect((await call("GET", "/tenant/inbox?from=yesterday", owner, home.slug)).status).toBe(400)
    expect((await call("GET", "/tenant/inbox?cursor=abc", owner, home.slug)).status).toBe(400)
    expect((await call("GET", `/tenant/inbox/invoice/${foreignId}`, owner, home.slug)).status).toBe(400)
    expect((await call("POST", `/tenant/inbox/pledge/${foreignId}/payment`, owner, home.slug, { state: "received" })).status).toBe(400)
    const [row] = await rows(
      other,
      (sql) => sql<{ status: string; payment_state: string }>`select status, payment_state from donations where id = ${foreignId}`
    )
    expect(row).toEqual({ status: "pending", payment_state: "pending" })
  })
})
