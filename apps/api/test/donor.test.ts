import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, asOwnerInTenant, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import sharp from "sharp"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
let home: TenantFixture
let other: TenantFixture
const slugs = {
  eligible: `eligible-${randomUUID().slice(0, 6)}`,
  notEligible: `sadaqah-${randomUUID().slice(0, 6)}`,
  funded: `funded-${randomUUID().slice(0, 6)}`,
  completed: `completed-${randomUUID().slice(0, 6)}`
}

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

const post = (body: unknown, tenant: TenantFixture = home) =>
  fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: JSON.stringify(body)
  })

const get = (path: string, tenant: TenantFixture = home, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/api/v1/public${path}`, { headers: { "x-forwarded-host": hostOf(tenant), ...headers } })

const donation = (overrides: Record<string, unknown> = {}) => ({
  amount: "25.000",
  donor: { name: "أم محمد", phone: "+965 5000 1234" },
  paymentMethod: "bank_transfer",
  ...overrides
})

const inTenant = <A>(tenant: TenantFixture, work: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, work)))

const setSettings = (tenant: TenantFixture, settings: object) =>
  withOwner(
    urls,
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`update tenants set settings = ${JSON.stringify(settings)}::jsonb where id = ${tenant.id}`
    )
  )

const SETTINGS = { bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" } }

const pdfText = async (token: string, tenant: TenantFixture = home) => {
  const response = await get(`/receipts/${token}/pdf`, tenant)
  expect(response.status).toBe(200)
  const bytes = Buffer.from(await response.arrayBuffer())
  return {
    text: execFileSync("pdftotext", ["-layout", "-", "-"], { input: bytes }).toString(),
    info: execFileSync("pdfinfo", ["-"], { input: bytes }).toString()
  }
}

const donationsCount = (tenant: TenantFixture) =>
  inTenant(tenant, (sql) => sql<{ n: string }>`select count(*)::text as n from donations`).then((rows) => rows[0]!.n)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" }, s3))
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  for (const tenant of [home, other]) {
    await setSettings(tenant, SETTINGS)
    await inTenant(
      tenant,
      (
        sql
      ) => sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, raised_amount, category, zakat_eligible, status) values
        (${tenant.id}, 'project', ${slugs.eligible}, 'كفالة أيتام', 'Orphan sponsorship', 1000, 250, 'general', true, 'active'),
        (${tenant.id}, 'project', ${slugs.notEligible}, 'مسجد الحي', 'The neighbourhood mosque', 1000, 0, 'sadaqah', false, 'active'),
        (${tenant.id}, 'project', ${slugs.funded}, 'سلال رمضان', 'Ramadan baskets', 500, 500, 'sadaqah', false, 'funded'),
        (${tenant.id}, 'project', ${slugs.completed}, 'بئر ماء', 'A water well', 800, 800, 'zakat', true, 'completed')`
    )
  }
})
afterAll(async () => {
  await api?.close()
})

describe("zakat goes only where it may", () => {
  it("refuses zakat for a project not marked zakat-eligible with a 400 problem, and writes nothing", async () => {
    const before = await donationsCount(home)
    const response = await post(donation({ project: slugs.notEligible, category: "zakat" }))
    expect(response.status).toBe(400)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect((await response.json()).type).toBe("https://manara.app/problems/zakat-not-eligible")
    expect(await donationsCount(home)).toBe(before)
    // Sadaqah to the same project is fine.
    expect((await post(donation({ project: slugs.notEligible, category: "sadaqah" }))).status).toBe(201)
  })

  it("takes zakat for a zakat-eligible project, and its receipt says zakat", async () => {
    const response = await post(donation({ project: slugs.eligible, category: "zakat" }))
    expect(response.status).toBe(201)
    const receipt = await response.json()
    expect(receipt.category).toBe("zakat")
    expect((await pdfText(receipt.receiptToken)).text).toContain("This donation is zakat")
  })

  it("takes zakat into the general fund only where the tenant allows it", async () => {
    const refused = await post(donation({ category: "zakat" }))
    expect(refused.status).toBe(400)
    expect((await refused.json()).type).toBe("https://manara.app/problems/zakat-not-eligible")
    await setSettings(home, { ...SETTINGS, donations: { zakatGeneralFund: true } })
    try {
      const taken = await post(donation({ category: "zakat" }))
      expect(taken.status).toBe(201)
      expect((await taken.json()).category).toBe("zakat")
    } finally {
      await setSettings(home, SETTINGS)
    }
  })

  it("never names zakat on the receipt of a donation to a project that does not take it (a record from before the rule)", async () => {
    const created = await (await post(donation({ project: slugs.notEligible, category: "sadaqah" }))).json()
    await inTenant(home, (sql) => sql`update donations set category = 'zakat' where reference = ${created.reference}`)
    const receipt = await (await get(`/receipts/${created.receiptToken}`)).json()
    expect(receipt.category).toBeNull()
    const { text } = await pdfText(created.receiptToken)
    expect(text).toContain(created.reference)
    expect(text).not.toMatch(/zakat/i)
    expect(text).not.toContain("زكاة")
  })
})

describe("funded and completed projects", () => {
  it("still takes gifts for a funded project, refuses them for a completed one (server-side)", async () => {
    expect((await post(donation({ project: slugs.funded }))).status).toBe(201)
    const before = await donationsCount(home)
    const completed = await post(donation({ project: slugs.completed, category: "zakat" }))
    expect(completed.status).toBe(400)
    expect((await completed.json()).type).toBe("https://manara.app/problems/unknown-project")
    expect(await donationsCount(home)).toBe(before)
  })
})

describe("the receipt's contact lines", () => {
  it("print the tenant's phones in the national form, Arabic-Indic digits on the Arabic side", { timeout: 30_000 }, async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    await setSettings(tenant, { ...SETTINGS, contact: { phone: "00965 2244 6688", whatsapp: "+96550001234" } })
    const created = await (await post(donation(), tenant)).json()
    const { text } = await pdfText(created.receiptToken, tenant)
    expect(text).toContain("Phone 2244 6688")
    expect(text).toContain("WhatsApp 5000 1234")
    expect(text).not.toContain("00965")
    // pdftotext writes the Arabic line's runs in visual order: the digits are what count.
    expect(text).toContain("٢٢٤٤")
    expect(text).toContain("٦٦٨٨")
  })
})

describe("the PDF's title follows the payment", () => {
  it("is a donation confirmation while pending and a receipt once the payment is received", async () => {
    const created = await (await post(donation({ project: slugs.eligible, category: "sadaqah" }))).json()
    const pending = await pdfText(created.receiptToken)
    expect(pending.text).toContain("Donation confirmation")
    expect(pending.text).not.toContain("Donation receipt")
    expect(pending.info).toMatch(/^Title:\s+Donation confirmation /m)
    await inTenant(home, (sql) => sql`update donations set payment_state = 'received' where reference = ${created.reference}`)
    const received = await pdfText(created.receiptToken)
    expect(received.text).toContain("Donation receipt")
    expect(received.text).not.toContain("Donation confirmation")
    expect(received.info).toMatch(/^Title:\s+Donation receipt /m)
  })
})

describe("share picture", () => {
  it("is a 1200×630 PNG per item and language, revalidated by ETag, new when the item changes", { timeout: 60_000 }, async () => {
    const response = await get(`/catalog/${slugs.eligible}/share.png?lang=ar`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("image/png")
    expect(response.headers.get("cache-control")).toContain("public")
    const etag = response.headers.get("etag")!
    expect(etag).toMatch(/^".+"$/)
    const png = Buffer.from(await response.arrayBuffer())
    expect(await sharp(png).metadata()).toMatchObject({ format: "png", width: 1200, height: 630 })

    expect((await get(`/catalog/${slugs.eligible}/share.png?lang=ar`, home, { "if-none-match": etag })).status).toBe(304)
    const english = await get(`/catalog/${slugs.eligible}/share.png?lang=en`)
    expect(english.headers.get("etag")).not.toBe(etag)

    // A gift received moves the progress: a new picture under a new ETag.
    await inTenant(home, (sql) => sql`update catalog_items set raised_amount = 900 where slug = ${slugs.eligible}`)
    const moved = await get(`/catalog/${slugs.eligible}/share.png?lang=ar`, home, { "if-none-match": etag })
    expect(moved.status).toBe(200)
    expect(moved.headers.get("etag")).not.toBe(etag)
    expect(Buffer.from(await moved.arrayBuffer()).equals(png)).toBe(false)
  })

  it("answers 404 for another tenant's or an unknown item and 400 for bad input", async () => {
    const foreign = await createTenant().pipe((effect) => withOwner(urls, effect))
    expect((await get(`/catalog/${slugs.eligible}/share.png`, foreign)).status).toBe(404)
    expect((await get(`/catalog/no-such-item/share.png`)).status).toBe(404)
    const badLang = await get(`/catalog/${slugs.eligible}/share.png?lang=fr`)
    expect(badLang.status).toBe(400)
    expect(badLang.headers.get("content-type")).toBe("application/problem+json")
    expect((await get(`/catalog/${encodeURIComponent("Not A Slug!")}/share.png`)).status).toBe(400)
  })

  it("serves a completed project's picture too (it stays on the storefront)", async () => {
    expect((await get(`/catalog/${slugs.completed}/share.png`)).status).toBe(200)
    expect((await get(`/catalog/${slugs.completed}/share.png`, other)).status).toBe(200)
  })
})
