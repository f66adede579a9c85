import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { fingerprint } from "@manara/capture"
import { NewDonation, type TenantId } from "@manara/domain"
import { apiEnv, asOwnerInTenant, createTenant, PgProxy, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect, Schema } from "effect"
import { execFileSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")
const env = (overrides: Record<string, string> = {}) =>
  apiEnv(
    urls,
    pool,
    {
      // The concurrency tests send hundreds from one address; the limit itself has a test of its own.
      CAPTURE_LIMIT_PER_IP: "100000",
      CAPTURE_LIMIT_PER_TENANT: "100000",
      ...overrides
    },
    s3
  )

let api: StartedApi
let home: TenantFixture
let other: TenantFixture
let projectSlug: string
let productId: string

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

const capture = (
  kind: "orders" | "donations" | "pledges",
  body: unknown,
  tenant: TenantFixture = home,
  headers: Record<string, string> = {},
  base = api.url
) =>
  fetch(`${base}/api/v1/public/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant), ...headers },
    body: JSON.stringify(body)
  })

const donation = (overrides: Record<string, unknown> = {}) => ({
  amount: "25.000",
  project: projectSlug,
  donor: { name: "أم محمد", phone: "+965 5000 1234", email: "donor@example.com" },
  paymentMethod: "bank_transfer",
  ...overrides
})

/** As the owner role inside a tenant: what the database really holds. */
const rows = <A extends object>(tenant: TenantFixture, query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

/** A tenant that takes payments, with a project and a product priced 0.333, and staff who want to hear of captures. */
const prepare = (tenantId: TenantId, slug: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({
      bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
      payLink: { url: "https://pay.example.com/manara" },
      donations: { minimum: "1.000", maximum: "5000.000" },
      contact: { email: "office@example.com" }
    })}::jsonb where id = ${tenantId}`
    return yield* asOwnerInTenant(
      tenantId,
      Effect.gen(function* () {
        yield* sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
        values (${tenantId}, 'project', ${slug}, 'بئر ماء', 1000, 'zakat', 'active')`
        const [product] = yield* sql<{ id: string }>`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, price, status)
        values (${tenantId}, 'product', ${`${slug}-dates`}, 'تمر', 'Dates', 0.333, 'active') returning id`
        yield* sql`insert into notification_preferences (tenant_id, channel, target) values (${tenantId}, 'telegram', '123456')`
        return product!.id
      })
    )
  })

beforeAll(async () => {
  api = await startApi(env())
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  projectSlug = `well-${randomUUID().slice(0, 6)}`
  productId = await withOwner(urls, prepare(home.id, projectSlug))
  await withOwner(urls, prepare(other.id, projectSlug))
})
afterAll(async () => {
  await api?.close()
})

describe("donations", () => {
  it("answers with a reference, bank details and a receipt link, and writes record, outbox and audit in one go", async () => {
    const response = await capture("donations", donation({ coverFees: "0.750" }))
    expect(response.status).toBe(201)
    const receipt = await response.json()
    expect(receipt).toMatchObject({
      kind: "donation",
      amount: "25.750",
      status: "pending",
      payment: { _tag: "BankTransfer", iban: "KW81CBKU0000000000001234560101", amount: "25.750" }
    })
    expect(receipt.reference).toMatch(/^DON-\d{4}-\d{6}$/)
    expect(receipt).toMatchObject({ category: "zakat", project: { slug: projectSlug, title: { ar: "بئر ماء" } } })
    expect(receipt.payment.reference).toBe(receipt.reference)
    const [row] = await rows(
      home,
      (sql) => sql<{ id: string; amount: string; fees_amount: string; category: string }>`
      select id, amount::text, fees_amount::text, category from donations where reference = ${receipt.reference}`
    )
    expect(row).toMatchObject({ amount: "25.000", fees_amount: "0.750", category: "zakat" })
    const outbox = await rows(
      home,
      (sql) => sql<{ event: string; channel: string; target: string }>`
      select event, channel, target from notification_outbox where payload ->> 'id' = ${row!.id} order by event`
    )
    expect(outbox).toEqual([
      { event: "capture.created", channel: "telegram", target: "123456" },
      { event: "capture.receipt", channel: "email", target: "donor@example.com" }
    ])
    const audit = await rows(home, (sql) => sql`select 1 from audit_log where entity_id = ${row!.id} and action = 'donation.created'`)
    expect(audit).toHaveLength(1)
    const again = await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}`, {
      headers: { "x-forwarded-host": hostOf(home) }
    })
    expect((await again.json()).reference).toBe(receipt.reference)
    const foreign = await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}`, {
      headers: { "x-forwarded-host": hostOf(other) }
    })
    expect(foreign.status).toBe(404)
  })

  it("serves the bilingual PDF receipt by its token: the reference, the amount and the zakat statement in it", async () => {
    const receipt = await (await capture("donations", donation({ amount: "30.000" }))).json()
    const pdf = await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}/pdf`, {
      headers: { "x-forwarded-host": hostOf(home) }
    })
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get("content-type")).toBe("application/pdf")
    expect(pdf.headers.get("content-disposition")).toContain(`${receipt.reference}.pdf`)
    const bytes = Buffer.from(await pdf.arrayBuffer())
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-")
    const text = execFileSync("pdftotext", ["-layout", "-", "-"], { input: bytes }).toString()
    expect(text).toContain(receipt.reference)
    expect(text).toContain("30.000")
    expect(text).toContain("This donation is zakat")
    const foreign = await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}/pdf`, {
      headers: { "x-forwarded-host": hostOf(other) }
    })
    expect(foreign.status).toBe(404)
    const guessed = await fetch(`${api.url}/api/v1/public/receipts/${"A".repeat(32)}/pdf`, {
      headers: { "x-forwarded-host": hostOf(home) }
    })
    expect(guessed.status).toBe(404)
    expect((await fetch(`${api.url}/api/v1/public/receipts/short/pdf`, { headers: { "x-forwarded-host": hostOf(home) } })).status).toBe(400)
  })

  it("refuses bad amounts with 400 problem+json and writes nothing", async () => {
    const before = await rows(home, (sql) => sql<{ n: string }>`select count(*)::text as n from donations`)
    for (const amount of ["1.0001", "-5.000", "0", "0.000", "5000.001", "abc", "1e3", "", " 5.000", 12.5, null]) {
      const response = await capture("donations", donation({ amount }))
      expect(response.status, String(amount)).toBe(400)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
    }
    for (const body of [
      donation({ project: "no-such-project" }),
      donation({ paymentMethod: "cash" }),
      donation({ category: "tithe" }),
      donation({ coverFees: "30.000" }),
      donation({ donor: { email: "not-an-email" } }),
      donation({ website: "http://spam.example.com" })
    ]) {
      expect((await capture("donations", body)).status, JSON.stringify(body)).toBe(400)
    }
    const after = await rows(home, (sql) => sql<{ n: string }>`select count(*)::text as n from donations`)
    expect(after).toEqual(before)
  })

  it("ignores a tampered tenant_id, status, reference or total", async () => {
    const response = await capture(
      "donations",
      donation({
        tenant_id: other.id,
        tenantId: other.id,
        status: "confirmed",
        reference: "DON-1999-999999",
        total: "0.001",
        paymentState: "received"
      })
    )
    expect(response.status).toBe(201)
    const { reference } = await response.json()
    expect(reference).not.toBe("DON-1999-999999")
    const [row] = await rows(
      home,
      (sql) => sql<{ tenant_id: string; status: string; payment_state: string; amount: string }>`
      select tenant_id, status, payment_state, amount::text from donations where reference = ${reference}`
    )
    expect(row).toEqual({ tenant_id: home.id, status: "pending", payment_state: "pending", amount: "25.000" })
    expect(await rows(other, (sql) => sql`select 1 from donations where reference = ${reference}`)).toHaveLength(0)
  })

  it("100 concurrent captures get 100 distinct, gapless references; another tenant counts on its own", async () => {
    const before = await rows(home, (sql) => sql<{ reference: string }>`select reference from donations order by reference`)
    const responses = await Promise.all(Array.from({ length: 100 }, () => capture("donations", donation())))
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(201))
    const references = (await Promise.all(responses.map((r) => r.json()))).map((receipt) => receipt.reference as string)
    expect(new Set(references).size).toBe(100)
    const numbers = references.map((reference) => Number(reference.slice(-6))).sort((a, b) => a - b)
    expect(numbers[0]).toBe(before.length + 1)
    expect(numbers.at(-1)! - numbers[0]!).toBe(99)
    const foreign = await (await capture("donations", donation(), other)).json()
    const foreignCount = await rows(other, (sql) => sql<{ n: string }>`select count(*)::text as n from donations`)
    expect(Number(foreign.reference.slice(-6))).toBe(Number(foreignCount[0]!.n))
  })
})

describe("Idempotency-Key", () => {
  it("50 concurrent requests with one key make one donation; the rest get its answer or 409", async () => {
    const key = randomUUID()
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => capture("donations", donation({ amount: "7.000" }), home, { "idempotency-key": key }))
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true)
    const references = new Set((await Promise.all(responses.filter((r) => r.status === 201).map((r) => r.json()))).map((b) => b.reference))
    expect(references.size).toBe(1)
    const replay = await capture("donations", donation({ amount: "7.000" }), home, { "idempotency-key": key })
    expect(replay.status).toBe(201)
    expect(replay.headers.get("idempotency-replayed")).toBe("true")
    expect((await replay.json()).reference).toBe([...references][0])
    const stored = await rows(home, (sql) => sql`select 1 from donations where reference = ${[...references][0]}`)
    expect(stored).toHaveLength(1)
  })

  it("the same key with another body is 422; while the first is in flight, 409", async () => {
    const key = randomUUID()
    expect((await capture("donations", donation(), home, { "idempotency-key": key })).status).toBe(201)
    const other = await capture("donations", donation({ amount: "99.000" }), home, { "idempotency-key": key })
    expect(other.status).toBe(422)
    expect(other.headers.get("content-type")).toBe("application/problem+json")
    // A request that claimed its key a moment ago and is still running.
    const busy = randomUUID()
    const body = donation({ amount: "3.000" })
    const hash = fingerprint("donations", Schema.decodeUnknownSync(NewDonation)(body))
    await rows(
      home,
      (sql) => sql`insert into idempotency_keys (tenant_id, key, request_hash) values (${home.id}, ${busy}, ${hash}) returning 1`
    )
    expect((await capture("donations", body, home, { "idempotency-key": busy })).status).toBe(409)
    expect((await capture("donations", body, home, { "idempotency-key": "not valid \u00e9" })).status).toBe(400)
  })

  it("a failed capture frees its key for a corrected retry; keys are per tenant", async () => {
    const key = randomUUID()
    expect((await capture("donations", donation({ project: "nowhere" }), home, { "idempotency-key": key })).status).toBe(400)
    expect((await capture("donations", donation(), home, { "idempotency-key": key })).status).toBe(201)
    const fresh = randomUUID()
    expect((await capture("donations", donation({ amount: "9999.000" }), home, { "idempotency-key": fresh })).status).toBe(400)
    expect((await capture("donations", donation(), home, { "idempotency-key": fresh })).status).toBe(201)
    expect((await capture("donations", donation(), other, { "idempotency-key": fresh })).status).toBe(201)
  })
})

describe("Idempotency-Key after failures", () => {
  it("a key whose capture failed with a 5xx is freed: a corrected retry with the same key succeeds", async () => {
    const proxy = await PgProxy.start()
    const flaky = await startApi(env({ DATABASE_URL: proxy.url(urls.runtimeUrl) }))
    try {
      // Warm the caches (tenant, settings), so the cuts land in the claim and the capture.
      expect((await capture("donations", donation(), other, {}, flaky.url)).status).toBe(201)
      let failed = 0
      for (let n = 1; n <= 12; n++) {
        const key = randomUUID()
        proxy.cutAfter(n)
        const first = await capture("donations", donation({ amount: "11.000" }), other, { "idempotency-key": key }, flaky.url)
        if (first.status < 500) continue
        failed++
        // The cut may land after the commit: then the key did its work and the other body is a reuse.
        const [held] = await rows(other, (sql) => sql<{ state: string }>`select state from idempotency_keys where key = ${key}`)
        const retry = await capture("donations", donation({ amount: "12.000" }), other, { "idempotency-key": key }, flaky.url)
        expect(retry.status, `cut after ${n} statements`).toBe(held?.state === "completed" ? 422 : 201)
      }
      expect(failed).toBeGreaterThan(0)
    } finally {
      await flaky.close()
      await proxy.close()
    }
  })

  it("a key still in flight is a 409 whatever the body; one stuck for over 60 s is taken over by the next request", async () => {
    const busy = randomUUID()
    await rows(
      home,
      (sql) => sql`insert into idempotency_keys (tenant_id, key, request_hash) values (${home.id}, ${busy}, 'another body') returning 1`
    )
    const during = await capture("donations", donation({ amount: "4.000" }), home, { "idempotency-key": busy })
    expect(during.status).toBe(409)
    expect((await during.json()).type).toBe("https://manara.app/problems/idempotency-in-flight")
    const stuck = randomUUID()
    await rows(
      home,
      (sql) => sql`insert into idempotency_keys (tenant_id, key, request_hash, created_at)
      values (${home.id}, ${stuck}, 'a request that died', now() - interval '61 seconds') returning 1`
    )
    const next = await capture("donations", donation({ amount: "4.000" }), home, { "idempotency-key": stuck })
    expect(next.status).toBe(201)
    const replay = await capture("donations", donation({ amount: "4.000" }), home, { "idempotency-key": stuck })
    expect(replay.headers.get("idempotency-replayed")).toBe("true")
  })
})

describe("orders and pledges", () => {
  it("prices an order from the catalog: 3 x 0.333 = 0.999 exactly, whatever the body claims", async () => {
    const response = await capture("orders", {
      items: [{ itemId: productId, quantity: 3, price: "0.001", unitPrice: "0.001" }],
      customer: { name: "Ahmad", phone: "+96550001111" },
      paymentMethod: "pay_link",
      total: "0.001",
      status: "fulfilled"
    })
    expect(response.status).toBe(201)
    const receipt = await response.json()
    expect(receipt).toMatchObject({ kind: "order", amount: "0.999", status: "new", payment: { _tag: "PayLink", amount: "0.999" } })
    expect(receipt.payment.url).toBe(`https://pay.example.com/manara?reference=${receipt.reference}`)
    const [row] = await rows(
      home,
      (sql) => sql<{ total: string; status: string; items: Array<{ unitPrice: string; lineTotal: string }> }>`
      select total::text, status, items from orders where reference = ${receipt.reference}`
    )
    expect(row).toMatchObject({ total: "0.999", status: "new", items: [{ unitPrice: "0.333", lineTotal: "0.999" }] })
  })

  it("refuses another tenant's product, a draft, zero or absurd quantities", async () => {
    const [foreign] = await rows(other, (sql) => sql<{ id: string }>`select id from catalog_items where kind = 'product'`)
    const order = (items: unknown) =>
      capture("orders", { items, customer: { name: "A", phone: "+96550001111" }, paymentMethod: "bank_transfer" })
    expect((await order([{ itemId: foreign!.id, quantity: 1 }])).status).toBe(400)
    expect((await order([{ itemId: productId, quantity: 0 }])).status).toBe(400)
    expect((await order([{ itemId: productId, quantity: 1.5 }])).status).toBe(400)
    expect((await order([])).status).toBe(400)
    expect((await order([{ itemId: productId, quantity: 100 }])).status).toBe(400)
  })

  it("a pledge counts in the project's pledged amount, not its raised amount", async () => {
    const [before] = await rows(
      home,
      (sql) => sql<{ raised: string; pledged: string }>`
      select raised_amount::text as raised, pledged_amount::text as pledged from catalog_items where slug = ${projectSlug}`
    )
    const response = await capture("pledges", {
      amount: "120.000",
      project: projectSlug,
      schedule: "monthly",
      instalments: 12,
      dueDate: "2099-01-01",
      donor: { name: "Fatima", phone: "+96550002222" }
    })
    expect(response.status).toBe(201)
    const receipt = await response.json()
    expect(receipt).toMatchObject({
      kind: "pledge",
      amount: "120.000",
      status: "open",
      payment: { _tag: "Later", dueDate: "2099-01-01" },
      project: { slug: projectSlug }
    })
    // The pledger's confirmation can be read again by its token; it has no PDF (no money yet).
    const again = await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}`, {
      headers: { "x-forwarded-host": hostOf(home) }
    })
    expect(await again.json()).toMatchObject({
      kind: "pledge",
      reference: receipt.reference,
      payment: { _tag: "Later", dueDate: "2099-01-01" }
    })
    expect(
      (await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}/pdf`, { headers: { "x-forwarded-host": hostOf(home) } }))
        .status
    ).toBe(404)
    const [after] = await rows(
      home,
      (sql) => sql<{ raised: string; pledged: string }>`
      select raised_amount::text as raised, pledged_amount::text as pledged from catalog_items where slug = ${projectSlug}`
    )
    expect(after!.raised).toBe(before!.raised)
    expect(Number(after!.pledged) - Number(before!.pledged)).toBeCloseTo(120, 3)
    expect((await capture("pledges", { amount: "5.000", dueDate: "2001-01-01", donor: { name: "F", phone: "+96550002222" } })).status).toBe(
      400
    )
    expect((await capture("pledges", { amount: "5.000", dueDate: "2099-02-30", donor: { name: "F", phone: "+96550002222" } })).status).toBe(
      400
    )
    expect((await capture("pledges", { amount: "5.000", dueDate: "2026-13-45", donor: { name: "F", phone: "+96550002222" } })).status).toBe(
      400
    )
    expect(
      (await capture("pledges", { amount: "5.000", instalments: 3, dueDate: "2099-01-01", donor: { name: "F", phone: "+96550002222" } }))
        .status
    ).toBe(400)
  })

  it("links a capture to a visit of the same tenant only", async () => {
    const [visit] = await rows(
      home,
      (sql) =>
        sql<{ id: string }>`insert into visits (tenant_id, visitor_id, utm_source) values (${home.id}, 'v1', 'instagram') returning id`
    )
    const [foreignVisit] = await rows(
      other,
      (sql) => sql<{ id: string }>`insert into visits (tenant_id, visitor_id) values (${other.id}, 'v2') returning id`
    )
    const mine = await (await capture("donations", donation({ visitId: visit!.id }))).json()
    const theirs = await (await capture("donations", donation({ visitId: foreignVisit!.id }))).json()
    const linked = await rows(
      home,
      (sql) => sql<{ reference: string; visit_id: string | null }>`
      select reference, visit_id from donations where reference in (${mine.reference}, ${theirs.reference}) order by reference`
    )
    expect(linked).toEqual([
      { reference: mine.reference, visit_id: visit!.id },
      { reference: theirs.reference, visit_id: null }
    ])
  })
})

describe("limits and failures", () => {
  it("rate-limits captures per IP within a tenant (429 with Retry-After), and another tenant is unaffected", async () => {
    // Fresh tenants: the counters live in Redis, shared with every API of this run.
    const [first, second] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
    await withOwner(urls, Effect.all([prepare(first.id, "limited"), prepare(second.id, "limited")]))
    const limited = await startApi(env({ CAPTURE_LIMIT_PER_IP: "3" }))
    try {
      const statuses: Array<number> = []
      for (let i = 0; i < 5; i++)
        statuses.push((await capture("donations", donation({ project: "limited" }), first, {}, limited.url)).status)
      expect(statuses).toEqual([201, 201, 201, 429, 429])
      const blocked = await capture("donations", donation({ project: "limited" }), first, {}, limited.url)
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0)
      expect(blocked.headers.get("content-type")).toBe("application/problem+json")
      expect((await capture("donations", donation({ project: "limited" }), second, {}, limited.url)).status).toBe(201)
    } finally {
      await limited.close()
    }
  })

  it("refuses a body over 16 KiB with 413", async () => {
    const response = await capture("donations", donation({ dedication: "x".repeat(20_000) }))
    expect(response.status).toBe(413)
  })

  it("a connection dropped at any point of a capture leaves no half: every reference has its record, every record its outbox rows", async () => {
    const proxy = await PgProxy.start()
    const flaky = await startApi(env({ DATABASE_URL: proxy.url(urls.runtimeUrl) }))
    try {
      // Warm the caches (tenant, settings), so the cut lands inside the capture's own statements.
      expect((await capture("donations", donation(), other, {}, flaky.url)).status).toBe(201)
      const outcomes: Array<number> = []
      for (let n = 1; n <= 12; n++) {
        proxy.cutAfter(n)
        outcomes.push((await capture("donations", donation(), other, {}, flaky.url)).status)
      }
      expect(outcomes.some((status) => status >= 500)).toBe(true)
      const [counter] = await rows(
        other,
        (sql) => sql<{ used: string }>`
        select (next_value - 1)::text as used from reference_counters where kind = 'DON'`
      )
      const donations = await rows(
        other,
        (sql) => sql<{ reference: string; outbox: string }>`
        select d.reference, (select count(*) from notification_outbox o where o.payload ->> 'id' = d.id::text)::text as outbox
        from donations d order by d.reference`
      )
      expect(donations).toHaveLength(Number(counter!.used))
      expect(donations.map((d) => Number(d.reference.slice(-6)))).toEqual(donations.map((_, i) => i + 1))
      expect(donations.every((d) => d.outbox === "2")).toBe(true)
    } finally {
      await flaky.close()
      await proxy.close()
    }
  })
})
