import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, PgProxy, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")
const env = (overrides: Record<string, string> = {}) =>
  apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000", ...overrides }, s3)

let api: StartedApi
let home: TenantFixture
let owner: Person
let projectSlug: string
let projectId: string
let dearProductId: string
const { call, memberOf } = apiPeople(() => api.url, urls, pool)

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

const capture = (kind: "orders" | "donations" | "pledges", body: unknown, tenant: TenantFixture = home, base = api.url) =>
  fetch(`${base}/api/v1/public/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: JSON.stringify(body)
  })

const donation = (overrides: Record<string, unknown> = {}) => ({
  amount: "25.000",
  project: projectSlug,
  donor: { name: "أم محمد", phone: "+965 5000 1234" },
  paymentMethod: "bank_transfer",
  ...overrides
})
const order = (overrides: Record<string, unknown> = {}) => ({
  items: [{ itemId: dearProductId, quantity: 1 }],
  customer: { name: "Ahmad", phone: "+96550001111" },
  paymentMethod: "bank_transfer",
  ...overrides
})
const pledge = (overrides: Record<string, unknown> = {}) => ({
  amount: "50.000",
  project: projectSlug,
  dueDate: "2099-01-01",
  donor: { name: "Fatima", phone: "+96550002222" },
  ...overrides
})

/** As the owner role inside a tenant: what the database really holds. */
const rows = <A extends object>(
  query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>,
  tenant: TenantFixture = home
) => withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

/** Every table a bad request could have half-written, counted. */
const written = () =>
  rows(
    (sql) => sql<{ n: string }>`
    select concat_ws(',', (select count(*) from donations), (select count(*) from orders), (select count(*) from pledges),
      (select count(*) from catalog_items), (select count(*) from tenant_invitations), (select count(*) from audit_log),
      (select count(*) from notification_outbox), (select count(*) from idempotency_keys)) as n`
  )

const projectSums = () =>
  rows(
    (sql) => sql<{ raised: string; pledged: string }>`
    select raised_amount::text as raised, pledged_amount::text as pledged from catalog_items where id = ${projectId}`
  ).then((r) => r[0]!)

/** A tenant that takes payments, with a project and a product at the highest price a catalog holds. */
const prepare = (tenantId: TenantId, slug: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({
      bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
      donations: { minimum: "1.000", maximum: "5000.000" }
    })}::jsonb where id = ${tenantId}`
    return yield* asOwnerInTenant(
      tenantId,
      Effect.gen(function* () {
        const [project] = yield* sql<{
          id: string
        }>`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
        values (${tenantId}, 'project', ${slug}, 'بئر ماء', 1000, 'sadaqah', 'active') returning id`
        const [product] = yield* sql<{ id: string }>`insert into catalog_items (tenant_id, kind, slug, title_ar, price, status)
        values (${tenantId}, 'product', ${`${slug}-gold`}, 'ذهب', 999999999.999, 'active') returning id`
        return { projectId: project!.id, productId: product!.id }
      })
    )
  })

beforeAll(async () => {
  api = await startApi(env())
  home = await withOwner(urls, createTenant())
  projectSlug = `well-${randomUUID().slice(0, 6)}`
  ;({ projectId, productId: dearProductId } = await withOwner(urls, prepare(home.id, projectSlug)))
  owner = await memberOf(home, "owner")
})
afterAll(async () => {
  await api?.close()
})

const NUL = "\u0000"
const LONE_SURROGATE = "\ud800"

/** Asserts a 400 problem+json whose field issues name `path`. */
const expectFieldRefused = async (response: Response, path: ReadonlyArray<string | number>, label: string) => {
  expect(response.status, label).toBe(400)
  expect(response.headers.get("content-type"), label).toBe("application/problem+json")
  const body = (await response.json()) as { errors?: Array<{ path: Array<string | number>; message: string }> }
  expect(
    body.errors?.map((issue) => issue.path),
    label
  ).toContainEqual(path)
}

describe("a character nobody types is a 400 naming its field, and nothing is written", () => {
  it("a NUL or a lone surrogate in a donor name, an order's customer name or a pledger's name is a 400", async () => {
    const before = await written()
    const cases: Array<[string, "orders" | "donations" | "pledges", unknown, ReadonlyArray<string>]> = []
    for (const [bad, label] of [
      [NUL, "NUL"],
      [LONE_SURROGATE, "lone surrogate"],
      ["\uffff", "U+FFFF"],
      ["\u001b", "ESC"]
    ] as const) {
      cases.push(
        [
          `${label} in a donor name`,
          "donations",
          donation({ donor: { name: `أم${bad}محمد`, phone: "+965 5000 1234" } }),
          ["donor", "name"]
        ],
        [`${label} in a dedication`, "donations", donation({ dedication: `عن${bad}أمي` }), ["dedication"]],
        [`${label} in a donor email`, "donations", donation({ donor: { email: `a${bad}@example.com` } }), ["donor", "email"]],
        [
          `${label} in an order's customer name`,
          "orders",
          order({ customer: { name: `Ah${bad}mad`, phone: "+96550001111" } }),
          ["customer", "name"]
        ],
        [`${label} in an order's notes`, "orders", order({ notes: `ring${bad}twice` }), ["notes"]],
        [`${label} in a pledger's name`, "pledges", pledge({ donor: { name: `Fa${bad}tima`, phone: "+96550002222" } }), ["donor", "name"]]
      )
    }
    for (const [label, kind, body, path] of cases) await expectFieldRefused(await capture(kind, body), path, label)
    expect(await written()).toEqual(before)
  })

  it("a NUL or a lone surrogate in a catalog title, a status note, an invite email or a search is a 400", async () => {
    const before = await written()
    const item = { kind: "project", slug: `bad-${randomUUID().slice(0, 8)}`, goal: "100.000" }
    for (const bad of [NUL, LONE_SURROGATE]) {
      await expectFieldRefused(
        await call("POST", "/tenant/catalog", owner, home.slug, { ...item, title: { ar: `بئر${bad}` } }),
        ["title", "ar"],
        "title"
      )
      await expectFieldRefused(
        await call("POST", "/tenant/catalog", owner, home.slug, { ...item, title: { ar: "بئر" }, body: { ar: `x${bad}y` } }),
        ["body", "ar"],
        "body"
      )
      await expectFieldRefused(
        await call("POST", `/tenant/catalog/${projectId}/status`, owner, home.slug, { to: "funded", note: `n${bad}` }),
        ["note"],
        "note"
      )
      await expectFieldRefused(
        await call("POST", "/tenant/invitations", owner, home.slug, { email: `x${bad}@example.com`, role: "member" }),
        ["email"],
        "invite"
      )
      await expectFieldRefused(
        await call("GET", `/tenant/catalog?q=${encodeURIComponent(`a${bad === NUL ? NUL : "\ufffe"}`)}`, owner, home.slug),
        ["q"],
        "catalog q"
      )
      await expectFieldRefused(
        await call("GET", `/tenant/inbox?q=${encodeURIComponent(`a${bad === NUL ? NUL : "\ufffe"}`)}`, owner, home.slug),
        ["q"],
        "inbox q"
      )
    }
    expect(await written()).toEqual(before)
  })

  it("tabs and line breaks stay allowed where text may run over lines", async () => {
    const response = await capture("orders", order({ notes: "الباب الخلفي\n\tبعد العصر\r\n" }))
    expect(response.status).toBe(201)
  })

  it("a NUL in a public item's slug is a 400, not a 500", async () => {
    const response = await fetch(`${api.url}/api/v1/public/catalog/well%00x`, { headers: { "x-forwarded-host": hostOf(home) } })
    expect(response.status).toBe(400)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
  })

  it("JSON nested past 32 levels is a 400 nested-too-deeply on every JSON endpoint, not a 500; the body limit still comes first", async () => {
    const before = await written()
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`
    const deepObject = `${'{"a":'.repeat(40)}1${"}".repeat(40)}`
    for (const [path, headers] of [
      ["/public/donations", { "x-forwarded-host": hostOf(home) }],
      ["/auth/login", {}],
      ["/tenant/catalog", { "x-tenant": home.slug, authorization: `Bearer ${owner.token}` }]
    ] as const) {
      for (const body of [deep, deepObject]) {
        const response = await fetch(`${api.url}/api/v1${path}`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body
        })
        expect(response.status, path).toBe(400)
        expect(response.headers.get("content-type")).toBe("application/problem+json")
        expect((await response.json()).type).toBe("https://manara.app/problems/nested-too-deeply")
      }
    }
    expect(await written()).toEqual(before)
    // Nesting inside a string is only text.
    expect((await capture("donations", donation({ dedication: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" }))).status).toBe(201)
    const tooLarge = await fetch(`${api.url}/api/v1/public/donations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": hostOf(home) },
      body: "[".repeat(20_000)
    })
    expect(tooLarge.status).toBe(413)
  })

  it("a real cut of the database is still a 503 for a capture", async () => {
    const proxy = await PgProxy.start()
    const flaky = await startApi(env({ DATABASE_URL: proxy.url(urls.runtimeUrl) }))
    try {
      expect((await capture("donations", donation(), home, flaky.url)).status).toBe(201)
      proxy.cut()
      const response = await capture("donations", donation(), home, flaky.url)
      expect(response.status).toBe(503)
      expect((await response.json()).type).toBe("https://manara.app/problems/database-unavailable")
    } finally {
      await flaky.close()
      await proxy.close()
    }
  })
})

describe("totals cannot be poisoned", () => {
  it("a pledge above the tenant's donation maximum is refused as amount-out-of-range; the project's sums do not move", async () => {
    const before = await projectSums()
    for (const amount of ["999999999.999", "5000.001"]) {
      const response = await capture("pledges", pledge({ amount }))
      expect(response.status, amount).toBe(400)
      expect((await response.json()).type).toBe("https://manara.app/problems/amount-out-of-range")
    }
    expect((await capture("pledges", pledge({ amount: "0.500" }))).status).toBe(400)
    expect(await projectSums()).toEqual(before)
    expect((await capture("pledges", pledge({ amount: "5000.000" }))).status).toBe(201)
  })

  it("a pledge that would push the project's pledged sum past NUMERIC(12,3) is a 400; the public page still renders", async () => {
    await rows((sql) => sql`update catalog_items set pledged_amount = 999999000.000 where id = ${projectId} returning 1`)
    const maximal = await capture("pledges", pledge({ amount: "999.999" }))
    expect(maximal.status).toBe(201)
    expect((await projectSums()).pledged).toBe("999999999.999")
    const before = await written()
    for (const amount of ["1.000", "1.001", "5000.000"]) {
      const response = await capture("pledges", pledge({ amount }))
      expect(response.status, amount).toBe(400)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      expect((await response.json()).type).toBe("https://manara.app/problems/project-total-out-of-range")
    }
    expect(await written()).toEqual(before)
    const page = await fetch(`${api.url}/api/v1/public/catalog/${projectSlug}`, { headers: { "x-forwarded-host": hostOf(home) } })
    expect(page.status).toBe(200)
    expect((await page.json()).item.pledged).toBe("999999999.999")
    // Another project, or none, still takes pledges.
    expect((await capture("pledges", pledge({ project: undefined }))).status).toBe(201)
    await rows((sql) => sql`update catalog_items set pledged_amount = 0 where id = ${projectId} returning 1`)
  })

  it("concurrent pledges racing past the maximum: one is taken, the rest are 400, never 5xx", async () => {
    await rows((sql) => sql`update catalog_items set pledged_amount = 999999990.000 where id = ${projectId} returning 1`)
    const responses = await Promise.all(Array.from({ length: 12 }, () => capture("pledges", pledge({ amount: "6.000" }))))
    const statuses = responses.map((response) => response.status).sort()
    expect(statuses).toEqual([201, ...Array(11).fill(400)])
    for (const response of responses.filter((r) => r.status === 400)) {
      expect((await response.json()).type).toBe("https://manara.app/problems/project-total-out-of-range")
    }
    expect((await projectSums()).pledged).toBe("999999996.000")
    await rows((sql) => sql`update catalog_items set pledged_amount = 0 where id = ${projectId} returning 1`)
  })

  it("a donation that could push the project's raised sum past NUMERIC(12,3) is a 400", async () => {
    await rows((sql) => sql`update catalog_items set raised_amount = 999999990.000 where id = ${projectId} returning 1`)
    const response = await capture("donations", donation({ amount: "25.000" }))
    expect(response.status).toBe(400)
    expect((await response.json()).type).toBe("https://manara.app/problems/project-total-out-of-range")
    expect((await capture("donations", donation({ amount: "5.000" }))).status).toBe(201)
    await rows((sql) => sql`update catalog_items set raised_amount = 0 where id = ${projectId} returning 1`)
  })

  it("marking a donation received when the project's raised sum cannot take it is a 409; nothing moves", async () => {
    const { reference } = await (await capture("donations", donation({ amount: "100.000" }))).json()
    await rows((sql) => sql`update catalog_items set raised_amount = 999999950.000 where id = ${projectId} returning 1`)
    const [row] = await rows((sql) => sql<{ id: string }>`select id from donations where reference = ${reference}`)
    const response = await call("POST", `/tenant/inbox/donation/${row!.id}/payment`, owner, home.slug, { state: "received" })
    expect(response.status).toBe(409)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect((await response.json()).type).toBe("https://manara.app/problems/project-total-out-of-range")
    const [after] = await rows(
      (sql) => sql<{ payment_state: string; status: string }>`select payment_state, status from donations where id = ${row!.id}`
    )
    expect(after).toEqual({ payment_state: "pending", status: "pending" })
    expect((await projectSums()).raised).toBe("999999950.000")
    await rows((sql) => sql`update catalog_items set raised_amount = 0 where id = ${projectId} returning 1`)
  })

  it("an order whose total overflows NUMERIC(12,3) is a 400 and writes nothing", async () => {
    const before = await written()
    for (const items of [
      [{ itemId: dearProductId, quantity: 99 }],
      Array.from({ length: 50 }, () => ({ itemId: dearProductId, quantity: 99 }))
    ]) {
      const response = await capture("orders", order({ items }))
      expect(response.status).toBe(400)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      expect((await response.json()).type).toBe("https://manara.app/problems/order-total-out-of-range")
    }
    expect(await written()).toEqual(before)
    expect((await capture("orders", order())).status).toBe(201)
  })
})
