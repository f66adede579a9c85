import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest"

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 })

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
let tenant: TenantFixture
let owner: Person
const people = apiPeople(() => api.url, urls, pool)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
  tenant = await withOwner(urls, createTenant())
  owner = await people.memberOf(tenant, "owner")
})
afterAll(() => api?.close())

/** Every section of the settings form, valid; `registrationNumber` marks which save this is. */
const form = (registrationNumber: string) => ({
  branding: { primaryColour: "#1a4d8f", accentColour: "#f2c14e", tagline: { ar: "", en: "" }, logoMediaId: null, defaultLocale: "ar" },
  contact: {
    phone: "",
    whatsapp: "",
    email: "",
    address: { ar: "", en: "" },
    social: { instagram: "", x: "", facebook: "", youtube: "", tiktok: "", snapchat: "", linkedin: "" },
    registrationNumber
  },
  payments: { bankTransfer: { bank: "", beneficiary: "", iban: "" }, payLink: { url: "" } },
  donations: { minimum: "1", maximum: "100", presets: [], zakatGeneralFund: false },
  receipt: { footer: { ar: "", en: "" } },
  orders: { pickup: false }
})

const stored = async () =>
  (
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ settings: Record<string, unknown>; branding: Record<string, unknown> }>`
          select settings, branding from tenants where id = ${tenant.id}`
      )
    )
  )[0]!

describe("a settings save beside a section another door writes", () => {
  it("keeps that section, also when it is written while the save waits for the row", async () => {
    // Another door's section (a jsonb key the settings form does not own), there before the save.
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql`update tenants set settings = settings || '{"elsewhere":{"n":1}}'::jsonb, branding = branding || '{"favicon":"f1"}'::jsonb
              where id = ${tenant.id}`
      )
    )
    expect((await people.call("PUT", "/tenant/settings", owner, tenant.slug, { ...form("FIRST"), version: 1 })).status).toBe(200)
    let after = await stored()
    expect(after.settings.elsewhere).toEqual({ n: 1 })
    expect(after.branding.favicon).toBe("f1")
    expect((after.settings.contact as { registrationNumber: string }).registrationNumber).toBe("FIRST")

    // The other door holds the row (its own save in flight) while the form's save arrives and waits.
    let locked!: () => void
    const holding = new Promise<void>((resolve) => (locked = resolve))
    const other = withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.withTransaction(
          sql`update tenants set settings = settings || '{"elsewhere":{"n":2}}'::jsonb where id = ${tenant.id}`.pipe(
            Effect.tap(() => Effect.sync(locked)),
            Effect.zipRight(Effect.sleep("1 second"))
          )
        )
      )
    )
    await holding
    const saved = people.call("PUT", "/tenant/settings", owner, tenant.slug, { ...form("SECOND"), version: 2 })
    await other
    expect((await saved).status).toBe(200)
    after = await stored()
    expect(after.settings.elsewhere).toEqual({ n: 2 })
    expect((after.settings.contact as { registrationNumber: string }).registrationNumber).toBe("SECOND")
  })
})
