import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import dns2 from "dns2"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest"

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 })

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

/** The loopback DNS server the API asks (DNS_SERVERS): TXT records by name, as a test sets them. */
const txt = new Map<string, ReadonlyArray<string | ReadonlyArray<string>>>()
let dnsDown = false
const dns = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    if (dnsDown) return // no answer at all: the resolver times out
    const response = dns2.Packet.createResponseFromRequest(request)
    const [question] = request.questions
    const name = question!.name.toLowerCase()
    for (const data of txt.get(name) ?? []) {
      response.answers.push({ name, type: dns2.Packet.TYPE.TXT, class: dns2.Packet.CLASS.IN, ttl: 0, data } as never)
    }
    void send(response)
  }
})

// Two API processes on one database and one Redis, as in production behind a load balancer. Hosts
// and slugs stay cached for the whole run: only the broadcast can make a change show on the other.
let one: StartedApi
let two: StartedApi
let home: TenantFixture
let other: TenantFixture
let owner: Person
let otherOwner: Person
const people = apiPeople(() => one.url, urls, pool)
const call = people.call

const storefrontAt = (api: StartedApi, host: string) =>
  fetch(`${api.url}/api/v1/public/storefront`, { headers: { "x-forwarded-host": host } })
const unique = () => randomUUID().slice(0, 8)

beforeAll(async () => {
  await dns.listen({ udp: { port: 0, address: "127.0.0.1" } })
  const env = apiEnv(urls, pool, { DNS_SERVERS: `127.0.0.1:${dns.addresses().udp!.port}`, TENANT_CACHE_TTL: "10 minutes" }, s3)
  ;[one, two] = await Promise.all([startApi(env), startApi(env)])
  home = (await withOwner(urls, createTenant())) as TenantFixture
  other = (await withOwner(urls, createTenant())) as TenantFixture
  owner = await people.memberOf(home, "owner")
  otherOwner = await people.memberOf(other, "owner")
})
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()])
  await dns.close()
})

const auditOf = (tenantId: TenantId) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenantId,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ action: string; before: unknown; after: unknown }>`
        select action, before, after from audit_log where action like 'settings.domain%' order by created_at, id`
      )
    )
  )

const expectProblem = async (response: Response, status: number, kind: string) => {
  expect(response.status).toBe(status)
  expect(response.headers.get("content-type")).toContain("application/problem+json")
  expect((await response.json()).type).toBe(`https://manara.app/problems/${kind}`)
}

describe("custom domains", () => {
  it("a domain is stored unverified with a TXT challenge, does not resolve until the record proves it, then does", async () => {
    const domain = `shop-${unique()}.example.org`
    const claimed = await call("PUT", "/tenant/domain", owner, home.slug, { domain: ` ${domain.toUpperCase()}. ` })
    expect(claimed.status).toBe(200)
    const pending = await claimed.json()
    expect(pending).toMatchObject({ status: "pending", domain, verifiedAt: null })
    expect(pending.record.type).toBe("TXT")
    expect(pending.record.name).toBe(`_manara-challenge.${domain}`)
    expect(pending.record.value).toMatch(/^manara-verify=[A-Za-z0-9_-]{32}$/)
    expect(await (await call("GET", "/tenant/domain", owner, home.slug)).json()).toEqual(pending)

    // Unverified: nobody's storefront, on either process.
    expect((await storefrontAt(one, domain)).status).toBe(404)
    expect((await storefrontAt(two, domain)).status).toBe(404)

    // No record yet; then a record with another token; then DNS that does not answer.
    const notYet = await call("POST", "/tenant/domain/verify", owner, home.slug)
    await expectProblem(notYet, 422, "domain-not-verified")
    txt.set(pending.record.name, ["manara-verify=someone-elses-token"])
    await expectProblem(await call("POST", "/tenant/domain/verify", owner, home.slug), 422, "domain-not-verified")
    dnsDown = true
    try {
      await expectProblem(await call("POST", "/tenant/domain/verify", owner, home.slug), 422, "domain-not-verified")
    } finally {
      dnsDown = false
    }
    expect((await storefrontAt(one, domain)).status).toBe(404)

    // The real record, split in two strings as DNS may carry long values, beside an unrelated one.
    const value: string = pending.record.value
    txt.set(pending.record.name, ["v=spf1 -all", [value.slice(0, 10), value.slice(10)]])
    const verified = await call("POST", "/tenant/domain/verify", owner, home.slug)
    expect(verified.status).toBe(200)
    expect(await verified.json()).toMatchObject({ status: "verified", domain, record: null, verifiedAt: expect.any(String) })
    // Verified through process one; process two, which remembered the miss, answers at once too.
    for (const api of [one, two]) {
      const storefront = await storefrontAt(api, domain)
      expect(storefront.status).toBe(200)
      expect((await storefront.json()).slug).toBe(home.slug)
    }
    // Verifying again changes nothing.
    expect((await (await call("POST", "/tenant/domain/verify", owner, home.slug)).json()).status).toBe("verified")

    expect((await auditOf(home.id)).map((row) => row.action)).toEqual(["settings.domain_claimed", "settings.domain_verified"])
  })

  it("one domain never belongs to two tenants: a verified domain is refused to another, and a race is won by the first proof", async () => {
    const domain = `taken-${unique()}.example.org`
    const mine = await (await call("PUT", "/tenant/domain", owner, home.slug, { domain })).json()
    // Another tenant may claim it while it is unverified (a squatter cannot block the real owner)...
    const theirs = await (await call("PUT", "/tenant/domain", otherOwner, other.slug, { domain })).json()
    expect(theirs.status).toBe("pending")
    expect(theirs.record.value).not.toBe(mine.record.value)
    // ...but only the tenant whose token is in DNS verifies it, and the other is refused afterwards.
    txt.set(mine.record.name, [mine.record.value])
    await expectProblem(await call("POST", "/tenant/domain/verify", otherOwner, other.slug), 422, "domain-not-verified")
    expect((await call("POST", "/tenant/domain/verify", owner, home.slug)).status).toBe(200)
    txt.set(mine.record.name, [theirs.record.value])
    await expectProblem(await call("POST", "/tenant/domain/verify", otherOwner, other.slug), 409, "domain-taken")
    // A claim of it now is refused at once, in any case or with a trailing dot.
    await expectProblem(
      await call("PUT", "/tenant/domain", otherOwner, other.slug, { domain: `${domain.toUpperCase()}.` }),
      409,
      "domain-taken"
    )
    const stillHome = await storefrontAt(two, domain)
    expect((await stillHome.json()).slug).toBe(home.slug)
    // The database holds the line too: the unique host index refuses a second tenant's row.
    const cause = await withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update tenants set custom_domain = ${domain} where id = ${other.id}`).pipe(
        Effect.flip
      )
    )
    expect((cause.cause as { constraint?: string }).constraint).toBe("tenants_custom_domain_host")
  })

  it("refuses the platform domain and names under it (400), and malformed names (400)", async () => {
    for (const domain of ["manara.test", "MANARA.TEST.", "shop.manara.test", "a.b.manara.test"]) {
      await expectProblem(await call("PUT", "/tenant/domain", owner, home.slug, { domain }), 400, "domain-refused")
    }
    const malformed = [
      "",
      "   ",
      "localhost",
      "https://shop.example.org",
      "shop.example.org/path",
      "shop.example.org:8080",
      "user@example.org",
      "exa mple.org",
      "a..example.org",
      "-shop.example.org",
      "shop-.example.org",
      "*.example.org",
      "_dmarc.example.org",
      "192.168.1.10",
      `${"a".repeat(64)}.example.org`,
      `${"abcdefghi.".repeat(26)}org`
    ]
    for (const domain of malformed) {
      await expectProblem(await call("PUT", "/tenant/domain", owner, home.slug, { domain }), 400, "invalid-domain")
    }
    for (const body of [{}, { domain: 42 }, { domain: null }, { domain: "x".repeat(301) }]) {
      await expectProblem(await call("PUT", "/tenant/domain", owner, home.slug, body), 400, "invalid-request")
    }
    // Nothing refused was stored.
    expect((await (await call("GET", "/tenant/domain", owner, home.slug)).json()).status).toBe("verified")
  })

  it("stores an international name as punycode, and looks its challenge up under that name", async () => {
    // Arabic letters only: a label mixing Arabic and Latin letters is refused by IDNA's bidi rule.
    const label = `متجر${[...unique()].map((hex) => "ابتثجحخدذرزسشصضط"[parseInt(hex, 16)]).join("")}`
    const claimed = await (await call("PUT", "/tenant/domain", otherOwner, other.slug, { domain: `${label}.example.org` })).json()
    expect(claimed.status).toBe("pending")
    expect(claimed.domain).toMatch(/^xn--[a-z0-9-]+\.example\.org$/)
    expect(claimed.record.name).toBe(`_manara-challenge.${claimed.domain}`)
    txt.set(claimed.record.name, [claimed.record.value])
    expect((await call("POST", "/tenant/domain/verify", otherOwner, other.slug)).status).toBe(200)
    expect((await (await storefrontAt(one, claimed.domain)).json()).slug).toBe(other.slug)
  })

  it("removal is immediate in every process; a new domain replaces the old one, which stops resolving", async () => {
    const first = (await (await call("GET", "/tenant/domain", owner, home.slug)).json()).domain as string
    // Both processes have it cached now.
    expect((await storefrontAt(one, first)).status).toBe(200)
    expect((await storefrontAt(two, first)).status).toBe(200)
    const second = `second-${unique()}.example.org`
    expect((await (await call("PUT", "/tenant/domain", owner, home.slug, { domain: second })).json()).status).toBe("pending")
    expect((await storefrontAt(two, first)).status).toBe(404)
    const pending = await (await call("GET", "/tenant/domain", owner, home.slug)).json()
    txt.set(pending.record.name, [pending.record.value])
    expect((await call("POST", "/tenant/domain/verify", owner, home.slug)).status).toBe(200)
    expect((await storefrontAt(two, second)).status).toBe(200)

    expect((await call("DELETE", "/tenant/domain", owner, home.slug)).status).toBe(204)
    expect((await storefrontAt(two, second)).status).toBe(404)
    expect((await storefrontAt(one, second)).status).toBe(404)
    expect(await (await call("GET", "/tenant/domain", owner, home.slug)).json()).toEqual({
      status: "none",
      domain: null,
      record: null,
      verifiedAt: null
    })
    // The platform host still answers; removing nothing is not an error; verifying nothing is a 404.
    expect((await storefrontAt(two, `${home.slug}.manara.test`)).status).toBe(200)
    expect((await call("DELETE", "/tenant/domain", owner, home.slug)).status).toBe(204)
    await expectProblem(await call("POST", "/tenant/domain/verify", owner, home.slug), 404, "domain-not-found")
    const actions = (await auditOf(home.id)).map((row) => row.action)
    expect(actions.filter((action) => action === "settings.domain_removed")).toHaveLength(1)
  })

  it("is for owners and admins: a member gets 403, another tenant's owner 404, nobody 401", async () => {
    const member = await people.memberOf(home, "member", "volunteer")
    const admin = await people.memberOf(home, "admin", "deputy")
    expect((await call("GET", "/tenant/domain", admin, home.slug)).status).toBe(200)
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", "/tenant/domain"],
      ["PUT", "/tenant/domain", { domain: `member-${unique()}.example.org` }],
      ["POST", "/tenant/domain/verify"],
      ["DELETE", "/tenant/domain"]
    ]
    for (const [method, path, body] of attempts) {
      await expectProblem(await call(method, path, member, home.slug, body), 403, "role-not-allowed")
      await expectProblem(await call(method, path, otherOwner, home.slug, body), 404, "tenant-not-found")
      expect((await call(method, path, undefined, home.slug, body)).status).toBe(401)
    }
    // The other tenant's domain was not touched by any of it.
    expect((await (await call("GET", "/tenant/domain", otherOwner, other.slug)).json()).status).toBe("verified")
  })
})

describe("a suspension takes effect on the next request in every API process", () => {
  it("suspended through one process, the other refuses its storefront and its staff on the very next request; reactivated, both answer", async () => {
    const admin = await people.person("platform")
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`update users set is_platform_admin = true, mfa_enabled = true where id = ${admin.userId}`
      )
    )
    const host = `${home.slug}.manara.test`
    const adminCall = (path: string) =>
      fetch(`${one.url}/api/v1/admin/tenants/${home.id}/${path}`, { method: "POST", headers: { authorization: `Bearer ${admin.token}` } })
    const staffOnTwo = () =>
      fetch(`${two.url}/api/v1/tenant/catalog`, { headers: { authorization: `Bearer ${owner.token}`, "x-tenant": home.slug } })
    // Process two has the host and the tenant's slug cached (for ten minutes).
    expect((await storefrontAt(two, host)).status).toBe(200)
    expect((await staffOnTwo()).status).toBe(200)

    expect((await adminCall("suspend")).status).toBe(200)
    await expectProblem(await storefrontAt(two, host), 403, "tenant-suspended")
    await expectProblem(await staffOnTwo(), 404, "tenant-not-found")
    const donation = await fetch(`${two.url}/api/v1/public/donations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": host },
      body: JSON.stringify({ amount: "5.000", donor: { name: "أم محمد", phone: "+965 5000 1234" }, paymentMethod: "bank_transfer" })
    })
    await expectProblem(donation, 403, "tenant-suspended")

    expect((await adminCall("reactivate")).status).toBe(200)
    expect((await storefrontAt(two, host)).status).toBe(200)
    expect((await staffOnTwo()).status).toBe(200)
  })
})
