import { SqlClient } from "@effect/sql"
import { type Branding, normalizeHost, Slug, TenantId, TenantKind } from "@manara/domain"
import { Data, Effect, Schema } from "effect"

export class TenantInput extends Schema.Class<TenantInput>("TenantInput")({
  slug: Slug,
  kind: TenantKind,
  nameAr: Schema.NonEmptyTrimmedString,
  nameEn: Schema.String,
  customDomain: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/))),
  defaultLocale: Schema.optionalWith(Schema.Literal("ar", "en"), { default: () => "ar" as const })
}) {}

export class SlugTaken extends Data.TaggedError("SlugTaken")<{ readonly slug: string }> {}

/** Creates a tenant as the owner role (tenants is global: the runtime role cannot write it). */
export const createTenant = (input: TenantInput, branding?: Branding) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: string }>`
      insert into tenants (slug, kind, name_ar, name_en, custom_domain, default_locale, branding)
      values (${input.slug}, ${input.kind}, ${input.nameAr}, ${input.nameEn},
              ${input.customDomain === undefined ? null : normalizeHost(input.customDomain)},
              ${input.defaultLocale}, ${JSON.stringify(branding ?? {})}::jsonb)
      on conflict (slug) do nothing
      returning id`
    if (rows.length === 0) return yield* new SlugTaken({ slug: input.slug })
    return Schema.decodeSync(TenantId)(rows[0]!.id)
  })

/** The demo charity: Arabic first, English second. Re-running it refreshes it in place. */
export const seedDemo = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const branding: Branding = {
    primaryColour: "#0f5e4d",
    accentColour: "#c8a24a",
    tagline: {
      ar: "نبني الخير معاً: مشاريع خيرية في الكويت، بشفافية في كل دينار",
      en: "Building good together: charity projects in Kuwait, accountable for every dinar"
    }
  }
  const settings = {
    contact: { phone: "+965 2222 0000", email: "info@demo.manara.app" },
    bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" }
  }
  const rows = yield* sql<{ id: string }>`
    insert into tenants (slug, kind, name_ar, name_en, default_locale, branding, settings)
    values ('demo', 'charity', 'جمعية منارة الخيرية', 'Manara Charity', 'ar',
            ${JSON.stringify(branding)}::jsonb, ${JSON.stringify(settings)}::jsonb)
    on conflict (slug) do update set name_ar = excluded.name_ar, name_en = excluded.name_en,
      branding = excluded.branding, settings = excluded.settings, status = 'active'
    returning id`
  return Schema.decodeSync(TenantId)(rows[0]!.id)
})

/** Makes a Cognito user (by `sub`) an owner of a tenant: the demo's way in. Safe to repeat. */
export const addOwner = (tenantId: TenantId, owner: { readonly sub: string; readonly email: string }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const users = yield* sql<{ id: string }>`
      insert into users (cognito_sub, email, display_name) values (${owner.sub}, ${owner.email.toLowerCase()}, 'Demo Owner')
      on conflict (cognito_sub) do update set email = excluded.email
      returning id`
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`select set_config('app.current_tenant', ${tenantId}, true)`
      yield* sql`
        insert into tenant_members (tenant_id, user_id, role) values (${tenantId}, ${users[0]!.id}, 'owner')
        on conflict (tenant_id, user_id) do update set role = 'owner', status = 'active'`
    }))
  })
