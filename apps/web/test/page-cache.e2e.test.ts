import { SqlClient } from "@effect/sql"
import { apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { request } from "node:http"
import { brotliDecompressSync, gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { callExpecting, services, useStack } from "./harness.js"

const { urls, pool } = services()
const { call, memberOf } = apiPeople(() => stack.api.url, urls, pool)
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

let tenant: TenantFixture
let owner: Person
let wellId: string

const expectCall = callExpecting(call, () => ({ person: owner, tenant }))

const stack = useStack({
  s3: false,
  // Every test's views come from 127.0.0.1: no flood limit in the way; visits flushed quickly.
  env: () => {
    process.env.TRAFFIC_FLUSH_MS = "200"
    process.env.TRAFFIC_LIMIT_PER_SOURCE = "100000"
    return {}
  },
  seed: async () => {
    tenant = await withOwner(urls, createTenant())
    owner = await memberOf(tenant, "owner")
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql`update tenants set settings = ${JSON.stringify({
            bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" }
          })}::jsonb where id = ${tenant.id}`
      )
    )
    const well = await expectCall(201, "POST", "/tenant/catalog", {
      kind: "project",
      slug: "cached-well",
      title: { ar: "بئر القرية", en: "The village well" },
      goal: "1500.000",
      category: "general"
    })
    wellId = well.id
    await expectCall(200, "POST", `/tenant/catalog/${wellId}/status`, { to: "active" })
    await expectCall(201, "POST", "/tenant/catalog", {
      kind: "product",
      slug: "cached-book",
      title: { ar: "كتاب", en: "A book" },
      price: "4.500"
    }).then((book: { id: string }) => expectCall(200, "POST", `/tenant/catalog/${book.id}/status`, { to: "active" }))
  }
})

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly cookies: ReadonlyArray<string>
  readonly body: string
}

/** A request as a browser at `{slug}.localhost` sends it, the body decoded as its Content-Encoding says. */
const get = (path: string, headers: Record<string, string> = {}) =>
  new Promise<Answer>((resolve, reject) => {
    const sent = request(
      {
        host: "127.0.0.1",
        port: stack.web.port,
        path,
        headers: { host: `${tenant.slug}.localhost:${stack.web.port}`, "user-agent": BROWSER, ...headers }
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => {
          const raw = Buffer.concat(chunks)
          const encoding = response.headers["content-encoding"]
          const body = encoding === "br" ? brotliDecompressSync(raw) : encoding === "gzip" ? gunzipSync(raw) : raw
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            cookies: response.headers["set-cookie"] ?? [],
            body: body.toString()
          })
        })
      }
    )
    sent.on("error", reject)
    sent.end()
  })

/** A returning visitor (a visit cookie already): the plain case of a cached page. */
const returning = { cookie: "manara_visit=00000000-0000-4000-8000-000000000001" }

/** Served twice so the host's storefront and version are known, then the page is in the cache. */
const warm = async (path: string, headers: Record<string, string> = returning) => {
  await get(path, headers)
  await get(path, headers)
  return get(path, headers)
}

const cacheState = (answer: Answer) => answer.headers["x-page-cache"]

describe("the page cache", () => {
  it("serves a public page from the cache, and a catalog edit is seen on the very next request", async () => {
    const before = await warm("/catalog")
    expect(before.body).toContain("بئر القرية")
    expect(cacheState(await get("/catalog", returning))).toBe("hit")
    await expectCall(200, "PATCH", `/tenant/catalog/${wellId}`, { title: { ar: "بئر الحي", en: "The neighbourhood well" } })
    const after = await get("/catalog", returning)
    expect(cacheState(after)).toBe("miss")
    expect(after.body).toContain("بئر الحي")
    expect(after.body).not.toContain("بئر القرية")
  }, 60_000)

  it("a donation received moves the item page's total on the very next request, and a published proof shows at once", async () => {
    const path = "/catalog/cached-well"
    const before = await warm(path)
    expect(cacheState(await get(path, returning))).toBe("hit")
    expect(before.body).not.toMatch(/25[.,]000/)
    const donated = await fetch(`${stack.api.url}/api/v1/public/donations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.localhost` },
      body: JSON.stringify({ amount: "25.000", project: "cached-well", donor: { name: "أم محمد" }, paymentMethod: "bank_transfer" })
    })
    expect(donated.status).toBe(201)
    const { reference } = (await donated.json()) as { reference: string }
    const [row] = await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`select id from donations where reference = ${reference}`)
      )
    )
    await expectCall(200, "POST", `/tenant/inbox/donation/${row!.id}/payment`, { state: "received" })
    const after = await get(path, returning)
    expect(cacheState(after)).toBe("miss")
    expect(after.body).toMatch(/25[.,]000|٢٥٫٠٠٠/)

    const proof = await expectCall(201, "POST", `/tenant/catalog/${wellId}/proofs`, {
      kind: "update",
      caption: { ar: "بدأ الحفر اليوم", en: "Digging started today" },
      occurredOn: "2026-11-01"
    })
    await expectCall(200, "POST", `/tenant/proofs/${proof.id}/publish`, {})
    const withProof = await get(path, returning)
    expect(cacheState(withProof)).toBe("miss")
    expect(withProof.body).toContain("بدأ الحفر اليوم")
  }, 60_000)

  it("answers 304 to a matching If-None-Match, with Cache-Control for a CDN that keys on Host", async () => {
    const page = await warm("/")
    expect(page.status).toBe(200)
    const etag = page.headers.etag as string
    expect(etag).toMatch(/^"[\w-]+"$/)
    expect(page.headers["cache-control"]).toBe("public, max-age=0, s-maxage=5, stale-while-revalidate=30")
    const again = await get("/", { ...returning, "if-none-match": etag })
    expect(again.status).toBe(304)
    expect(again.body).toBe("")
    expect((await get("/", { ...returning, "if-none-match": '"something-else"' })).status).toBe(200)
  }, 60_000)

  it("compresses with brotli or gzip as the browser accepts, the same page either way", async () => {
    const plain = await warm("/")
    expect(plain.headers["content-encoding"]).toBeUndefined()
    const br = await get("/", { ...returning, "accept-encoding": "gzip, deflate, br" })
    expect(br.headers["content-encoding"]).toBe("br")
    expect(br.body).toBe(plain.body)
    const gzip = await get("/", { ...returning, "accept-encoding": "gzip" })
    expect(gzip.headers["content-encoding"]).toBe("gzip")
    expect(gzip.body).toBe(plain.body)
    expect(gzip.headers.vary).toContain("accept-encoding")
  }, 60_000)

  it("renders concurrent misses once", async () => {
    // A new version: nothing of it is cached yet.
    await expectCall(200, "PATCH", `/tenant/catalog/${wellId}`, { summary: { ar: "ماء لمئة أسرة", en: "Water for a hundred families" } })
    const answers = await Promise.all(Array.from({ length: 12 }, () => get("/", returning)))
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 12 }, () => 200))
    expect(answers.filter((answer) => cacheState(answer) === "miss")).toHaveLength(1)
    expect(answers.filter((answer) => cacheState(answer) === "hit")).toHaveLength(11)
    expect(new Set(answers.map((answer) => answer.body)).size).toBe(1)
  }, 60_000)

  it("keeps each visitor's own parts out: cart counts, visit cookies and form keys", async () => {
    await warm("/")
    const empty = await get("/", returning)
    // Two first-time visitors of a cached page: each gets a visit cookie of their own.
    const first = await get("/")
    const second = await get("/")
    expect(cacheState(first)).toBe("hit")
    const visitOf = (answer: Answer) => answer.cookies.find((cookie) => cookie.startsWith("manara_visit="))?.split(";")[0]
    expect(visitOf(first)).toMatch(/^manara_visit=[0-9a-f-]{36}$/)
    expect(visitOf(second)).toMatch(/^manara_visit=[0-9a-f-]{36}$/)
    expect(visitOf(first)).not.toBe(visitOf(second))
    // A response that sets a cookie is the visitor's: a CDN must not keep it.
    expect(first.headers["cache-control"]).toBe("private, no-cache")
    expect(empty.cookies).toEqual([])

    // The item page's forms: a fresh Idempotency-Key for every serve, never one shared by two donors.
    await warm("/catalog/cached-well")
    const [a, b] = [await get("/catalog/cached-well", returning), await get("/catalog/cached-well", returning)]
    expect(cacheState(b)).toBe("hit")
    const keys = (answer: Answer) => [...answer.body.matchAll(/name="idempotencyKey" value="([0-9a-f-]{36})"/g)].map((match) => match[1])
    expect(keys(a).length).toBeGreaterThan(0)
    expect(keys(a).filter((key) => keys(b).includes(key))).toEqual([])
    expect(b.headers.etag).toBeUndefined()
    expect(b.headers["cache-control"]).toBe("private, no-cache")
  }, 60_000)

  it("shows a cart's count only to its visitor", async () => {
    const cart = "manara_cart=cached-book:3"
    const anonymous = await warm("/")
    const shopper = await warm("/", { cookie: `${returning.cookie}; ${cart}` })
    const afterShopper = await get("/", returning)
    expect(cacheState(afterShopper)).toBe("hit")
    const count = (answer: Answer) => answer.body.match(/data-testid="nav-cart"[^>]*>([^<]*)</)?.[1]
    expect(count(shopper)).not.toBe(count(anonymous))
    expect(count(afterShopper)).toBe(count(anonymous))
    expect(shopper.headers["cache-control"]).toBe("private, no-cache")
  }, 60_000)

  it("records a visit for a first view served from the cache", async () => {
    await warm("/")
    const tag = `pc-${Date.now()}`
    // The query is part of the key: warm this exact address first, then a new visitor's view is a hit.
    await warm(`/?utm_source=${tag}`)
    const view = await get(`/?utm_source=${tag}`)
    expect(cacheState(view)).toBe("hit")
    const visitId = view.cookies
      .find((cookie) => cookie.startsWith("manara_visit="))!
      .split(";")[0]!
      .slice("manara_visit=".length)
    const found = async () =>
      withOwner(
        urls,
        asOwnerInTenant(
          tenant.id,
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`select id from visits where id = ${visitId}`)
        )
      )
    const until = Date.now() + 15_000
    let rows = await found()
    while (rows.length === 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      rows = await found()
    }
    expect(rows).toHaveLength(1)
  }, 60_000)

  it("answers a returning visitor's hit before SvelteKit with the headers and bytes SvelteKit's own hit has", async () => {
    await warm("/faq")
    // A returning visitor's view is answered ahead of SvelteKit; a bot's first view (no visit cookie) goes through it, uncounted.
    const bot = { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" }
    const [early, kit] = [await get("/faq", returning), await get("/faq", bot)]
    expect([cacheState(early), cacheState(kit)]).toEqual(["hit", "hit"])
    expect(kit.cookies).toEqual([])
    expect(early.body).toBe(kit.body)
    // The transport's framing (length or chunks) and the date differ; a nonce is one serve's own.
    const comparable = (answer: Answer) =>
      Object.fromEntries(
        Object.entries(answer.headers)
          .filter(([name]) => !["date", "content-length", "transfer-encoding"].includes(name))
          .map(([name, value]) => [name, name === "content-security-policy" ? String(value).replace(/'nonce-[^']*'/g, "'nonce'") : value])
      )
    expect(comparable(early)).toEqual(comparable(kit))
    for (const encoding of ["br", "gzip"]) {
      const [a, b] = [
        await get("/faq", { ...returning, "accept-encoding": encoding }),
        await get("/faq", { ...bot, "accept-encoding": encoding })
      ]
      expect([a.headers["content-encoding"], b.headers["content-encoding"]]).toEqual([encoding, encoding])
      expect(a.body).toBe(kit.body)
      expect(b.body).toBe(kit.body)
    }
    const etag = early.headers.etag as string
    const [notModified, kitNotModified] = [
      await get("/faq", { ...returning, "if-none-match": etag }),
      await get("/faq", { ...bot, "if-none-match": etag })
    ]
    expect([notModified.status, kitNotModified.status]).toEqual([304, 304])
    expect(comparable(notModified)).toEqual(comparable(kitNotModified))
  }, 60_000)

  it("keys each language separately", async () => {
    const arabic = await warm("/catalog")
    const english = await warm("/en/catalog")
    expect(cacheState(english)).toBe("hit")
    expect(arabic.body).toContain('lang="ar"')
    expect(english.body).toContain('lang="en"')
    expect(english.body).toContain("The neighbourhood well")
  }, 60_000)

  it("leaves unknown hosts and form posts alone", async () => {
    const unknown = await new Promise<number>((resolve, reject) =>
      request(
        { host: "127.0.0.1", port: stack.web.port, path: "/", headers: { host: `nobody-here.localhost:${stack.web.port}` } },
        (response) => {
          response.resume()
          resolve(response.statusCode!)
        }
      )
        .on("error", reject)
        .end()
    )
    expect(unknown).toBe(404)
  }, 60_000)
})
