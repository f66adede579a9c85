import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

// Orders that ship (a Kuwaiti address or pickup), the lines on the thank-you answer and the PDF,
// phones in E.164 and staff search by any form, Arabic folding in staff search, and the CSV.

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
const { call, memberOf } = apiPeople(() => api.url, urls, pool)

let home: TenantFixture
let other: TenantFixture
let owner: Person
let otherOwner: Person
let shipping: string
let digital: string
let otherShipping: string
const slug = `well-${randomUUID().slice(0, 6)}`
const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

const post = (kind: "orders" | "donations" | "pledges", body: unknown, tenant: TenantFixture = home) =>
  fetch(`${api.url}/api/v1/public/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: JSON.stringify(body)
  })

const address = {
  governorate: "hawalli",
  area: "السالمية",
  block: "10",
  street: "شارع سالم المبارك",
  building: "12",
  floor: "3",
  flat: "7",
  notes: "الباب الأزرق"
}

const order = (overrides: Record<string, unknown> = {}) => ({
  items: [
    { itemId: shipping, quantity: 3 },
    { itemId: digital, quantity: 1 }
  ],
  customer: { name: "منى", phone: "5000 1234" },
  paymentMethod: "bank_transfer",
  delivery: { method: "delivery", address },
  ...overrides
})

const rows = <A extends object>(tenant: TenantFixture, query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

/** A tenant with a product that ships (dates, 2.500), one that does not (an e-card, 1.000) and a project. */
const prepare = (tenantId: TenantId, pickup: boolean) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({
      bankTransfer: { iban: "KW81CBKU0000000000001234560101" },
      orders: { pickup }
    })}::jsonb where id = ${tenantId}`
    return yield* asOwnerInTenant(
      tenantId,
      Effect.gen(function* () {
        yield* sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
          values (${tenantId}, 'project', ${slug}, 'بئر الخير', 'Well of good', 1000, 'sadaqah', 'active')`
        const [ships] = yield* sql<{
          id: string
        }>`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, price, status, ships)
          values (${tenantId}, 'product', ${`${slug}-dates`}, 'تمر خلاص', 'Khalas dates', 2.5, 'active', true) returning id`
        const [card] = yield* sql<{ id: string }>`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, price, status)
          values (${tenantId}, 'product', ${`${slug}-card`}, 'بطاقة إهداء', 'Gift card', 1, 'active') returning id`
        return [ships!.id, card!.id] as const
      })
    )
  })

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000" }, s3))
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  ;[shipping, digital] = await withOwner(urls, prepare(home.id, false))
  ;[otherShipping] = await withOwner(urls, prepare(other.id, true))
  owner = await memberOf(home, "owner")
  otherOwner = await memberOf(other, "owner", "other")
}, 60_000)
afterAll(async () => {
  await api?.close()
})

type Problem = { type: string; status: number; errors?: Array<{ path: Array<string | number>; message: string }> }
const refusal = async (response: Response) => {
  expect(response.status).toBe(400)
  expect(response.headers.get("content-type")).toContain("application/problem+json")
  return (await response.json()) as Problem
}
const paths = (problem: Problem) => (problem.errors ?? []).map((issue) => issue.path.join("."))

describe("orders that ship", () => {
  it("keep the Kuwaiti address with the order and answer with the lines and the address", async () => {
    const response = await post("orders", order())
    expect(response.status).toBe(201)
    const receipt = await response.json()
    expect(receipt.amount).toBe("8.500")
    expect(receipt.lines).toEqual([
      { slug: `${slug}-dates`, title: { ar: "تمر خلاص", en: "Khalas dates" }, quantity: 3, unitPrice: "2.500", lineTotal: "7.500" },
      { slug: `${slug}-card`, title: { ar: "بطاقة إهداء", en: "Gift card" }, quantity: 1, unitPrice: "1.000", lineTotal: "1.000" }
    ])
    expect(receipt.delivery).toEqual({ method: "delivery", address })
    const [stored] = await rows(
      home,
      (sql) => sql<{ delivery: unknown }>`select delivery from orders where reference = ${receipt.reference}`
    )
    expect(stored!.delivery).toEqual({ method: "delivery", address })
    // The thank-you page reads the receipt by its token alone: the same lines and address.
    const again = await (
      await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}`, { headers: { "x-forwarded-host": hostOf(home) } })
    ).json()
    expect(again.lines).toEqual(receipt.lines)
    expect(again.delivery).toEqual(receipt.delivery)
  })

  it("print the lines, the total and the address on the PDF receipt", async () => {
    const receipt = await (await post("orders", order())).json()
    const pdf = await fetch(`${api.url}/api/v1/public/receipts/${receipt.receiptToken}/pdf`, {
      headers: { "x-forwarded-host": hostOf(home) }
    })
    expect(pdf.status).toBe(200)
    // pdftotext marks direction runs (U+202A-U+202E); the words are what count.
    const text = execFileSync("pdftotext", ["-layout", "-", "-"], { input: Buffer.from(await pdf.arrayBuffer()) })
      .toString()
      .replace(/[\u202A-\u202E\u200E\u200F]/g, "")
    expect(text).toContain("Khalas dates")
    expect(text).toContain("3 × KWD 2.500 = KWD 7.500")
    expect(text).toContain("Gift card")
    expect(text).toContain("1 × KWD 1.000 = KWD 1.000")
    expect(text).toContain("8.500")
    expect(text).toContain("Delivery")
    expect(text).toContain("Hawalli")
    expect(text).toContain("block 10")
    expect(text).toContain("building 12")
    expect(text).toContain("floor 3, flat 7")
    expect(text).toContain("حولي")
  }, 30_000)

  it("refuse each missing or bad address field by its path", async () => {
    for (const field of ["area", "block", "street", "building"] as const) {
      const problem = await refusal(
        await post("orders", order({ delivery: { method: "delivery", address: { ...address, [field]: "  " } } }))
      )
      expect(paths(problem)).toContain(`delivery.address.${field}`)
      const { [field]: _, ...without } = address
      const missing = await refusal(await post("orders", order({ delivery: { method: "delivery", address: without } })))
      expect(paths(missing)).toContain(`delivery.address.${field}`)
    }
    const long = await refusal(
      await post("orders", order({ delivery: { method: "delivery", address: { ...address, notes: "x".repeat(301) } } }))
    )
    expect(paths(long)).toContain("delivery.address.notes")
    const floor = await refusal(
      await post("orders", order({ delivery: { method: "delivery", address: { ...address, floor: "1".repeat(11) } } }))
    )
    expect(paths(floor)).toContain("delivery.address.floor")
  })

  it("take only Kuwait's six governorates", async () => {
    for (const governorate of ["capital", "hawalli", "farwaniya", "mubarak-al-kabeer", "ahmadi", "jahra"]) {
      expect((await post("orders", order({ delivery: { method: "delivery", address: { ...address, governorate } } }))).status).toBe(201)
    }
    for (const governorate of ["riyadh", "Hawalli", "", 3]) {
      const problem = await refusal(await post("orders", order({ delivery: { method: "delivery", address: { ...address, governorate } } })))
      expect(paths(problem)).toContain("delivery.address.governorate")
    }
  })

  it("need a delivery when an item ships, and none when nothing does", async () => {
    const { delivery: _, ...bare } = order()
    const problem = await refusal(await post("orders", bare))
    expect(problem.type).toBe("https://manara.app/problems/delivery-required")
    expect(paths(problem)).toEqual(["delivery"])
    const card = await post("orders", { ...bare, items: [{ itemId: digital, quantity: 2 }] })
    expect(card.status).toBe(201)
    const receipt = await card.json()
    expect(receipt.delivery).toBeNull()
    expect(receipt.lines).toHaveLength(1)
    // An address sent for an order that does not ship is not kept.
    const ignored = await (await post("orders", { ...order(), items: [{ itemId: digital, quantity: 1 }] })).json()
    const [stored] = await rows(
      home,
      (sql) => sql<{ delivery: unknown }>`select delivery from orders where reference = ${ignored.reference}`
    )
    expect(stored!.delivery).toBeNull()
  })

  it("offer pickup only where the tenant allows it", async () => {
    const refused = await refusal(await post("orders", order({ delivery: { method: "pickup" } })))
    expect(refused.type).toBe("https://manara.app/problems/pickup-unavailable")
    expect(paths(refused)).toEqual(["delivery.method"])
    const allowed = await post(
      "orders",
      {
        items: [{ itemId: otherShipping, quantity: 1 }],
        customer: { name: "Ali", phone: "+965 6000 0001" },
        paymentMethod: "bank_transfer",
        delivery: { method: "pickup" }
      },
      other
    )
    expect(allowed.status).toBe(201)
    expect((await allowed.json()).delivery).toEqual({ method: "pickup" })
    const unknown = await refusal(await post("orders", order({ delivery: { method: "drone" } })))
    expect(paths(unknown).some((path) => path.startsWith("delivery"))).toBe(true)
  })

  it("are another tenant's product nowhere else: a foreign product is unavailable", async () => {
    const response = await post("orders", order({ items: [{ itemId: otherShipping, quantity: 1 }] }))
    expect((await refusal(response)).type).toBe("https://manara.app/problems/item-unavailable")
  })
})

describe("phones", () => {
  const stored = async (reference: string) =>
    (
      await rows(
        home,
        (sql) => sql<{ phone: string }>`select donor_phone as phone from donations where reference = ${reference}
      union all select customer_phone from orders where reference = ${reference}`
      )
    )[0]!.phone

  it("are stored in E.164 however they are typed", async () => {
    for (const typed of ["5000 2345", "+965 5000 2345", "0096550002345", "965 5000 2345", "٥٠٠٠٢٣٤٥", "+٩٦٥ ٥٠٠٠ ٢٣٤٥"]) {
      const response = await post("donations", {
        amount: "5.000",
        project: slug,
        donor: { name: "ريم", phone: typed },
        paymentMethod: "bank_transfer"
      })
      expect(response.status).toBe(201)
      expect(await stored((await response.json()).reference)).toBe("+96550002345")
    }
    const uk = await (await post("orders", order({ customer: { name: "Jo", phone: "+44 7911 123456" } }))).json()
    expect(await stored(uk.reference)).toBe("+447911123456")
  })

  it("typed before E.164 are rewritten by migration 0020 where they parse without doubt", async () => {
    const typed = ["5000 1234", "+965 5000-1234", "0096550001234", "965 5000 1234", "٥٠٠٠١٢٣٤", "+44 7911 123456", "ext. 12", "1234"]
    const [row] = await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ out: Array<string> }>`select array(select app.phone_e164(t) from unnest(${typed}::text[]) t) as out`
      )
    )
    expect(row!.out).toEqual([
      "+96550001234",
      "+96550001234",
      "+96550001234",
      "+96550001234",
      "+96550001234",
      "+447911123456",
      "ext. 12",
      "1234"
    ])
  })

  it("that are no phone number are a field error", async () => {
    for (const typed of ["123", "5000", "+965 1234", "abcdefgh", "+999 5000 1234"]) {
      const problem = await refusal(await post("orders", order({ customer: { name: "منى", phone: typed } })))
      expect(paths(problem)).toContain("customer.phone")
    }
  })

  it("are found by staff in any form of the number", async () => {
    const { reference } = await (
      await post("donations", {
        amount: "6.000",
        project: slug,
        donor: { name: "هيا", phone: "9000 4321" },
        paymentMethod: "bank_transfer"
      })
    ).json()
    const found = async (q: string) => {
      const response = await call("GET", `/tenant/inbox?q=${encodeURIComponent(q)}`, owner, home.slug)
      expect(response.status).toBe(200)
      return ((await response.json()) as { entries: Array<{ reference: string; phone: string }> }).entries
    }
    for (const q of [
      "+965 9000 4321",
      "+96590004321",
      "96590004321",
      "0096590004321",
      "90004321",
      "9000 4321",
      "٩٠٠٠٤٣٢١",
      "+٩٦٥ ٩٠٠٠ ٤٣٢١"
    ]) {
      expect(
        (await found(q)).map((entry) => entry.reference),
        q
      ).toEqual([reference])
    }
    expect((await found("9000 4321"))[0]!.phone).toBe("+96590004321")
    expect(await found("90004322")).toEqual([])
  })
})

describe("staff search", () => {
  it("folds Arabic as the storefront's search does: ة/ه, أ/إ/آ/ا, ى/ي and diacritics", async () => {
    const donate = async (name: string) =>
      (
        await (
          await post("donations", { amount: "2.000", project: slug, donor: { name, phone: "6500 1122" }, paymentMethod: "bank_transfer" })
        ).json()
      ).reference as string
    const fatima = await donate("فاطمة الإبراهيم")
    const mustafa = await donate("مُصْطَفَى")
    const search = async (q: string) => {
      const response = await call("GET", `/tenant/inbox?q=${encodeURIComponent(q)}`, owner, home.slug)
      return ((await response.json()) as { entries: Array<{ reference: string }> }).entries.map((entry) => entry.reference)
    }
    expect(await search("فاطمه")).toContain(fatima)
    expect(await search("الابراهيم")).toContain(fatima)
    expect(await search("آلإبراهيم")).toContain(fatima)
    expect(await search("مصطفي")).toContain(mustafa)
    expect(await search("مصطفى")).toContain(mustafa)
    expect(await search("فاطمةٌ")).toContain(fatima)
    expect(await search("فاطمو")).not.toContain(fatima)
    // Another tenant's staff find none of it.
    const foreign = await call("GET", `/tenant/inbox?q=${encodeURIComponent("فاطمه")}`, otherOwner, other.slug)
    expect(((await foreign.json()) as { entries: Array<unknown> }).entries).toEqual([])
  })
})

describe("the CSV export", () => {
  const csv = async (query: string) => {
    const response = await call("GET", `/tenant/inbox.csv${query}`, owner, home.slug)
    expect(response.status).toBe(200)
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    return new TextDecoder().decode(bytes.slice(3)).split("\r\n")
  }

  it("has headers and labels in the staff member's language, ISO dates in Kuwait's time and exact amounts", async () => {
    const { reference } = await (
      await post("donations", {
        amount: "12.345",
        project: slug,
        donor: { name: "نورة", phone: "5000 7777" },
        paymentMethod: "bank_transfer"
      })
    ).json()
    const en = await csv("?locale=en&kind=donation")
    expect(en[0]).toBe("Reference,Kind,Status,Payment,Amount (KWD),Name,Phone,Email,Category,Project,Date")
    const line = en.find((l) => l.startsWith(reference))!
    expect(line).toMatch(
      /^DON-\d{4}-\d{6},Donation,Pending,Awaiting payment,12\.345,نورة,"\t\+965 5000 7777",,Sadaqah,Well of good,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$/
    )
    const ar = await csv("?locale=ar&kind=donation")
    expect(ar[0]).toBe("المرجع,النوع,الحالة,الدفع,المبلغ (د.ك),الاسم,الهاتف,البريد الإلكتروني,الفئة,المشروع,التاريخ")
    const arLine = ar.find((l) => l.startsWith(reference))!
    expect(arLine).toContain(",تبرع,قيد الانتظار,بانتظار الدفع,12.345,نورة,")
    expect(arLine).toContain(",صدقة,بئر الخير,")
    // The date is this moment in Kuwait (UTC+3), not UTC.
    const [created] = await rows(
      home,
      (sql) => sql<{ at: string }>`
      select to_char(created_at at time zone 'Asia/Kuwait', 'YYYY-MM-DD"T"HH24:MI:SS') || '+03:00' as at from donations where reference = ${reference}`
    )
    expect(arLine.endsWith(`,${created!.at}`)).toBe(true)
    // Without a locale: Arabic, the dashboard's first language.
    expect((await csv("?kind=donation"))[0]).toBe(ar[0])
  })

  it("keeps formulas from running while phones show as typed", async () => {
    const names = ['=HYPERLINK("http://x","y")', "+SUM(1,2)", "-2+3", "@cmd", "|calc"]
    const references: Array<string> = []
    for (const name of names) {
      const response = await post("donations", {
        amount: "1.000",
        project: slug,
        donor: { name, phone: "+965 6000 7777" },
        paymentMethod: "bank_transfer"
      })
      expect(response.status).toBe(201)
      references.push((await response.json()).reference)
    }
    const lines = await csv("?locale=en&kind=donation")
    const cells = (reference: string) => lines.find((l) => l.startsWith(reference))!
    expect(cells(references[0]!)).toContain(`,"'=HYPERLINK(""http://x"",""y"")",`)
    expect(cells(references[1]!)).toContain(`,"'+SUM(1,2)",`)
    expect(cells(references[2]!)).toContain(",'-2+3,")
    expect(cells(references[3]!)).toContain(",'@cmd,")
    expect(cells(references[4]!)).toContain(",'|calc,")
    // The phone: our own E.164 in its international form, behind a tab, never an apostrophe.
    for (const reference of references) expect(cells(reference)).toContain(`,"\t+965 6000 7777",`)
    expect(lines.join("\n")).not.toContain("'+965")
  })

  it("refuses a bad locale, and a stranger to the tenant", async () => {
    expect((await call("GET", "/tenant/inbox.csv?locale=fr", owner, home.slug)).status).toBe(400)
    expect((await call("GET", "/tenant/inbox.csv?locale=en", otherOwner, home.slug)).status).toBe(404)
  })
})

describe("staff inbox detail", () => {
  it("shows the order's delivery address", async () => {
    const { reference } = await (await post("orders", order())).json()
    const list = (await (await call("GET", `/tenant/inbox?q=${reference}`, owner, home.slug)).json()) as { entries: Array<{ id: string }> }
    const id = list.entries[0]!.id
    const detail = await (await call("GET", `/tenant/inbox/order/${id}`, owner, home.slug)).json()
    expect(detail.details.delivery).toEqual({ method: "delivery", address })
    expect((await call("GET", `/tenant/inbox/order/${id}`, otherOwner, other.slug)).status).toBe(404)
  })
})
