import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { contrastRatio, isKuwaitiIban } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest"

// Generous: each save is a few calls, and the machine running the suite may be loaded.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
let home: TenantFixture
let other: TenantFixture
const people = apiPeople(() => api.url, urls, pool)

const VALID_IBAN = "KW81CBKU0000000000001234560101"

/** Every section, valid. */
const full = (
  overrides: { branding?: object; contact?: object; payments?: object; donations?: object; receipt?: object; orders?: object } = {}
) => ({
  branding: {
    primaryColour: "#1a4d8f",
    accentColour: "#f2c14e",
    tagline: { ar: "معاً للخير", en: "Together for good" },
    logoMediaId: null,
    defaultLocale: "ar",
    ...overrides.branding
  },
  contact: {
    phone: "+965 2222 3333",
    whatsapp: "+965 5555 6666",
    email: "office@example.org",
    address: { ar: "الكويت، حولي، شارع تونس", en: "Hawalli, Tunis Street, Kuwait" },
    social: { instagram: "https://instagram.com/charity", x: "", facebook: "", youtube: "", tiktok: "", snapchat: "", linkedin: "" },
    registrationNumber: "MSA-2019-117",
    ...overrides.contact
  },
  payments: {
    bankTransfer: { bank: "بنك الخليج", beneficiary: "جمعية الخير", iban: "KW81 CBKU 0000 0000 0000 1234 5601 01" },
    payLink: { url: "https://pay.example.org/give" },
    ...overrides.payments
  },
  donations: { minimum: "5", maximum: "50.000", presets: ["5.000", "10.5", "25.000"], ...overrides.donations },
  receipt: { footer: { ar: "شكراً لكم، هذا الإيصال معفى من الرسوم", en: "Thank you; this receipt is fee-free" }, ...overrides.receipt },
  ...(overrides.orders === undefined ? {} : { orders: overrides.orders })
})

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`
const storefront = async (tenant: TenantFixture) => {
  const response = await fetch(`${api.url}/api/v1/public/storefront`, { headers: { "x-forwarded-host": hostOf(tenant) } })
  expect(response.status).toBe(200)
  return (await response.json()) as {
    branding: { primaryColour: string; accentColour: string }
    settings: {
      contact: { registrationNumber: string; phone: string; social: { instagram: string } }
      donations: { minimum: string; maximum: string; presets: Array<string>; zakatGeneralFund: boolean }
      orders: { pickup: boolean }
      paymentMethods: Array<string>
      receiptFooter: { ar: string; en: string }
    }
  }
}

const donate = (tenant: TenantFixture, body: Record<string, unknown>) =>
  fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: JSON.stringify({
      amount: "10.000",
      donor: { name: "أم محمد", phone: "+965 5000 1234" },
      paymentMethod: "bank_transfer",
      ...body
    })
  })

/** The settings' version now, as the tenant's owner reads it (every save names the one it read). */
const readers = new Map<string, ReturnType<typeof people.memberOf>>()
const versionOf = async (tenant: TenantFixture): Promise<number> => {
  // One reader per tenant: making a person signs a new Cognito user in.
  if (!readers.has(tenant.id)) readers.set(tenant.id, people.memberOf(tenant, "owner", "reader"))
  const owner = await readers.get(tenant.id)!
  const read = await people.call("GET", "/tenant/settings", owner, tenant.slug)
  expect(read.status).toBe(200)
  return ((await read.json()) as { version: number }).version
}

/** Saves as the owner, at the version stored now (an object body gets it added). */
const save = async (tenant: TenantFixture, body: unknown) => {
  const owner = await people.memberOf(tenant, "owner")
  const sent = typeof body === "object" && body !== null && !("version" in body) ? { ...body, version: await versionOf(tenant) } : body
  return people.call("PUT", "/tenant/settings", owner, tenant.slug, sent)
}

/** A refusal's field errors, by path. */
const fieldErrors = async (response: Response) => {
  expect(response.status).toBe(400)
  expect(response.headers.get("content-type")).toContain("application/problem+json")
  const body = (await response.json()) as {
    type: string
    errors: Array<{ path: Array<string | number>; code: string; message: string; messageAr: string }>
  }
  expect(body.type).toBe("https://manara.app/problems/invalid-settings")
  return body.errors
}

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" }, s3))
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
})
afterAll(async () => {
  await api?.close()
})

describe("the rules", () => {
  it("checks a Kuwaiti IBAN's length and mod-97 check digits", () => {
    expect(isKuwaitiIban(VALID_IBAN)).toBe(true)
    expect(isKuwaitiIban("kw81 cbku 0000 0000 0000 1234 5601 01")).toBe(true)
    expect(isKuwaitiIban("KW81CBKU0000000000001234560102")).toBe(false)
    expect(isKuwaitiIban("KW81CBKU000000000000123456010")).toBe(false)
    expect(isKuwaitiIban("GB82WEST12345698765432")).toBe(false)
  })
  it("measures contrast as WCAG does", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5)
    expect(contrastRatio("#0f5e4d", "#ffffff")).toBeGreaterThan(4.5)
    expect(contrastRatio("#ffff00", "#ffffff")).toBeLessThan(1.1)
  })
})

describe("GET/PUT /tenant/settings", () => {
  it("saves every section, normalised, audits it, and the storefront shows it on the very next request", async () => {
    const owner = await people.memberOf(home, "owner")
    // Warm both caches first: the host cache (colours) and the public read cache (settings).
    const before = await storefront(home)
    expect(before.branding.primaryColour).toBe("#0f5e4d")
    expect(before.settings.contact.registrationNumber).toBe("")

    const saved = await people.call("PUT", "/tenant/settings", owner, home.slug, { ...full(), version: await versionOf(home) })
    expect(saved.status).toBe(200)
    const body = await saved.json()
    expect(body.payments.bankTransfer.iban).toBe(VALID_IBAN)
    expect(body.donations).toEqual({ minimum: "5.000", maximum: "50.000", presets: ["5.000", "10.500", "25.000"], zakatGeneralFund: false })
    expect(body.orders).toEqual({ pickup: false })

    const read = await (await people.call("GET", "/tenant/settings", owner, home.slug)).json()
    expect(read).toEqual(body)

    const after = await storefront(home)
    expect(after.branding).toMatchObject({ primaryColour: "#1a4d8f", accentColour: "#f2c14e" })
    expect(after.settings.contact).toMatchObject({ registrationNumber: "MSA-2019-117", phone: "+965 2222 3333" })
    expect(after.settings.contact.social.instagram).toBe("https://instagram.com/charity")
    expect(after.settings.donations.presets).toEqual(["5.000", "10.500", "25.000"])
    expect(after.settings.paymentMethods).toEqual(["bank_transfer", "pay_link"])
    expect(after.settings.receiptFooter.en).toBe("Thank you; this receipt is fee-free")
    // The IBAN is for the donor who chose bank transfer, not for every page.
    expect(JSON.stringify(after)).not.toContain(VALID_IBAN)

    const audit = await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{
            actor_user_id: string
            entity_id: string
            before: { branding: { primaryColour: string } }
            after: { branding: { primaryColour: string } }
          }>`
            select actor_user_id, entity_id, before, after from audit_log where action = 'settings.updated' order by created_at`
        )
      )
    )
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ actor_user_id: owner.userId, entity_id: home.id })
    expect(audit[0]!.before.branding.primaryColour).toBe("#0f5e4d")
    expect(audit[0]!.after.branding.primaryColour).toBe("#1a4d8f")
  })

  it("refuses each bad field with its path and code, in English and Arabic, and saves nothing", async () => {
    const cases: Array<[object, Array<string | number>, string]> = [
      [{ branding: { primaryColour: "blue" } }, ["branding", "primaryColour"], "colour"],
      // Yellow: white text on it is unreadable.
      [{ branding: { primaryColour: "#ffff00" } }, ["branding", "primaryColour"], "contrast-primary"],
      // An accent that vanishes on the primary colour.
      [{ branding: { primaryColour: "#1a4d8f", accentColour: "#1a4d90" } }, ["branding", "accentColour"], "contrast-accent"],
      [{ branding: { logoMediaId: randomUUID() } }, ["branding", "logoMediaId"], "logo"],
      [{ contact: { phone: "call us" } }, ["contact", "phone"], "phone"],
      [{ contact: { whatsapp: "12" } }, ["contact", "whatsapp"], "phone"],
      [{ contact: { email: "office-at-example" } }, ["contact", "email"], "email"],
      [
        {
          contact: {
            social: { instagram: "http://instagram.com/x", x: "", facebook: "", youtube: "", tiktok: "", snapchat: "", linkedin: "" }
          }
        },
        ["contact", "social", "instagram"],
        "https"
      ],
      // One digit off: the mod-97 check fails.
      [
        { payments: { bankTransfer: { bank: "", beneficiary: "", iban: "KW81CBKU0000000000001234560102" }, payLink: { url: "" } } },
        ["payments", "bankTransfer", "iban"],
        "iban"
      ],
      // One character short.
      [
        { payments: { bankTransfer: { bank: "", beneficiary: "", iban: "KW81CBKU000000000000123456010" }, payLink: { url: "" } } },
        ["payments", "bankTransfer", "iban"],
        "iban"
      ],
      [
        { payments: { bankTransfer: { bank: "", beneficiary: "", iban: "GB82WEST12345698765432" }, payLink: { url: "" } } },
        ["payments", "bankTransfer", "iban"],
        "iban-country"
      ],
      [
        { payments: { bankTransfer: { bank: "بنك", beneficiary: "", iban: "" }, payLink: { url: "" } } },
        ["payments", "bankTransfer", "iban"],
        "bank-incomplete"
      ],
      [
        { payments: { bankTransfer: { bank: "", beneficiary: "", iban: "" }, payLink: { url: "http://pay.example.org" } } },
        ["payments", "payLink", "url"],
        "https"
      ],
      [{ donations: { minimum: "1.2345", maximum: "50.000", presets: [] } }, ["donations", "minimum"], "amount"],
      [{ donations: { minimum: "0", maximum: "50.000", presets: [] } }, ["donations", "minimum"], "amount"],
      [{ donations: { minimum: "60.000", maximum: "50.000", presets: [] } }, ["donations", "minimum"], "minimum-above-maximum"],
      [
        { donations: { minimum: "5.000", maximum: "50.000", presets: ["10.000", "75.000"] } },
        ["donations", "presets", 1],
        "preset-out-of-range"
      ],
      [{ donations: { minimum: "5.000", maximum: "50.000", presets: ["10.000", "10"] } }, ["donations", "presets", 1], "preset-duplicate"]
    ]
    const owner = await people.memberOf(other, "owner")
    // Every case is refused, so the version stays the one read here.
    const version = await versionOf(other)
    for (const [overrides, path, code] of cases) {
      const errors = await fieldErrors(await people.call("PUT", "/tenant/settings", owner, other.slug, { ...full(overrides), version }))
      const found = errors.find((error) => JSON.stringify(error.path) === JSON.stringify(path))
      expect(found, `${code} at ${path.join(".")}`).toMatchObject({ code })
      expect(found!.message.length).toBeGreaterThan(5)
      expect(found!.messageAr).toMatch(/[\u0600-\u06FF]/)
    }
    const stored = await (await people.call("GET", "/tenant/settings", owner, other.slug)).json()
    expect(stored.contact.registrationNumber).toBe("")
  })

  it("refuses a malformed body with a 400 problem, not a 500", async () => {
    const owner = await people.memberOf(other, "owner")
    for (const body of [{}, { ...full(), donations: { minimum: 5, maximum: "50.000", presets: [] } }, { ...full(), branding: null }, "x"]) {
      const response = await people.call("PUT", "/tenant/settings", owner, other.slug, body)
      expect(response.status).toBe(400)
      expect(response.headers.get("content-type")).toContain("application/problem+json")
    }
  })

  it("is for owners and admins: a member gets 403, nobody 401, another tenant's owner 404", async () => {
    const admin = await people.memberOf(other, "admin")
    expect((await people.call("PUT", "/tenant/settings", admin, other.slug, { ...full(), version: await versionOf(other) })).status).toBe(
      200
    )
    const member = await people.memberOf(other, "member")
    for (const [method, body] of [
      ["GET", undefined],
      ["PUT", { ...full({ contact: { registrationNumber: "HACKED" } }), version: 1 }]
    ] as const) {
      const refused = await people.call(method, "/tenant/settings", member, other.slug, body)
      expect(refused.status).toBe(403)
      expect((await refused.json()).type).toBe("https://manara.app/problems/role-not-allowed")
      expect((await people.call(method, "/tenant/settings", undefined, other.slug, body)).status).toBe(401)
    }
    const foreign = await people.memberOf(home, "owner")
    for (const [method, body] of [
      ["GET", undefined],
      ["PUT", { ...full({ contact: { registrationNumber: "HACKED" } }), version: 1 }]
    ] as const) {
      const refused = await people.call(method, "/tenant/settings", foreign, other.slug, body)
      expect(refused.status).toBe(404)
    }
    expect((await storefront(other)).settings.contact.registrationNumber).not.toBe("HACKED")
  })

  it("accepts this tenant's uploaded image as the logo, and serves it publicly", async () => {
    const mediaId = randomUUID()
    await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`insert into media_assets (tenant_id, id, key, content_type, byte_size, status)
            values (${home.id}, ${mediaId}, ${`${home.id}/logo.png`}, 'image/png', 100, 'ready')`
        )
      )
    )
    // Another tenant cannot use it: RLS hides it from them.
    const errors = await fieldErrors(await save(other, full({ branding: { logoMediaId: mediaId } })))
    expect(errors.map((error) => error.code)).toEqual(["logo"])
    expect((await save(home, full({ branding: { logoMediaId: mediaId } }))).status).toBe(200)
    expect((await storefront(home)).settings).toMatchObject({ logoMediaId: mediaId })
    const logo = await fetch(`${api.url}/api/v1/public/media/${mediaId}`, {
      headers: { "x-forwarded-host": hostOf(home) },
      redirect: "manual"
    })
    expect(logo.status).toBe(302)
  })
})

describe("capture follows the settings", () => {
  it("refuses a payment method that is not set up, server-side, and offers only what is", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    // Nothing set up: nothing offered, both refused.
    expect((await storefront(tenant)).settings.paymentMethods).toEqual([])
    for (const paymentMethod of ["bank_transfer", "pay_link"]) {
      const refused = await donate(tenant, { paymentMethod })
      expect(refused.status).toBe(400)
      expect((await refused.json()).type).toBe("https://manara.app/problems/payment-method-unavailable")
    }
    // A pay link only.
    expect(
      (
        await save(
          tenant,
          full({ payments: { bankTransfer: { bank: "", beneficiary: "", iban: "" }, payLink: { url: "https://pay.example.org/give" } } })
        )
      ).status
    ).toBe(200)
    expect((await storefront(tenant)).settings.paymentMethods).toEqual(["pay_link"])
    expect((await donate(tenant, { paymentMethod: "bank_transfer" })).status).toBe(400)
    expect((await donate(tenant, { paymentMethod: "pay_link" })).status).toBe(201)
    // An IBAN stored before validation existed, with a bad checksum, is not set up either.
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql`update tenants set settings = jsonb_set(settings, '{bankTransfer,iban}', '"KW81CBKU0000000000001234560102"') where id = ${tenant.id}`
      )
    )
    // The write went around the API: wait out nothing, just a fresh API that has no cached copy.
    const fresh = await startApi(apiEnv(urls, pool, {}, s3))
    try {
      const refused = await fetch(`${fresh.url}/api/v1/public/donations`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
        body: JSON.stringify({ amount: "10.000", donor: { name: "سارة", phone: "+965 5000 1234" }, paymentMethod: "bank_transfer" })
      })
      expect(refused.status).toBe(400)
      expect((await refused.json()).type).toBe("https://manara.app/problems/payment-method-unavailable")
    } finally {
      await fresh.close()
    }
  })

  it("refuses amounts outside the tenant's limits with a problem, at the boundary, and shows the bank details", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    expect((await save(tenant, full({ donations: { minimum: "5.000", maximum: "50.000", presets: [] } }))).status).toBe(200)
    for (const amount of ["4.999", "50.001"]) {
      const refused = await donate(tenant, { amount })
      expect(refused.status).toBe(400)
      expect(refused.headers.get("content-type")).toContain("application/problem+json")
      expect((await refused.json()).type).toBe("https://manara.app/problems/amount-out-of-range")
    }
    for (const amount of ["5.000", "50.000"]) {
      const accepted = await donate(tenant, { amount })
      expect(accepted.status).toBe(201)
      const receipt = await accepted.json()
      expect(receipt.payment).toMatchObject({ _tag: "BankTransfer", iban: VALID_IBAN, bank: "بنك الخليج", beneficiary: "جمعية الخير" })
    }
  })
})

describe("zakat to the general fund and pickup", () => {
  /** A product that ships, for a pickup order. */
  const shippingProduct = (tenant: TenantFixture) =>
    withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ id: string }>`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, price, status, ships)
            values (${tenant.id}, 'product', ${`dates-${randomUUID().slice(0, 8)}`}, 'تمر', 'Dates', 2.5, 'active', true) returning id`
        )
      )
    ).then((rows) => rows[0]!.id)
  const pickupOrder = (tenant: TenantFixture, itemId: string) =>
    fetch(`${api.url}/api/v1/public/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
      body: JSON.stringify({
        items: [{ itemId, quantity: 1 }],
        customer: { name: "منى", phone: "+965 5000 1234" },
        paymentMethod: "bank_transfer",
        delivery: { method: "pickup" }
      })
    })
  const problemType = async (response: Response) => {
    expect(response.status).toBe(400)
    return ((await response.json()) as { type: string }).type
  }

  it("are saved by the settings save, kept on a round trip, shown to the storefront, and capture follows them", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const owner = await people.memberOf(tenant, "owner")
    const itemId = await shippingProduct(tenant)

    // A payload without the switches (an older client) leaves them off: zakat without a project and pickup are refused.
    expect((await save(tenant, full())).status).toBe(200)
    expect(await problemType(await donate(tenant, { category: "zakat" }))).toBe("https://manara.app/problems/zakat-not-eligible")
    expect(await problemType(await pickupOrder(tenant, itemId))).toBe("https://manara.app/problems/pickup-unavailable")

    const on = full({ donations: { zakatGeneralFund: true }, orders: { pickup: true } })
    const saved = await save(tenant, on)
    expect(saved.status).toBe(200)
    const body = await saved.json()
    expect(body.donations.zakatGeneralFund).toBe(true)
    expect(body.orders).toEqual({ pickup: true })

    // What the dashboard reads it saves back: both switches survive (they used to be wiped).
    const read = await (await people.call("GET", "/tenant/settings", owner, tenant.slug)).json()
    expect(read).toEqual(body)
    expect((await people.call("PUT", "/tenant/settings", owner, tenant.slug, read)).status).toBe(200)
    const [stored] = await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ settings: { donations: { zakatGeneralFund: boolean }; orders: { pickup: boolean } } }>`
          select settings from tenants where id = ${tenant.id}`
      )
    )
    expect(stored!.settings.donations.zakatGeneralFund).toBe(true)
    expect(stored!.settings.orders.pickup).toBe(true)

    const shown = await storefront(tenant)
    expect(shown.settings.donations.zakatGeneralFund).toBe(true)
    expect(shown.settings.orders).toEqual({ pickup: true })

    const zakat = await donate(tenant, { category: "zakat" })
    expect(zakat.status).toBe(201)
    expect((await zakat.json()).category).toBe("zakat")
    const pickup = await pickupOrder(tenant, itemId)
    expect(pickup.status).toBe(201)
    expect((await pickup.json()).delivery).toEqual({ method: "pickup" })

    // Turned off from the dashboard: refused again, and the storefront stops offering them.
    expect((await save(tenant, full({ donations: { zakatGeneralFund: false }, orders: { pickup: false } }))).status).toBe(200)
    expect(await problemType(await donate(tenant, { category: "zakat" }))).toBe("https://manara.app/problems/zakat-not-eligible")
    expect(await problemType(await pickupOrder(tenant, itemId))).toBe("https://manara.app/problems/pickup-unavailable")
    const hidden = await storefront(tenant)
    expect(hidden.settings.donations.zakatGeneralFund).toBe(false)
    expect(hidden.settings.orders).toEqual({ pickup: false })
  })

  it("refuses a switch that is not true or false", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    for (const body of [full({ orders: { pickup: "yes" } }), full({ donations: { zakatGeneralFund: 1 } })]) {
      const refused = await save(tenant, body)
      expect(refused.status).toBe(400)
      expect(refused.headers.get("content-type")).toContain("application/problem+json")
    }
  })
})

describe("two people saving the same settings (optimistic concurrency)", () => {
  const problemOf = async (response: Response) => {
    expect(response.headers.get("content-type")).toContain("application/problem+json")
    return (await response.json()) as { type: string; status: number; errors?: Array<{ path: Array<string | number> }> }
  }
  const registration = async (tenant: TenantFixture) => {
    const owner = await people.memberOf(tenant, "owner")
    return (
      (await (await people.call("GET", "/tenant/settings", owner, tenant.slug)).json()) as { contact: { registrationNumber: string } }
    ).contact.registrationNumber
  }

  it("refuses a save at a version someone else saved over with a 409 problem and saves nothing; the fresh version saves", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const owner = await people.memberOf(tenant, "owner")
    const admin = await people.memberOf(tenant, "admin")
    // Both open the form: the same version.
    const read = (await (await people.call("GET", "/tenant/settings", owner, tenant.slug)).json()) as { version: number }
    expect(read.version).toBeGreaterThanOrEqual(1)

    const first = await people.call("PUT", "/tenant/settings", owner, tenant.slug, {
      ...full({ contact: { registrationNumber: "OWNER-1" } }),
      version: read.version
    })
    expect(first.status).toBe(200)
    expect(((await first.json()) as { version: number }).version).toBe(read.version + 1)
    expect(await versionOf(tenant)).toBe(read.version + 1)

    // The admin's form is stale: refused, and the owner's save stands.
    const stale = await people.call("PUT", "/tenant/settings", admin, tenant.slug, {
      ...full({ contact: { registrationNumber: "ADMIN-STALE" } }),
      version: read.version
    })
    expect(stale.status).toBe(409)
    const refused = await problemOf(stale)
    expect(refused).toMatchObject({ type: "https://manara.app/problems/settings-changed", status: 409 })
    expect(await registration(tenant)).toBe("OWNER-1")
    expect(await versionOf(tenant)).toBe(read.version + 1)

    // Read again, saved again: fine.
    const fresh = await people.call("PUT", "/tenant/settings", admin, tenant.slug, {
      ...full({ contact: { registrationNumber: "ADMIN-2" } }),
      version: read.version + 1
    })
    expect(fresh.status).toBe(200)
    expect(((await fresh.json()) as { version: number }).version).toBe(read.version + 2)
    expect(await registration(tenant)).toBe("ADMIN-2")
    // A version from the future is as stale as one from the past.
    expect((await people.call("PUT", "/tenant/settings", owner, tenant.slug, { ...full(), version: read.version + 10 })).status).toBe(409)
  })

  it("lets exactly one of two saves at the same version through when they arrive together", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const owner = await people.memberOf(tenant, "owner")
    const admin = await people.memberOf(tenant, "admin")
    const version = await versionOf(tenant)
    const answers = await Promise.all(
      [
        [owner, "TOGETHER-OWNER"],
        [admin, "TOGETHER-ADMIN"]
      ].map(([person, mark]) =>
        people.call("PUT", "/tenant/settings", person as typeof owner, tenant.slug, {
          ...full({ contact: { registrationNumber: mark as string } }),
          version
        })
      )
    )
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409])
    const winner = answers.findIndex((answer) => answer.status === 200)
    expect(await registration(tenant)).toBe(winner === 0 ? "TOGETHER-OWNER" : "TOGETHER-ADMIN")
    expect(await versionOf(tenant)).toBe(version + 1)
  })

  it("requires the version: a save without one, or with one that is not a whole number from 1, is a 400 problem and saves nothing", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const owner = await people.memberOf(tenant, "owner")
    const version = await versionOf(tenant)
    for (const body of [
      full({ contact: { registrationNumber: "NO-VERSION" } }),
      { ...full({ contact: { registrationNumber: "NO-VERSION" } }), version: 0 },
      { ...full({ contact: { registrationNumber: "NO-VERSION" } }), version: 1.5 },
      { ...full({ contact: { registrationNumber: "NO-VERSION" } }), version: String(version) },
      { ...full({ contact: { registrationNumber: "NO-VERSION" } }), version: null }
    ]) {
      const response = await people.call("PUT", "/tenant/settings", owner, tenant.slug, body)
      expect(response.status, JSON.stringify((body as { version?: unknown }).version)).toBe(400)
      expect((await problemOf(response)).type).toBe("https://manara.app/problems/invalid-request")
    }
    expect(await registration(tenant)).toBe("")
    expect(await versionOf(tenant)).toBe(version)
  })
})
