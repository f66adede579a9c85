import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { TenantSql } from "@manara/db"
import { ownerSql, uniqueSlug } from "@manara/testkit"
import { ConfigProvider, Effect, Either, Exit, Layer, Schema } from "effect"
import { inject } from "vitest"
import { addOwner, createTenant, DomainRefused, DomainTaken, seedDemo, TenantInput } from "../src/Tenants.js"

const urls = inject("manaraDatabase")

describe("tenant commands", () => {
  it.layer(TenantSql.Default.pipe(Layer.provideMerge(ownerSql(urls))))((it) => {
    it.effect("creates a tenant and refuses its slug a second time", () =>
      Effect.gen(function* () {
        const slug = uniqueSlug("cli")
        const input = Schema.decodeUnknownSync(TenantInput)({
          slug,
          kind: "store",
          nameAr: "متجر",
          nameEn: "Shop",
          customDomain: `${slug}.example.com`
        })
        const id = yield* createTenant(input)
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ slug: string; custom_domain: string }>`select slug, custom_domain from tenants where id = ${id}`
        expect(row).toEqual({ slug, custom_domain: `${slug}.example.com` })
        const again = yield* Effect.exit(createTenant(input))
        expect(Exit.isFailure(again) && String(again.cause)).toContain("SlugTaken")
      })
    )

    it.effect("refuses a custom domain that is, or ends in, the platform domain", () =>
      Effect.gen(function* () {
        const input = (customDomain: string) =>
          Schema.decodeUnknownSync(TenantInput)({ slug: uniqueSlug("dom"), kind: "store", nameAr: "متجر", nameEn: "", customDomain })
        for (const domain of ["manara.test", `${uniqueSlug("shop")}.manara.test`, `www.${uniqueSlug("shop")}.manara.test`]) {
          expect(yield* Effect.flip(createTenant(input(domain)))).toEqual(new DomainRefused({ domain, platformDomain: "manara.test" }))
        }
        // Ending in the same letters is not being under it.
        const near = `${uniqueSlug("near")}notmanara.test`
        expect(typeof (yield* createTenant(input(near)))).toBe("string")
      }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["PLATFORM_DOMAIN", "Manara.Test."]]))))
    )

    it.effect("refuses a custom domain another tenant already has", () =>
      Effect.gen(function* () {
        const domain = `${uniqueSlug("taken")}.example.com`
        const input = () =>
          Schema.decodeUnknownSync(TenantInput)({
            slug: uniqueSlug("dom"),
            kind: "store",
            nameAr: "متجر",
            nameEn: "",
            customDomain: domain
          })
        yield* createTenant(input())
        expect(yield* Effect.flip(createTenant(input()))).toEqual(new DomainTaken({ domain }))
      })
    )

    it.effect("refuses a tenant without an Arabic name or with a bad slug", () =>
      Effect.sync(() => {
        for (const bad of [
          { slug: "ok-slug", kind: "charity", nameAr: "  ", nameEn: "x" },
          { slug: "Not OK", kind: "charity", nameAr: "س", nameEn: "" }
        ]) {
          expect(Either.isLeft(Schema.decodeUnknownEither(TenantInput)(bad))).toBe(true)
        }
      })
    )

    it.effect("seeds the demo charity idempotently, in Arabic and English", () =>
      Effect.gen(function* () {
        const first = yield* seedDemo
        const second = yield* seedDemo
        expect(second).toBe(first)
        const sql = yield* SqlClient.SqlClient
        const [demo] = yield* sql<{ name_ar: string; name_en: string; tagline: string }>`
          select name_ar, name_en, branding #>> '{tagline,ar}' as tagline from tenants where slug = 'demo'`
        expect(demo!.name_ar).toBe("جمعية منارة الخيرية")
        expect(demo!.name_en).toBe("Manara Charity")
        expect(demo!.tagline.length).toBeGreaterThan(10)
        const tenantSql = yield* TenantSql
        const catalog = yield* tenantSql.withTenant(
          first,
          sql<{
            items: string
            proofs: string
          }>`select (select count(*) from catalog_items)::text as items, (select count(*) from proofs)::text as proofs`
        )
        expect(catalog).toEqual([{ items: "4", proofs: "3" }])
        // The assistant's FAQs, zakat eligibility among them, once each however often it runs.
        const faqs = yield* tenantSql.withTenant(first, sql<{ category: string; n: string }>`select category, count(*)::text as n from faqs group by 1 order by 1`)
        expect(faqs).toEqual([
          { category: "contact", n: "1" },
          { category: "donations", n: "2" },
          { category: "transparency", n: "1" },
          { category: "zakat", n: "2" }
        ])
      })
    )

    it.effect("makes the demo owner an owner again after the Cognito emulator's state was reset (new sub, same email)", () =>
      Effect.gen(function* () {
        const tenant = yield* seedDemo
        const email = `${uniqueSlug("owner")}@demo.example.com`
        yield* addOwner(tenant, { sub: "sub-before-reset", email })
        yield* addOwner(tenant, { sub: "sub-after-reset", email })
        const sql = yield* SqlClient.SqlClient
        const users = yield* sql<{ cognito_sub: string }>`select cognito_sub from users where email = ${email}`
        expect(users).toEqual([{ cognito_sub: "sub-after-reset" }])
      })
    )
  })
})
