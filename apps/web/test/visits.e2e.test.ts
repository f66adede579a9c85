import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { asOwnerInTenant, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { request } from "node:http"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest"
import { redisEnv, requireBuild, startWeb, stopAll, type WebServer } from "./harness.js"

const urls = inject("manaraDatabase")
const BROWSER =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"

let api: StartedApi | undefined
let web: WebServer | undefined
let tenant: TenantFixture

beforeAll(async () => {
  requireBuild()
  tenant = await withOwner(urls, createTenant())
  await withOwner(
    urls,
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) =>
        sql`update tenants set settings = ${JSON.stringify({
          bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
          donations: { minimum: "1.000", maximum: "5000.000" }
        })}::jsonb where id = ${tenant.id}`
    )
  )
  api = await startApi({ DATABASE_URL: urls.runtimeUrl, ...redisEnv(), PLATFORM_DOMAIN: "localhost", NOTIFY_DELIVERY: "false" })
  // Flushed every 200 ms so the test waits little; every visit here comes from 127.0.0.1.
  process.env.TRAFFIC_FLUSH_MS = "200"
  process.env.TRAFFIC_LIMIT_PER_SOURCE = "100000"
  web = await startWeb(api.url, redisEnv())
})

afterAll(() => stopAll(undefined, web, api))

interface Answer {
  readonly status: number
  readonly cookies: ReadonlyArray<string>
  readonly location: string | undefined
  readonly body: string
}

/** A request as a browser at `{slug}.localhost` would send it (Node's fetch cannot set Host). */
const visit = (path: string, headers: Record<string, string> = {}, method = "GET", body?: string) =>
  new Promise<Answer>((resolve, reject) => {
    const host = `${tenant.slug}.localhost:${web!.port}`
    const sent = request(
      {
        host: "127.0.0.1",
        port: web!.port,
        path,
        method,
        headers: { host, "user-agent": BROWSER, "accept-language": "ar-KW,ar;q=0.9", ...headers }
      },
      (response) => {
        let body = ""
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk))
        response.on("end", () =>
          resolve({
            status: response.statusCode!,
            cookies: response.headers["set-cookie"] ?? [],
            location: response.headers.location,
            body
          })
        )
      }
    )
    sent.on("error", reject)
    sent.end(body)
  })

const cookieValue = (answer: Answer, name: string) =>
  answer.cookies
    .map((line) => line.split(";", 1)[0]!)
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1)

interface VisitRow {
  id: string
  visitor_id: string | null
  utm_source: string | null
  utm_campaign: string | null
  utm_term: string | null
  landing_path: string
  device: string
  language: string | null
  utm_content: string | null
}
const visitsTagged = (content: string) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<VisitRow>`select id, visitor_id, utm_source, utm_campaign, utm_term, landing_path, device, language, utm_content from visits where utm_content = ${content}`
      )
    )
  )

const eventually = async <A>(check: () => Promise<A | undefined>, ms = 15_000): Promise<A> => {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe("visits recorded by the storefront's server", () => {
  it("records a tagged first page view, cuts and cleans bad tags without breaking the page, and sets the visit cookies once", async () => {
    const content = `c-${randomUUID().slice(0, 8)}`
    const bad = encodeURIComponent("<script>alert(1)</script>ramadan\u0001")
    const first = await visit(
      `/?utm_source=whatsapp&utm_medium=broadcast&utm_campaign=${bad}&utm_term=${"t".repeat(300)}&utm_content=${content}`
    )
    expect(first.status).toBe(200)
    const visitId = cookieValue(first, "manara_visit")
    expect(visitId).toMatch(/^[0-9a-f-]{36}$/)
    expect(cookieValue(first, "manara_first")).toBe(visitId)
    expect(first.cookies.join("\n")).toMatch(/manara_visit=[^;]+;.*HttpOnly/i)

    const [row] = await eventually(async () => ((await visitsTagged(content)).length > 0 ? visitsTagged(content) : undefined))
    expect(row).toMatchObject({
      id: visitId,
      utm_source: "whatsapp",
      utm_campaign: "alert(1) ramadan",
      landing_path: "/",
      device: "mobile",
      language: "ar"
    })
    expect(row!.utm_term).toBe("t".repeat(100))
    expect(row!.visitor_id).toMatch(/^[0-9a-f]{32}$/)

    // The next page of the same session opens no visit.
    const again = await visit(`/?utm_content=${content}`, { cookie: `manara_visit=${visitId}; manara_first=${visitId}` })
    expect(again.status).toBe(200)
    expect(cookieValue(again, "manara_visit")).toBeUndefined()
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(await visitsTagged(content)).toHaveLength(1)
  })

  it("counts a DNT or Sec-GPC visit with no identifier and sets no cookie", async () => {
    for (const header of [{ dnt: "1" }, { "sec-gpc": "1" }] as ReadonlyArray<Record<string, string>>) {
      const content = `dnt-${randomUUID().slice(0, 8)}`
      const answer = await visit(`/?utm_content=${content}`, header)
      expect(answer.status).toBe(200)
      expect(answer.cookies.filter((line) => line.startsWith("manara_"))).toEqual([])
      const [row] = await eventually(async () => ((await visitsTagged(content)).length > 0 ? visitsTagged(content) : undefined))
      expect(row!.visitor_id).toBeNull()
    }
  })

  it("does not count bots", async () => {
    const content = `bot-${randomUUID().slice(0, 8)}`
    const answer = await visit(`/?utm_content=${content}`, {
      "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    })
    expect(answer.status).toBe(200)
    expect(answer.cookies.filter((line) => line.startsWith("manara_"))).toEqual([])
    // A person's visit after it is flushed in a later batch: by then the bot's would have been too.
    const person = `person-${randomUUID().slice(0, 8)}`
    await visit(`/?utm_content=${person}`)
    await eventually(async () => ((await visitsTagged(person)).length > 0 ? true : undefined))
    expect(await visitsTagged(content)).toEqual([])
  })

  it("sends the visit with a donation: the donation keeps its first and last touch", async () => {
    const content = `give-${randomUUID().slice(0, 8)}`
    const first = await visit(`/?utm_source=instagram&utm_content=${content}`)
    const visitId = cookieValue(first, "manara_visit")!
    await eventually(async () => ((await visitsTagged(content)).length > 0 ? true : undefined))
    const form = new URLSearchParams({
      customAmount: "15.000",
      name: "أم محمد",
      phone: "+965 5000 1234",
      paymentMethod: "bank_transfer",
      idempotencyKey: randomUUID()
    })
    const given = await visit(
      "/donate?/donate",
      {
        cookie: `manara_visit=${visitId}; manara_first=${visitId}`,
        origin: `http://${tenant.slug}.localhost:${web!.port}`,
        "content-type": "application/x-www-form-urlencoded",
        // As a browser without JavaScript posts it (without it SvelteKit answers an enhanced form's JSON).
        accept: "text/html"
      },
      "POST",
      form.toString()
    )
    expect(given.status).toBe(303)
    const [donation] = await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{
              visit_id: string | null
              first_visit_id: string | null
            }>`select visit_id, first_visit_id from donations where amount = 15`
        )
      )
    )
    expect(donation).toEqual({ visit_id: visitId, first_visit_id: visitId })
  })
})
