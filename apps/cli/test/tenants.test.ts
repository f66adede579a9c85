import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Media } from "@manara/catalog"
import { TenantSql } from "@manara/db"
import { paymentMethodsSetUp, settingsFromStored, type StoredBranding, type StoredSettings, validateSettings } from "@manara/domain"
import { Storage } from "@manara/storage"
import { ownerSql, s3Env, uniqueSlug } from "@manara/testkit"
import { ConfigProvider, Effect, Either, Exit, Layer, Schema } from "effect"
import { inject } from "vitest"
import { addOwner, createTenant, DomainRefused, DomainTaken, seedDemo, TenantInput } from "../src/Tenants.js"

const urls = inject("manaraDatabase")
const s3 = inject("manaraS3")

describe("tenant commands", () => {
  it.layer(
    Media.Default.pipe(
      Layer.provideMerge(Storage.Default),
      Layer.provideMerge(TenantSql.Default),
      Layer.provideMerge(ownerSql(urls)),
      // The demo's illustrations go to this run's bucket.
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(s3Env(s3))))))
    ),
    { timeout: 120_000 }
  )((it) => {
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

    it.effect(
      "seeds the demo charity idempotently, in Arabic and English",
      () =>
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
          // Full settings, every section valid as the dashboard would save them, bank transfer set up.
          const [profile] = yield* sql<{ default_locale: "ar" | "en"; branding: StoredBranding; settings: StoredSettings }>`
          select default_locale, branding, settings from tenants where slug = 'demo'`
          const settings = settingsFromStored(profile!.default_locale, profile!.branding, profile!.settings)
          expect(validateSettings(settings)).toEqual([])
          expect(settings.contact.registrationNumber).not.toBe("")
          expect(settings.receipt.footer.ar).not.toBe("")
          expect(paymentMethodsSetUp(profile!.settings)).toEqual(["bank_transfer"])
          const tenantSql = yield* TenantSql
          const catalog = yield* tenantSql.withTenant(
            first,
            sql<{
              items: string
              proofs: string
            }>`select (select count(*) from catalog_items)::text as items, (select count(*) from proofs)::text as proofs`
          )
          expect(catalog).toEqual([{ items: "13", proofs: "7" }])
          // Enough to fill the home page, one project funded and one completed.
          const statuses = yield* tenantSql.withTenant(
            first,
            sql<{ kind: string; status: string; n: string }>`
            select kind, status, count(*)::text as n from catalog_items group by kind, status order by kind, status`
          )
          expect(statuses).toEqual([
            { kind: "product", status: "active", n: "5" },
            { kind: "project", status: "active", n: "6" },
            { kind: "project", status: "completed", n: "1" },
            { kind: "project", status: "funded", n: "1" }
          ])
          // At least one product ships, so the demo's checkout asks for a delivery address; projects never ship.
          const shipping = yield* tenantSql.withTenant(
            first,
            sql<{ slug: string; kind: string }>`select slug, kind from catalog_items where ships order by slug`
          )
          expect(shipping).toEqual([{ slug: "prayer-mat", kind: "product" }])
          // Every item has an illustrated cover, stored as an upload is: ready, measured, with its thumbnail in the bucket.
          const covers = yield* tenantSql.withTenant(
            first,
            sql<{
              slug: string
              status: string
              content_type: string
              width: number
              height: number
              thumbnail_key: string | null
              key: string
            }>`
            select i.slug, m.status, m.content_type, m.width, m.height, m.thumbnail_key, m.key
            from catalog_items i left join media_assets m on m.id = i.cover_media_id order by i.sort`
          )
          expect(covers).toHaveLength(13)
          for (const cover of covers) {
            expect(cover, cover.slug).toMatchObject({ status: "ready", content_type: "image/jpeg", width: 1600, height: 900 })
            expect(cover.thumbnail_key).toMatch(/\.thumb\.webp$/)
          }
          const storage = yield* Storage
          const bytes = yield* storage.read(covers[0]!.key)
          expect(Buffer.from(bytes.subarray(0, 3)).toString("hex")).toBe("ffd8ff")
          const pictures = yield* tenantSql.withTenant(
            first,
            sql<{ n: string }>`select count(*)::text as n from proofs where media_id is not null`
          )
          expect(Number(pictures[0]!.n)).toBeGreaterThanOrEqual(4)
          // The assistant's FAQs, zakat eligibility among them, once each however often it runs.
          const faqs = yield* tenantSql.withTenant(
            first,
            sql<{ category: string; n: string }>`select category, count(*)::text as n from faqs group by 1 order by 1`
          )
          expect(faqs).toEqual([
            { category: "contact", n: "1" },
            { category: "donations", n: "2" },
            { category: "transparency", n: "1" },
            { category: "zakat", n: "2" }
          ])
          // The second run drew nothing new.
          const assets = yield* tenantSql.withTenant(first, sql<{ n: string }>`select count(*)::text as n from media_assets`)
          yield* seedDemo
          expect(yield* tenantSql.withTenant(first, sql<{ n: string }>`select count(*)::text as n from media_assets`)).toEqual(assets)
        }),
      120_000
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
