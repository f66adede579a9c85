import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, uniqueSlug, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
const { call, person, memberOf } = apiPeople(() => api.url, urls, pool)

let admin: Person
let owner: Person
let ownersTenant: TenantFixture

const owned = <A>(effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) => withOwner(urls, effect)
const sqlOf = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) => owned(Effect.flatMap(SqlClient.SqlClient, query))
const inTenant = <A>(tenant: { readonly id: TenantFixture["id"] }, query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  owned(asOwnerInTenant(tenant.id, Effect.flatMap(SqlClient.SqlClient, query)))

/** `/admin/...` as someone (no X-Tenant: the platform is nobody's tenant). */
const admin_ = (method: string, path: string, who: Person | undefined, body?: unknown) =>
  fetch(`${api.url}/api/v1/admin${path}`, {
    method,
    headers: {
      ...(who === undefined ? {} : { authorization: `Bearer ${who.token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

const storefront = (slug: string) =>
  fetch(`${api.url}/api/v1/public/storefront`, { headers: { "x-forwarded-host": `${slug}.manara.test` } })

const newTenant = (overrides: Record<string, unknown> = {}) => ({
  slug: uniqueSlug("new"),
  name: { ar: "مسجد النور", en: "Al Noor Masjid" },
  kind: "masjid",
  planCode: "free",
  ownerEmail: `owner-${randomUUID().slice(0, 8)}@example.com`,
  ...overrides
})

/** A tenant that takes bank transfers, with one active project. */
const takingDonations = async (tenant: TenantFixture) => {
  await sqlOf(
    (sql) =>
      sql`update tenants set settings = ${JSON.stringify({
        bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
        donations: { minimum: "1.000", maximum: "5000.000" }
      })}::jsonb where id = ${tenant.id}`
  )
  await inTenant(
    tenant,
    (sql) => sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
      values (${tenant.id}, 'project', 'well', 'بئر ماء', 1000, 'zakat', 'active')`
  )
}
const donate = (tenant: TenantFixture) =>
  fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.manara.test` },
    body: JSON.stringify({
      amount: "5.000",
      project: "well",
      donor: { name: "أم محمد", phone: "+965 5000 1234" },
      paymentMethod: "bank_transfer"
    })
  })

const setPlan = (tenant: TenantFixture, overrides: Record<string, number | null>) =>
  admin_("PUT", `/tenants/${tenant.id}/plan`, admin, {
    planCode: "free",
    overrides: { items: null, storage: null, members: null, captures: null, ...overrides }
  })

let adminWithoutMfa: Person

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" }, s3))
  admin = await person("platform-admin")
  await sqlOf((sql) => sql`update users set is_platform_admin = true, mfa_enabled = true where id = ${admin.userId}`)
  adminWithoutMfa = await person("platform-admin-no-mfa")
  await sqlOf((sql) => sql`update users set is_platform_admin = true where id = ${adminWithoutMfa.userId}`)
  ownersTenant = await owned(createTenant())
  // Users are cached for a minute after sign-in: a fresh process reads the flag.
  await api.close()
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" }, s3))
  owner = await memberOf(ownersTenant, "owner")
}, 60_000)
afterAll(async () => {
  await api?.close()
})

describe("the platform admin API is for platform admins only", () => {
  const endpoints = (id: string): Array<[string, string, unknown?]> => [
    ["GET", "/tenants"],
    ["GET", "/tenants/search?q=a"],
    ["POST", "/tenants", newTenant()],
    ["GET", `/tenants/${id}`],
    ["POST", `/tenants/${id}/suspend`],
    ["POST", `/tenants/${id}/reactivate`],
    ["PUT", `/tenants/${id}/plan`, { planCode: "free", overrides: { items: 1, storage: null, members: null, captures: null } }],
    ["GET", "/plans"],
    [
      "PUT",
      "/plans/free",
      {
        name: { ar: "مجاني", en: "Free" },
        aiBudget: { tokens: "1", costMicrofils: "1" },
        limits: { items: 1, storage: 1, members: 1, captures: 1 },
        price: "0.000"
      }
    ],
    ["GET", "/figures"]
  ]

  it("answers 404 not-found to a tenant owner, on their own tenant too, and changes nothing", async () => {
    for (const [method, path, body] of endpoints(ownersTenant.id)) {
      const response = await admin_(method, path, owner, body)
      expect(response.status, `${method} ${path}`).toBe(404)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      expect((await response.json()).type).toBe("https://manara.app/problems/not-found")
    }
    const [row] = await sqlOf(
      (sql) => sql<{ status: string; max_catalog_items: number | null }>`
      select status, max_catalog_items from tenants where id = ${ownersTenant.id}`
    )
    expect(row).toEqual({ status: "active", max_catalog_items: 1000000 })
    const [plan] = await sqlOf((sql) => sql<{ max_members: number }>`select max_members from plans where code = 'free'`)
    expect(plan!.max_members).toBe(3)
  })

  it("answers 401 to nobody", async () => {
    for (const [method, path, body] of endpoints(ownersTenant.id)) {
      expect((await admin_(method, path, undefined, body)).status, `${method} ${path}`).toBe(401)
    }
  })
})

describe("creating a tenant", () => {
  it("creates the tenant, the owner's invitation (emailed through the outbox), default settings and an audit row", async () => {
    const input = newTenant()
    const response = await admin_("POST", "/tenants", admin, input)
    expect(response.status).toBe(201)
    const created = await response.json()
    expect(created).toMatchObject({
      slug: input.slug,
      ownerEmail: input.ownerEmail,
      id: expect.any(String),
      invitationId: expect.any(String)
    })
    const [tenant] = await sqlOf(
      (sql) => sql<{ kind: string; name_ar: string; plan_code: string; status: string; settings: unknown }>`
      select kind, name_ar, plan_code, status, settings from tenants where slug = ${input.slug}`
    )
    expect(tenant).toEqual({
      kind: "masjid",
      name_ar: "مسجد النور",
      plan_code: "free",
      status: "active",
      settings: { contact: { email: input.ownerEmail } }
    })
    const inside = { id: created.id }
    const invitations = await inTenant(inside, (sql) => sql`select email, role, invited_by from tenant_invitations`)
    expect(invitations).toEqual([{ email: input.ownerEmail, role: "owner", invited_by: admin.userId }])
    const outbox = await inTenant(inside, (sql) => sql<{ event: string; target: string }>`select event, target from notification_outbox`)
    expect(outbox).toEqual([{ event: "member.invited", target: input.ownerEmail }])
    const preferences = await inTenant(inside, (sql) => sql`select channel, target from notification_preferences`)
    expect(preferences).toEqual([{ channel: "email", target: input.ownerEmail }])
    const audit = await inTenant(inside, (sql) => sql`select action, actor_user_id from audit_log where action like 'platform.%'`)
    expect(audit).toEqual([{ action: "platform.tenant_created", actor_user_id: admin.userId }])
    // Its storefront answers at once.
    expect((await storefront(input.slug)).status).toBe(200)
  })

  it("refuses reserved, non-ASCII, malformed and taken slugs, unknown plans and kinds, and bad emails", async () => {
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ["reserved www", { slug: "www" }, 400, "invalid-request"],
      ["reserved admin", { slug: "admin" }, 400, "invalid-request"],
      ["reserved api", { slug: "api" }, 400, "invalid-request"],
      ["reserved dashboard", { slug: "dashboard" }, 400, "invalid-request"],
      ["Arabic slug", { slug: "النور" }, 400, "invalid-request"],
      ["upper case", { slug: "AlNoor" }, 400, "invalid-request"],
      ["trailing hyphen", { slug: "noor-" }, 400, "invalid-request"],
      ["taken", { slug: ownersTenant.slug }, 409, "tenant-slug-taken"],
      ["no Arabic name", { name: { ar: "", en: "Noor" } }, 400, "invalid-request"],
      ["unknown kind", { kind: "school" }, 400, "invalid-request"],
      ["unknown plan", { planCode: "platinum" }, 400, "plan-not-found"],
      ["bad email", { ownerEmail: "not-an-email" }, 400, "invalid-request"]
    ]
    for (const [name, overrides, status, type] of cases) {
      const response = await admin_("POST", "/tenants", admin, newTenant(overrides))
      expect(response.status, name).toBe(status)
      expect((await response.json()).type, name).toBe(`https://manara.app/problems/${type}`)
    }
  })

  it("is atomic: when the invitation cannot be written, no tenant is left", async () => {
    const slug = uniqueSlug("atomic")
    const failing = `refused-${randomUUID().slice(0, 8)}@example.com`
    await sqlOf((sql) =>
      Effect.zipRight(
        sql.unsafe(`create function public.refuse_invitation() returns trigger language plpgsql as $$
          begin if new.email = '${failing}' then raise exception 'invitation refused by the test'; end if; return new; end $$`),
        sql.unsafe(
          `create trigger refuse_invitation before insert on tenant_invitations for each row execute function public.refuse_invitation()`
        )
      )
    )
    try {
      const response = await admin_("POST", "/tenants", admin, newTenant({ slug, ownerEmail: failing }))
      expect(response.status).toBe(500)
      const left = await sqlOf((sql) => sql`select id from tenants where slug = ${slug}`)
      expect(left).toEqual([])
      // The same input with another email goes through: the refusal was the invitation's.
      expect((await admin_("POST", "/tenants", admin, newTenant({ slug }))).status).toBe(201)
    } finally {
      await sqlOf((sql) =>
        Effect.zipRight(
          sql.unsafe(`drop trigger refuse_invitation on tenant_invitations`),
          sql.unsafe(`drop function public.refuse_invitation()`)
        )
      )
    }
  })
})

describe("listing, finding and reading tenants", () => {
  it("finds by slug or Arabic name and by status; reads one; an unknown id is a 404", async () => {
    const tenant = await owned(createTenant({ nameAr: `جمعية البحث ${randomUUID().slice(0, 4)}` }))
    const [row] = await sqlOf((sql) => sql<{ name_ar: string }>`select name_ar from tenants where id = ${tenant.id}`)
    const bySlug = await (await admin_("GET", `/tenants/search?q=${tenant.slug}`, admin)).json()
    expect(bySlug.map((t: { slug: string }) => t.slug)).toEqual([tenant.slug])
    const byName = await (await admin_("GET", `/tenants/search?q=${encodeURIComponent(row!.name_ar)}`, admin)).json()
    expect(byName.map((t: { slug: string }) => t.slug)).toEqual([tenant.slug])
    const suspended = await (await admin_("GET", `/tenants/search?status=suspended&q=${tenant.slug}`, admin)).json()
    expect(suspended).toEqual([])
    expect((await admin_("GET", "/tenants/search?status=gone", admin)).status).toBe(400)
    const detail = await admin_("GET", `/tenants/${tenant.id}`, admin)
    expect(detail.status).toBe(200)
    expect(await detail.json()).toMatchObject({
      slug: tenant.slug,
      status: "active",
      planCode: "free",
      overrides: { items: 1000000, members: 1000000 },
      limits: { items: 1000000, members: 1000000 }
    })
    expect((await admin_("GET", `/tenants/${randomUUID()}`, admin)).status).toBe(404)
    expect((await admin_("GET", `/tenants/not-a-uuid`, admin)).status).toBe(400)
  })
})

describe("the tenants list's order", () => {
  it("tenants made in one transaction (one created_at) come newest first, then by id, the same in the list and the search, every time", async () => {
    const tag = `tie-${randomUUID().slice(0, 6)}`
    const made = await owned(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.withTransaction(Effect.forEach([0, 1, 2, 3, 4, 5], (i) => createTenant({ slug: `${tag}-${i}` })))
      )
    )
    const [tied] = await sqlOf(
      (sql) => sql<{ n: number }>`select count(distinct created_at)::int as n from tenants where id in ${sql.in(made.map((t) => t.id))}`
    )
    expect(tied!.n).toBe(1)
    const expected: Array<string> = made.map((t) => t.id).sort((a, b) => (a < b ? 1 : -1))
    const ours = (list: Array<{ id: string }>) => list.map((t) => t.id).filter((id) => expected.includes(id))
    for (let read = 0; read < 3; read++) {
      expect(ours(await (await admin_("GET", "/tenants", admin)).json())).toEqual(expected)
      expect(ours(await (await admin_("GET", `/tenants/search?q=${tag}`, admin)).json())).toEqual(expected)
    }
  })
})

describe("suspension", () => {
  it("takes effect on the next request: the storefront is refused with tenant-suspended, captures too; reactivation brings it back", async () => {
    const tenant = await owned(createTenant())
    await takingDonations(tenant)
    // Cached as active first.
    expect((await storefront(tenant.slug)).status).toBe(200)
    expect((await donate(tenant)).status).toBe(201)

    const suspended = await admin_("POST", `/tenants/${tenant.id}/suspend`, admin)
    expect(suspended.status).toBe(200)
    expect((await suspended.json()).status).toBe("suspended")
    const notice = await storefront(tenant.slug)
    expect(notice.status).toBe(403)
    expect((await notice.json()).type).toBe("https://manara.app/problems/tenant-suspended")
    const refused = await donate(tenant)
    expect(refused.status).toBe(403)
    expect((await refused.json()).type).toBe("https://manara.app/problems/tenant-suspended")
    const donations = await inTenant(tenant, (sql) => sql`select id from donations`)
    expect(donations).toHaveLength(1)
    // An unknown host is still a plain 404.
    expect((await storefront(uniqueSlug("nobody"))).status).toBe(404)

    expect((await admin_("POST", `/tenants/${tenant.id}/reactivate`, admin)).status).toBe(200)
    expect((await storefront(tenant.slug)).status).toBe(200)
    expect((await donate(tenant)).status).toBe(201)

    const audit = await inTenant(tenant, (sql) => sql`select action from audit_log where action like 'platform.%' order by created_at`)
    expect(audit).toEqual([{ action: "platform.tenant_suspended" }, { action: "platform.tenant_reactivated" }])
    expect((await admin_("POST", `/tenants/${randomUUID()}/suspend`, admin)).status).toBe(404)
  })
})

describe("plans and overrides", () => {
  it("lists plans, creates and changes one (audited), refuses bad input", async () => {
    const plans = await (await admin_("GET", "/plans", admin)).json()
    expect(plans.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(["free", "standard", "pro"]))
    const code = `trial-${randomUUID().slice(0, 6)}`
    const body = {
      name: { ar: "تجريبي", en: "Trial" },
      aiBudget: { tokens: "1000", costMicrofils: "5000000" },
      limits: { items: 5, storage: 1048576, members: 2, captures: 10 },
      price: "1.500"
    }
    const saved = await admin_("PUT", `/plans/${code}`, admin, body)
    expect(saved.status).toBe(200)
    expect(await saved.json()).toMatchObject({ code, price: "1.500", limits: body.limits, tenants: 0 })
    expect((await admin_("PUT", `/plans/${code}`, admin, { ...body, limits: { ...body.limits, items: 6 } })).status).toBe(200)
    const audit = await sqlOf(
      (sql) => sql`select action, actor_user_id from platform_audit_log where entity_id = ${code} order by created_at`
    )
    expect(audit).toEqual([
      { action: "platform.plan_created", actor_user_id: admin.userId },
      { action: "platform.plan_changed", actor_user_id: admin.userId }
    ])
    for (const bad of [
      { ...body, price: "1.5001" },
      { ...body, limits: { ...body.limits, members: 0 } },
      { ...body, limits: { ...body.limits, items: -1 } },
      { ...body, name: { ar: "", en: "x" } },
      { ...body, aiBudget: { tokens: 5, costMicrofils: "1" } }
    ]) {
      expect((await admin_("PUT", `/plans/${code}`, admin, bad)).status).toBe(400)
    }
    expect((await admin_("PUT", `/plans/Not%20A%20Code`, admin, body)).status).toBe(400)
  })

  it("moves a tenant to a plan with overrides (audited); unknown tenant 404, unknown plan 400", async () => {
    const tenant = await owned(createTenant())
    const response = await admin_("PUT", `/tenants/${tenant.id}/plan`, admin, {
      planCode: "standard",
      overrides: { items: 7, storage: null, members: 4, captures: null }
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      planCode: "standard",
      overrides: { items: 7, storage: null, members: 4, captures: null },
      limits: { items: 7, storage: 5368709120, members: 4, captures: 5000 }
    })
    const audit = await inTenant(tenant, (sql) => sql`select action from audit_log where action = 'platform.tenant_plan_changed'`)
    expect(audit).toHaveLength(1)
    const overrides = { items: null, storage: null, members: null, captures: null }
    expect((await admin_("PUT", `/tenants/${randomUUID()}/plan`, admin, { planCode: "free", overrides })).status).toBe(404)
    expect((await admin_("PUT", `/tenants/${tenant.id}/plan`, admin, { planCode: "gold", overrides })).status).toBe(400)
    expect(
      (await admin_("PUT", `/tenants/${tenant.id}/plan`, admin, { planCode: "free", overrides: { ...overrides, members: 0 } })).status
    ).toBe(400)
  })
})

describe("platform-wide figures", () => {
  it("counts tenants and sums captures over Kuwait days; refuses bad ranges", async () => {
    const tenant = await owned(createTenant())
    await takingDonations(tenant)
    const before = await (await admin_("GET", "/figures", admin)).json()
    expect((await donate(tenant)).status).toBe(201)
    const after = await (await admin_("GET", "/figures", admin)).json()
    // This month is every test file's: others running beside this one may capture in between.
    expect(after.captures.donations).toBeGreaterThanOrEqual(before.captures.donations + 1)
    expect(Number(after.amounts.donations) * 1000 - Number(before.amounts.donations) * 1000).toBeGreaterThanOrEqual(5000)
    expect(after.amounts.donations).toMatch(/^\d+\.\d{3}$/)
    expect(after.tenants.active).toBeGreaterThan(0)
    // Exactly, on a day of 2019 no other test writes to: the donation moved there (noon in Kuwait), counted once, to the fils.
    const day = `2019-${String(1 + Math.floor(Math.random() * 12)).padStart(2, "0")}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, "0")}`
    await inTenant(tenant, (sql) => sql`update donations set created_at = (${day}::date + time '12:00') at time zone 'Asia/Kuwait'`)
    const moved = await (await admin_("GET", `/figures?from=${day}&to=${day}`, admin)).json()
    expect(moved).toMatchObject({ from: day, to: day, captures: { donations: 1, orders: 0, pledges: 0 }, amounts: { donations: "5.000" } })
    const cases = ["?from=2026-02-31", "?from=2026-12-10&to=2026-12-01", "?from=2024-01-01&to=2026-01-01", "?from=yesterday"]
    for (const query of cases) {
      const response = await admin_("GET", `/figures${query}`, admin)
      expect(response.status, query).toBe(400)
    }
  })
})

describe("plan limits at the boundary: N allowed, N+1 refused", () => {
  const item = (slug: string) => ({ kind: "product", slug, title: { ar: "تمر" }, price: "1.000" })
  const expectPlanLimit = async (response: Response, limit: string, max: number, used: number) => {
    expect(response.status).toBe(409)
    const body = await response.json()
    expect(body).toMatchObject({ type: "https://manara.app/problems/plan-limit", limit: { name: limit, max, used } })
  }

  it("items: the catalog takes N items and refuses the N+1st", async () => {
    const tenant = await owned(createTenant())
    const staff = await memberOf(tenant, "owner")
    expect((await setPlan(tenant, { items: 2 })).status).toBe(200)
    expect((await call("POST", "/tenant/catalog", staff, tenant.slug, item("a"))).status).toBe(201)
    expect((await call("POST", "/tenant/catalog", staff, tenant.slug, item("b"))).status).toBe(201)
    await expectPlanLimit(await call("POST", "/tenant/catalog", staff, tenant.slug, item("c")), "items", 2, 2)
    const usage = await (await call("GET", "/tenant/usage", staff, tenant.slug)).json()
    expect(usage.limits.find((l: { limit: string }) => l.limit === "items")).toEqual({ limit: "items", max: 2, used: 2 })
  })

  it("storage: uploads up to N bytes are taken, one byte more is refused", async () => {
    const tenant = await owned(createTenant())
    const staff = await memberOf(tenant, "owner")
    expect((await setPlan(tenant, { storage: 1000 })).status).toBe(200)
    const upload = (byteSize: number) =>
      call("POST", "/tenant/media/uploads", staff, tenant.slug, { contentType: "image/png", byteSize, filename: "a.png" })
    expect((await upload(600)).status).toBe(201)
    expect((await upload(400)).status).toBe(201)
    await expectPlanLimit(await upload(1), "storage", 1000, 1000)
  })

  it("members: invitations fill the seats; the N+1st is refused, and accepting needs a seat", async () => {
    const tenant = await owned(createTenant())
    const staff = await memberOf(tenant, "owner")
    expect((await setPlan(tenant, { members: 2 })).status).toBe(200)
    const invited = await person("invitee")
    const invitation = await call("POST", "/tenant/invitations", staff, tenant.slug, { email: invited.email, role: "member" })
    expect(invitation.status).toBe(201)
    await expectPlanLimit(
      await call("POST", "/tenant/invitations", staff, tenant.slug, { email: "third@example.com", role: "member" }),
      "members",
      2,
      2
    )
    // The plan shrinks below the members already promised a seat: accepting is refused too.
    const { token } = await invitation.json()
    expect((await setPlan(tenant, { members: 1 })).status).toBe(200)
    await expectPlanLimit(await call("POST", "/tenant/invitations/accept", invited, tenant.slug, { token }), "members", 1, 2)
    expect((await setPlan(tenant, { members: 2 })).status).toBe(200)
    expect((await call("POST", "/tenant/invitations/accept", invited, tenant.slug, { token })).status).toBe(200)
  })

  it("captures: N this month are taken, the N+1st is refused", async () => {
    const tenant = await owned(createTenant())
    await takingDonations(tenant)
    const staff = await memberOf(tenant, "member")
    expect((await setPlan(tenant, { captures: 2 })).status).toBe(200)
    expect((await donate(tenant)).status).toBe(201)
    expect((await donate(tenant)).status).toBe(201)
    await expectPlanLimit(await donate(tenant), "captures", 2, 2)
    const usage = await (await call("GET", "/tenant/usage", staff, tenant.slug)).json()
    expect(usage).toMatchObject({ planCode: "free" })
    expect(usage.limits.map((l: { limit: string }) => l.limit)).toEqual(["items", "storage", "members", "captures"])
    expect(usage.limits.find((l: { limit: string }) => l.limit === "captures")).toEqual({ limit: "captures", max: 2, used: 2 })
  })

  it("usage: a stranger or another tenant's member gets 404", async () => {
    const tenant = await owned(createTenant())
    expect((await call("GET", "/tenant/usage", owner, tenant.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/usage", owner, ownersTenant.slug)).status).toBe(200)
    expect((await call("GET", "/tenant/usage", undefined, tenant.slug)).status).toBe(401)
  })
})

describe("a platform admin without an authenticator app", () => {
  it("gets 403 mfa-setup-required on every /admin endpoint, and /auth/me asks for the setup; an owner without MFA still gets 404", async () => {
    for (const [method, path, body] of [
      ["GET", "/tenants", undefined],
      ["GET", "/plans", undefined],
      ["GET", "/figures", undefined],
      ["GET", "/ai/usage", undefined],
      ["POST", "/tenants", newTenant()]
    ] as Array<[string, string, unknown]>) {
      const refused = await admin_(method, path, adminWithoutMfa, body)
      expect(refused.status, `${method} ${path}`).toBe(403)
      expect(refused.headers.get("content-type")).toBe("application/problem+json")
      expect(((await refused.json()) as { type: string }).type).toBe("https://manara.app/problems/mfa-setup-required")
    }
    const me = await fetch(`${api.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${adminWithoutMfa.token}` } })
    expect(((await me.json()) as { mfaSetupRequired: boolean }).mfaSetupRequired).toBe(true)
    // With MFA the same endpoints answer.
    expect((await admin_("GET", "/tenants", admin)).status).toBe(200)
    // Not a platform admin: still nothing there.
    expect((await admin_("GET", "/tenants", await person("plain"))).status).toBe(404)
  })
})
