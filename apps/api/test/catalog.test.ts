import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import sharp from "sharp"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
const { call, memberOf, person } = apiPeople(() => api.url, urls, pool)

const publicGet = (path: string, host: string) =>
  fetch(`${api.url}/api/v1/public${path}`, { headers: { "x-forwarded-host": host }, redirect: "manual" })

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

let home: TenantFixture
let other: TenantFixture
let owner: Person
let admin: Person
let member: Person
let stranger: Person
let otherOwner: Person

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, {}, s3))
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  owner = await memberOf(home, "owner")
  admin = await memberOf(home, "admin")
  member = await memberOf(home, "member")
  stranger = await person("stranger")
  otherOwner = await memberOf(other, "owner", "other")
})
afterAll(async () => {
  await api?.close()
})

const project = (overrides: Record<string, unknown> = {}) => ({
  kind: "project",
  slug: `well-${randomUUID().slice(0, 8)}`,
  title: { ar: "بئر ماء في القرية", en: "A water well for the village" },
  summary: { ar: "ماء نظيف لمئة أسرة", en: "Clean water for a hundred families" },
  goal: "1500.000",
  category: "sadaqah",
  ...overrides
})

const create = async (body: unknown, as: Person = owner, tenant: TenantFixture = home) => {
  const response = await call("POST", "/tenant/catalog", as, tenant.slug, body)
  const json = await response.json()
  if (response.status !== 201) throw new Error(`create answered ${response.status}: ${JSON.stringify(json)}`)
  return json as { id: string; slug: string; status: string; goal: string | null; price: string | null }
}

const setStatus = (id: string, to: string, as: Person = owner, tenant: TenantFixture = home) =>
  call("POST", `/tenant/catalog/${id}/status`, as, tenant.slug, { to })

/** Straight from the database as the owner role, inside a tenant (RLS is forced for the owner too). */
const rows = <A extends object>(
  query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>,
  tenant: TenantFixture = home
) => withOwner(urls, asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

describe("catalog: create, edit, status workflow", () => {
  it("creates a draft project with exact money, its first history row and an audit row", async () => {
    const item = await create(project({ goal: "1500.5" }))
    expect(item).toMatchObject({ status: "draft", goal: "1500.500", price: null })
    const history = await (await call("GET", `/tenant/catalog/${item.id}/history`, owner, home.slug)).json()
    expect(history).toMatchObject([{ from: null, to: "draft", by: owner.userId }])
    const audit = await rows(
      (sql) => sql<{ action: string; actor_user_id: string }>`select action, actor_user_id from audit_log where entity_id = ${item.id}`
    )
    expect(audit).toEqual([{ action: "catalog.created", actor_user_id: owner.userId }])
  })

  it("refuses bad input with 400 problem+json and writes nothing", async () => {
    const slug = `bad-${randomUUID().slice(0, 8)}`
    const cases: Array<[string, unknown, string]> = [
      ["price with 4 decimals", { kind: "product", slug, title: { ar: "كتاب" }, price: "1.2345" }, "invalid-request"],
      ["negative price", { kind: "product", slug, title: { ar: "كتاب" }, price: "-1.000" }, "invalid-request"],
      ["exponent", { kind: "product", slug, title: { ar: "كتاب" }, price: "1e3" }, "invalid-request"],
      ["float number", { kind: "product", slug, title: { ar: "كتاب" }, price: 1.5 }, "invalid-request"],
      ["no Arabic title", { kind: "product", slug, title: { en: "Book" }, price: "1.000" }, "invalid-request"],
      ["blank Arabic title", { kind: "product", slug, title: { ar: "   ", en: "Book" }, price: "1.000" }, "invalid-request"],
      ["bad slug", { kind: "product", slug: "Not a slug", title: { ar: "كتاب" }, price: "1.000" }, "invalid-request"],
      ["unknown kind", { kind: "service", slug, title: { ar: "كتاب" }, price: "1.000" }, "invalid-request"],
      ["product without price", { kind: "product", slug, title: { ar: "كتاب" } }, "invalid-item"],
      ["zakat-eligible product", { kind: "product", slug, title: { ar: "كتاب" }, price: "1.000", zakatEligible: true }, "invalid-item"],
      ["product with a goal", { kind: "product", slug, title: { ar: "كتاب" }, price: "1.000", goal: "5.000" }, "invalid-item"],
      ["project with zero goal", project({ slug, goal: "0" }), "invalid-item"],
      ["project with a price", project({ slug, price: "3.000" }), "invalid-item"],
      ["unknown category", project({ slug, category: "tithe" }), "invalid-request"]
    ]
    for (const [name, body, type] of cases) {
      const response = await call("POST", "/tenant/catalog", owner, home.slug, body)
      expect(response.status, name).toBe(400)
      expect(response.headers.get("content-type"), name).toBe("application/problem+json")
      expect((await response.json()).type, name).toBe(`https://manara.app/problems/${type}`)
    }
    const written = await rows((sql) => sql`select 1 from catalog_items where slug = ${slug}`)
    expect(written).toHaveLength(0)
  })

  it("a slug is unique per tenant (409), but two tenants may share one", async () => {
    const item = await create(project())
    const again = await call("POST", "/tenant/catalog", owner, home.slug, project({ slug: item.slug }))
    expect(again.status).toBe(409)
    expect((await again.json()).type).toBe("https://manara.app/problems/slug-taken")
    await create(project({ slug: item.slug }), otherOwner, other)
  })

  it("ignores a forged tenant_id, status or raised amount in the body", async () => {
    const item = await create({ ...project(), tenant_id: other.id, tenantId: other.id, status: "completed", raised: "999.000" })
    const [row] = await rows(
      (sql) => sql<{ tenant_id: string; status: string; raised_amount: string }>`
      select tenant_id, status, raised_amount::text from catalog_items where id = ${item.id}`
    )
    expect(row).toEqual({ tenant_id: home.id, status: "draft", raised_amount: "0.000" })
  })

  it("edits fields partly, audits before and after, and keeps kind rules", async () => {
    const item = await create(project())
    const edited = await call("PATCH", `/tenant/catalog/${item.id}`, member, home.slug, {
      title: { ar: "بئر جديدة", en: "New well" },
      goal: "2000.250"
    })
    expect(edited.status).toBe(200)
    expect(await edited.json()).toMatchObject({
      title: { ar: "بئر جديدة", en: "New well" },
      goal: "2000.250",
      summary: { ar: "ماء نظيف لمئة أسرة" }
    })
    expect((await call("PATCH", `/tenant/catalog/${item.id}`, owner, home.slug, { price: "3.000" })).status).toBe(400)
    expect((await call("PATCH", `/tenant/catalog/${item.id}`, owner, home.slug, { goal: "1.0001" })).status).toBe(400)
    const audit = await rows(
      (sql) => sql<{ before: { goal: string }; after: { goal: string } }>`
      select before, after from audit_log where entity_id = ${item.id} and action = 'catalog.updated'`
    )
    expect(audit).toHaveLength(1)
    expect(audit[0]!.before.goal).toBe("1500.000")
    expect(audit[0]!.after.goal).toBe("2000.250")
    // The staff list shows when it changed, as the same instant the item itself carries (ISO, UTC).
    const detail = await (await call("GET", `/tenant/catalog/${item.id}`, member, home.slug)).json()
    const listed = (await (await call("GET", "/tenant/catalog?limit=100", member, home.slug)).json()).items.find(
      (entry: { id: string }) => entry.id === item.id
    )
    expect(listed.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(listed.updatedAt).toBe(detail.updatedAt)
    expect(Date.parse(detail.updatedAt)).toBeGreaterThanOrEqual(Date.parse(detail.createdAt))
  })

  it("accepts only valid transitions, records each in the history, and lets only owners and admins publish", async () => {
    const item = await create(project())
    const skip = await setStatus(item.id, "completed")
    expect(skip.status).toBe(400)
    expect((await skip.json()).type).toBe("https://manara.app/problems/invalid-transition")
    expect((await setStatus(item.id, "active", member)).status).toBe(403)
    expect((await setStatus(item.id, "active", admin)).status).toBe(200)
    expect((await setStatus(item.id, "funded")).status).toBe(200)
    expect((await setStatus(item.id, "completed")).status).toBe(200)
    expect((await setStatus(item.id, "active")).status).toBe(400)
    const history = await (await call("GET", `/tenant/catalog/${item.id}/history`, member, home.slug)).json()
    expect(history.map((change: { to: string }) => change.to)).toEqual(["draft", "active", "funded", "completed"])
    const product = await create({ kind: "product", slug: `p-${randomUUID().slice(0, 8)}`, title: { ar: "مصحف" }, price: "4.500" })
    await setStatus(product.id, "active")
    expect((await setStatus(product.id, "funded")).status).toBe(400)
    expect((await call("POST", `/tenant/catalog/${item.id}/status`, owner, home.slug, { to: "published" })).status).toBe(400)
  })

  it("role matrix: members edit, strangers and other tenants see 404, nobody signed in 401", async () => {
    const item = await create(project())
    const expectations: Array<[string, string, string, () => unknown, Record<string, number>]> = [
      ["list", "GET", "/tenant/catalog", () => undefined, { owner: 200, admin: 200, member: 200, stranger: 404, otherOwner: 404 }],
      [
        "get",
        "GET",
        `/tenant/catalog/${item.id}`,
        () => undefined,
        { owner: 200, admin: 200, member: 200, stranger: 404, otherOwner: 404 }
      ],
      ["create", "POST", "/tenant/catalog", () => project(), { owner: 201, admin: 201, member: 201, stranger: 404, otherOwner: 404 }],
      [
        "status",
        "POST",
        `/tenant/catalog/${item.id}/status`,
        () => ({ to: "archived" }),
        { member: 403, stranger: 404, otherOwner: 404, admin: 200 }
      ]
    ]
    const people: Record<string, Person> = { owner, admin, member, stranger, otherOwner }
    for (const [name, method, path, body, statuses] of expectations) {
      for (const [who, status] of Object.entries(statuses)) {
        const response = await call(method, path, people[who], home.slug, body())
        expect(response.status, `${name} as ${who}`).toBe(status)
      }
      expect((await call(method, path, undefined, home.slug, body())).status, `${name} signed out`).toBe(401)
    }
  })

  it("another tenant's item id is a 404 for every endpoint, even for its own owner under his tenant", async () => {
    const foreign = await create(project(), otherOwner, other)
    for (const [method, path, body] of [
      ["GET", `/tenant/catalog/${foreign.id}`, undefined],
      ["PATCH", `/tenant/catalog/${foreign.id}`, { title: { ar: "مسروق" } }],
      ["POST", `/tenant/catalog/${foreign.id}/status`, { to: "active" }],
      ["GET", `/tenant/catalog/${foreign.id}/history`, undefined],
      ["PUT", `/tenant/catalog/${foreign.id}/gallery`, { mediaIds: [] }],
      ["GET", `/tenant/catalog/${foreign.id}/proofs`, undefined],
      ["POST", `/tenant/catalog/${foreign.id}/proofs`, { kind: "photo", caption: { ar: "صورة" }, occurredOn: "2026-11-01" }]
    ] as const) {
      const response = await call(method, path, owner, home.slug, body)
      expect(response.status, `${method} ${path}`).toBe(404)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
    }
    const [row] = await rows(
      (sql) => sql<{ title_ar: string; status: string }>`select title_ar, status from catalog_items where id = ${foreign.id}`,
      other
    )
    expect(row).toEqual({ title_ar: "بئر ماء في القرية", status: "draft" })
  })
})

describe("catalog: the public side", () => {
  it("shows only active, funded and completed items, by host; drafts and other tenants are 404", async () => {
    const draft = await create(project())
    const live = await create(project())
    await setStatus(live.id, "active")
    const list = await (await publicGet("/catalog?limit=100", hostOf(home))).json()
    const slugs = list.items.map((item: { slug: string }) => item.slug)
    expect(slugs).toContain(live.slug)
    expect(slugs).not.toContain(draft.slug)
    expect((await publicGet(`/catalog/${draft.slug}`, hostOf(home))).status).toBe(404)
    const page = await publicGet(`/catalog/${live.slug}`, hostOf(home))
    expect(page.status).toBe(200)
    expect((await page.json()).item).toMatchObject({ slug: live.slug, goal: "1500.000", raised: "0.000", pledged: "0.000" })
    expect((await publicGet(`/catalog/${live.slug}`, hostOf(other))).status).toBe(404)
    const foreignList = await (await publicGet("/catalog?limit=100", hostOf(other))).json()
    expect(foreignList.items.map((item: { slug: string }) => item.slug)).not.toContain(live.slug)
    expect((await publicGet("/catalog", "nobody.manara.test")).status).toBe(404)
  })

  it("a write shows on the public side at once (the cache is dropped for that tenant)", async () => {
    const item = await create(project())
    await setStatus(item.id, "active")
    expect((await publicGet(`/catalog/${item.slug}`, hostOf(home))).status).toBe(200)
    await call("PATCH", `/tenant/catalog/${item.id}`, owner, home.slug, { title: { ar: "عنوان محدث" } })
    expect((await (await publicGet(`/catalog/${item.slug}`, hostOf(home))).json()).item.title.ar).toBe("عنوان محدث")
    await setStatus(item.id, "archived")
    expect((await publicGet(`/catalog/${item.slug}`, hostOf(home))).status).toBe(404)
  })

  it("answers with an ETag; a revalidation with it is a 304; a write changes it", async () => {
    const item = await create(project())
    await setStatus(item.id, "active")
    const first = await publicGet(`/catalog/${item.slug}`, hostOf(home))
    const etag = first.headers.get("etag")!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
    expect(first.headers.get("content-type")).toBe("application/json")
    expect(first.headers.get("vary")).toContain("x-forwarded-host")
    const again = await fetch(`${api.url}/api/v1/public/catalog/${item.slug}`, {
      headers: { "x-forwarded-host": hostOf(home), "if-none-match": etag }
    })
    expect(again.status).toBe(304)
    await call("PATCH", `/tenant/catalog/${item.id}`, owner, home.slug, { summary: { ar: "ملخص جديد" } })
    const changed = await fetch(`${api.url}/api/v1/public/catalog/${item.slug}`, {
      headers: { "x-forwarded-host": hostOf(home), "if-none-match": etag }
    })
    expect(changed.status).toBe(200)
    expect(changed.headers.get("etag")).not.toBe(etag)
  })

  it("filters by kind and category and pages with a cursor, without repeats", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const boss = await memberOf(tenant, "owner", "pager")
    for (let i = 0; i < 25; i++) {
      const item = await create(project({ category: i % 2 === 0 ? "zakat" : "waqf", sort: i % 3 }), boss, tenant)
      await setStatus(item.id, "active", boss, tenant)
    }
    const product = await create({ kind: "product", slug: "book", title: { ar: "كتاب" }, price: "2.000" }, boss, tenant)
    await setStatus(product.id, "active", boss, tenant)
    const seen: Array<string> = []
    let cursor: string | null = null
    do {
      const query: string = `/catalog?kind=project&limit=10${cursor === null ? "" : `&cursor=${cursor}`}`
      const page = await (await publicGet(query, hostOf(tenant))).json()
      seen.push(...page.items.map((item: { slug: string }) => item.slug))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toHaveLength(25)
    expect(new Set(seen).size).toBe(25)
    const zakat = await (await publicGet("/catalog?category=zakat&limit=100", hostOf(tenant))).json()
    expect(zakat.items).toHaveLength(13)
    expect((await publicGet("/catalog?limit=0", hostOf(tenant))).status).toBe(400)
    expect((await publicGet("/catalog?cursor=garbage", hostOf(tenant))).status).toBe(400)
    expect((await publicGet("/catalog?kind=service", hostOf(tenant))).status).toBe(400)
  })

  it("items saved in one transaction (one created_at, one sort) page by id: no page repeats or skips one, staff's and public alike", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const boss = await memberOf(tenant, "owner", "ties")
    const ids = await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.forEach([0, 1, 2, 3, 4, 5, 6], (i) =>
            sql<{ id: string }>`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
              values (${tenant.id}, 'project', ${`tie-${i}`}, ${`مشروع ${i}`}, ${`Project ${i}`}, 100, 'zakat', 'active')
              returning id`.pipe(Effect.map(([row]) => row!.id))
          )
        )
      )
    )
    const [tied] = await rows(
      (sql) => sql<{ n: number }>`select count(distinct created_at)::int as n from catalog_items where id in ${sql.in(ids)}`,
      tenant
    )
    expect(tied!.n).toBe(1)
    const expected = [...ids].sort((a, b) => (a < b ? 1 : -1))
    const pages = async (read: (cursor: string | null) => Promise<Response>) => {
      const seen: Array<string> = []
      let cursor: string | null = null
      do {
        const page = (await (await read(cursor)).json()) as { items: Array<{ id: string }>; nextCursor: string | null }
        seen.push(...page.items.map((item) => item.id))
        cursor = page.nextCursor
      } while (cursor !== null)
      return seen
    }
    const after = (cursor: string | null) => (cursor === null ? "" : `&cursor=${cursor}`)
    expect(await pages((cursor) => publicGet(`/catalog?limit=2${after(cursor)}`, hostOf(tenant)))).toEqual(expected)
    expect(await pages((cursor) => call("GET", `/tenant/catalog?limit=2${after(cursor)}`, boss, tenant.slug))).toEqual(expected)
  })

  it("catalog cursors carry no platform-wide counter: only the last item's sort, creation time and id", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const boss = await memberOf(tenant, "owner", "keyset")
    const first = await create(project({ sort: 0 }), boss, tenant)
    await setStatus(first.id, "active", boss, tenant)
    // Another tenant's activity in between must leave no trace in this tenant's cursors.
    for (let i = 0; i < 3; i++) await create(project(), otherOwner, other)
    const second = await create(project({ sort: 0 }), boss, tenant)
    await setStatus(second.id, "active", boss, tenant)
    const page = await (await publicGet("/catalog?limit=1", hostOf(tenant))).json()
    expect(page.items.map((item: { id: string }) => item.id)).toEqual([second.id])
    const [createdAt] = await rows(
      (sql) =>
        sql<{
          at: string
        }>`select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as at from catalog_items where id = ${second.id}`,
      tenant
    )
    expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(Buffer.from(page.nextCursor, "base64url").toString()).toBe(`0|${createdAt!.at}|${second.id}`)
    const next = await (await publicGet(`/catalog?limit=1&cursor=${page.nextCursor}`, hostOf(tenant))).json()
    expect(next.items.map((item: { id: string }) => item.id)).toEqual([first.id])
    const columns = await rows(
      (sql) =>
        sql<{
          name: string
        }>`select column_name as name from information_schema.columns where table_name = 'catalog_items' and column_name = 'seq'`
    )
    expect(columns).toEqual([])
  })

  it("a cursor that overflows, names a day that does not exist or was not made here is a 400", async () => {
    const cursor = (text: string) => Buffer.from(text).toString("base64url")
    const id = randomUUID()
    for (const bad of [
      "0.99999999999999999999",
      "99999999.1",
      cursor(`99999999999|2026-01-01T00:00:00.000000|${id}`),
      cursor(`1000001|2026-01-01T00:00:00.000000|${id}`),
      cursor(`0|2026-02-30T00:00:00.000000|${id}`),
      cursor(`0|0000-00-00T00:00:00.000000|${id}`),
      cursor(`0|2026-01-01T24:00:00.000000|${id}`),
      cursor(`0|2026-01-01T00:00:00.000000|not-a-uuid-${id.slice(11)}`),
      `${cursor(`0|2026-01-01T00:00:00.000000|${id}`)}==`
    ]) {
      const response = await publicGet(`/catalog?cursor=${encodeURIComponent(bad)}`, hostOf(home))
      expect(response.status, bad).toBe(400)
      expect(response.headers.get("content-type"), bad).toContain("application/problem+json")
    }
    expect((await publicGet(`/catalog?cursor=${cursor(`0|2024-02-29T23:59:59.999999|${id}`)}`, hostOf(home))).status).toBe(200)
  })

  it("Arabic search folds diacritics, alef and hamza forms and taa marbuta; English search stems", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const boss = await memberOf(tenant, "owner", "search")
    const items = [
      { slug: "masjid", title: { ar: "ترميم مَسْجِد الإيمانِ", en: "Restoring the mosque" } },
      { slug: "school", title: { ar: "مدرسة إسلاميّة للأيتام", en: "An Islamic school for orphans" } },
      { slug: "wells", title: { ar: "حفر آبار", en: "Digging water wells" } }
    ]
    for (const item of items) {
      const created = await create(project(item), boss, tenant)
      await setStatus(created.id, "active", boss, tenant)
    }
    const search = async (q: string) =>
      ((await (await publicGet(`/catalog?q=${encodeURIComponent(q)}`, hostOf(tenant))).json()).items as Array<{ slug: string }>).map(
        (i) => i.slug
      )
    expect(await search("مسجد الايمان")).toEqual(["masjid"])
    expect(await search("اسلامية")).toEqual(["school"])
    expect(await search("مدرسه")).toEqual(["school"])
    expect(await search("الأيتام")).toEqual(["school"])
    expect(await search("ابار")).toEqual(["wells"])
    expect(await search("well")).toEqual(["wells"])
    expect(await search("mosques")).toEqual(["masjid"])
    expect(await search("مستشفى")).toEqual([])
    // A word of only tatweel or diacritics folds to nothing: it is no word (not a tsquery syntax error, a 500).
    expect(await search("مَسْـجِد")).toEqual(["masjid"])
    expect((await search("ـــ ًّ")).sort()).toEqual((await search("")).sort())
    // Punctuation and quotes are not query syntax.
    expect(await search("'); drop table catalog_items; --")).toEqual([])
  })
})

describe("proofs of impact", () => {
  const proof = { kind: "update", caption: { ar: "بدأ الحفر", en: "Digging started" }, occurredOn: "2026-11-20", amountSpent: "300.000" }

  it("a draft proof stays off the timeline; published, it shows; completeItem completes the project", async () => {
    const item = await create(project())
    await setStatus(item.id, "active")
    const added = await call("POST", `/tenant/catalog/${item.id}/proofs`, member, home.slug, proof)
    expect(added.status).toBe(201)
    const draft = await added.json()
    expect(draft).toMatchObject({ status: "draft", amountSpent: "300.000", occurredOn: "2026-11-20" })
    expect((await (await publicGet(`/catalog/${item.slug}`, hostOf(home))).json()).proofs).toEqual([])
    expect((await call("POST", `/tenant/proofs/${draft.id}/publish`, member, home.slug, {})).status).toBe(403)
    const published = await call("POST", `/tenant/proofs/${draft.id}/publish`, admin, home.slug, { completeItem: true })
    expect(published.status).toBe(200)
    const page = await (await publicGet(`/catalog/${item.slug}`, hostOf(home))).json()
    expect(page.item.status).toBe("completed")
    expect(page.proofs).toMatchObject([{ caption: { ar: "بدأ الحفر" }, amountSpent: "300.000", itemSlug: item.slug }])
    const latest = await (await publicGet(`/proofs?item=${item.slug}`, hostOf(home))).json()
    expect(latest).toHaveLength(1)
    expect(await (await publicGet(`/proofs?item=${item.slug}`, hostOf(other))).json()).toEqual([])
  })

  it("publishing with completeItem where the workflow forbids it changes nothing", async () => {
    const item = await create(project())
    const draft = await (await call("POST", `/tenant/catalog/${item.id}/proofs`, owner, home.slug, proof)).json()
    const refused = await call("POST", `/tenant/proofs/${draft.id}/publish`, owner, home.slug, { completeItem: true })
    expect(refused.status).toBe(400)
    const [row] = await rows((sql) => sql<{ status: string }>`select status from proofs where id = ${draft.id}`)
    expect(row!.status).toBe("draft")
  })

  it("refuses bad proofs and another tenant's proof", async () => {
    const item = await create(project())
    for (const body of [
      { ...proof, caption: { en: "No Arabic" } },
      { ...proof, occurredOn: "2026-02-30" },
      { ...proof, amountSpent: "-5.000" },
      { ...proof, kind: "selfie" }
    ]) {
      expect((await call("POST", `/tenant/catalog/${item.id}/proofs`, owner, home.slug, body)).status).toBe(400)
    }
    const foreignItem = await create(project(), otherOwner, other)
    const foreign = await (await call("POST", `/tenant/catalog/${foreignItem.id}/proofs`, otherOwner, other.slug, proof)).json()
    expect((await call("POST", `/tenant/proofs/${foreign.id}/publish`, owner, home.slug, {})).status).toBe(404)
    expect((await call("DELETE", `/tenant/proofs/${foreign.id}`, owner, home.slug)).status).toBe(404)
    expect((await call("POST", `/tenant/catalog/${item.id}/proofs`, owner, home.slug, { ...proof, mediaId: randomUUID() })).status).toBe(
      404
    )
  })
})

describe("media", () => {
  const png = () =>
    sharp({ create: { width: 1200, height: 800, channels: 3, background: "#0f5e4d" } })
      .png()
      .toBuffer()

  /** Asks for a ticket, posts the bytes to the bucket as a browser would, then completes. */
  const upload = async (bytes: Uint8Array, contentType: string, as: Person = owner, tenant: TenantFixture = home) => {
    const ticket = await call("POST", "/tenant/media/uploads", as, tenant.slug, {
      contentType,
      byteSize: bytes.byteLength,
      filename: "photo.png"
    })
    expect(ticket.status).toBe(201)
    const { fields, mediaId, url } = await ticket.json()
    const form = new FormData()
    for (const [name, value] of Object.entries(fields as Record<string, string>)) form.append(name, value)
    form.append("file", new Blob([Buffer.from(bytes)], { type: contentType }))
    const stored = await fetch(url, { method: "POST", body: form })
    expect(stored.status).toBeLessThan(300)
    return { mediaId: mediaId as string, complete: () => call("POST", `/tenant/media/${mediaId}/complete`, as, tenant.slug) }
  }

  it("uploads an image by presigned POST; completing checks it and makes a thumbnail", async () => {
    const { complete, mediaId } = await upload(await png(), "image/png")
    const done = await complete()
    expect(done.status).toBe(200)
    const asset = await done.json()
    expect(asset).toMatchObject({ id: mediaId, status: "ready", width: 1200, height: 800, contentType: "image/png" })
    const thumbnail = await sharp(Buffer.from(await (await fetch(asset.thumbnailUrl)).arrayBuffer())).metadata()
    expect(Math.max(thumbnail.width!, thumbnail.height!)).toBeLessThanOrEqual(480)
    expect((await complete()).status).toBe(200)
    const [row] = await rows((sql) => sql<{ key: string }>`select key from media_assets where id = ${mediaId}`)
    expect(row!.key.startsWith(`${home.id}/`)).toBe(true)
  })

  it("refuses wrong types (415), oversize (413), lies about the bytes (415, object deleted), and a missing upload (409)", async () => {
    const text = await call("POST", "/tenant/media/uploads", owner, home.slug, { contentType: "text/html", byteSize: 10 })
    expect(text.status).toBe(415)
    expect(text.headers.get("content-type")).toBe("application/problem+json")
    const huge = await call("POST", "/tenant/media/uploads", owner, home.slug, { contentType: "image/png", byteSize: 50 * 1024 * 1024 })
    expect(huge.status).toBe(413)
    expect((await call("POST", "/tenant/media/uploads", owner, home.slug, { contentType: "image/png", byteSize: -1 })).status).toBe(400)
    const lie = await upload(new TextEncoder().encode("<html>not a picture</html>"), "image/png")
    const refused = await lie.complete()
    expect(refused.status).toBe(415)
    const [row] = await rows((sql) => sql<{ key: string; status: string }>`select key, status from media_assets where id = ${lie.mediaId}`)
    expect(row!.status).toBe("pending")
    expect((await fetch(`${s3.endpoint}/${s3.bucket}/${row!.key}`)).status).not.toBe(200)
    const ticket = await (await call("POST", "/tenant/media/uploads", owner, home.slug, { contentType: "image/png", byteSize: 100 })).json()
    expect((await call("POST", `/tenant/media/${ticket.mediaId}/complete`, owner, home.slug)).status).toBe(409)
  })

  it("a gallery takes only this tenant's ready images; public media only once part of a public item", async () => {
    const { complete, mediaId } = await upload(await png(), "image/png")
    await complete()
    const foreign = await upload(await png(), "image/png", otherOwner, other)
    await foreign.complete()
    const item = await create(project())
    expect((await call("PUT", `/tenant/catalog/${item.id}/gallery`, owner, home.slug, { mediaIds: [foreign.mediaId] })).status).toBe(404)
    expect((await call("PATCH", `/tenant/catalog/${item.id}`, owner, home.slug, { coverMediaId: foreign.mediaId })).status).toBe(404)
    expect((await call("GET", `/tenant/media/${foreign.mediaId}`, owner, home.slug)).status).toBe(404)
    expect((await call("POST", `/tenant/media/${foreign.mediaId}/complete`, owner, home.slug)).status).toBe(404)
    expect((await publicGet(`/media/${mediaId}`, hostOf(home))).status).toBe(404)
    const gallery = await call("PUT", `/tenant/catalog/${item.id}/gallery`, owner, home.slug, { mediaIds: [mediaId] })
    expect(gallery.status).toBe(200)
    expect((await gallery.json()).gallery).toMatchObject([{ id: mediaId, width: 1200, height: 800 }])
    await call("PATCH", `/tenant/catalog/${item.id}`, owner, home.slug, { coverMediaId: mediaId })
    expect((await publicGet(`/media/${mediaId}`, hostOf(home))).status).toBe(404)
    await setStatus(item.id, "active")
    const redirect = await publicGet(`/media/${mediaId}?size=thumb`, hostOf(home))
    expect(redirect.status).toBe(302)
    const image = await fetch(redirect.headers.get("location")!)
    expect(image.status).toBe(200)
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).format).toBe("webp")
    expect((await publicGet(`/media/${mediaId}`, hostOf(other))).status).toBe(404)
    const card = (await (await publicGet(`/catalog/${item.slug}`, hostOf(home))).json()).item
    expect(card.cover).toMatchObject({ id: mediaId })
  })
})
