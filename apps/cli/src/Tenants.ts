import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { TenantSql } from "@manara/db"
import { type Branding, normalizeHost, Slug, TenantId, TenantKind } from "@manara/domain"
import { platformDomain } from "@manara/tenancy"
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
/** The custom domain is, or ends in, the platform domain: its hosts belong to slugs. */
export class DomainRefused extends Data.TaggedError("DomainRefused")<{ readonly domain: string; readonly platformDomain: string }> {}
/** Another tenant already answers at this custom domain. */
export class DomainTaken extends Data.TaggedError("DomainTaken")<{ readonly domain: string }> {}

const isTakenDomain = (error: SqlError) => {
  const cause = error.cause as { code?: string; constraint?: string } | undefined
  return cause?.code === "23505" && cause.constraint === "tenants_custom_domain_host"
}

/** Creates a tenant as the owner role (tenants is global: the runtime role cannot write it). */
export const createTenant = (input: TenantInput, branding?: Branding) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const domain = input.customDomain === undefined ? null : normalizeHost(input.customDomain)
    if (domain !== null) {
      const platform = normalizeHost(yield* Effect.orDie(platformDomain))
      if (domain === platform || domain.endsWith(`.${platform}`)) {
        return yield* new DomainRefused({ domain, platformDomain: platform })
      }
    }
    const rows = yield* sql<{ id: string }>`
      insert into tenants (slug, kind, name_ar, name_en, custom_domain, default_locale, branding)
      values (${input.slug}, ${input.kind}, ${input.nameAr}, ${input.nameEn}, ${domain},
              ${input.defaultLocale}, ${JSON.stringify(branding ?? {})}::jsonb)
      on conflict (slug) do nothing
      returning id`.pipe(Effect.catchIf(isTakenDomain, () => new DomainTaken({ domain: domain! })))
    if (rows.length === 0) return yield* new SlugTaken({ slug: input.slug })
    return Schema.decodeSync(TenantId)(rows[0]!.id)
  })

/** The demo charity: Arabic first, English second. Re-running it refreshes it in place. */
export const seedDemo = Effect.gen(function* () {
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
  const tenantId = Schema.decodeSync(TenantId)(rows[0]!.id)
  // Tenant rows only through the one door, as the API writes them.
  yield* Effect.flatMap(TenantSql, (tenantSql) => tenantSql.withTenant(tenantId, seedDemoCatalog(tenantId)))
  yield* Effect.flatMap(TenantSql, (tenantSql) => tenantSql.withTenant(tenantId, seedDemoFaqs(tenantId)))
  return tenantId
})

/** The demo's FAQs for the storefront assistant (docs/assistant.md): added once each, by their Arabic question. */
const demoFaqs = [
  [
    "zakat",
    "هل يمكنني دفع زكاة مالي لمشاريعكم؟",
    "Can I pay my zakat to your projects?",
    "نعم، مشروع كفالة تعليم الأيتام مؤهل للزكاة، ونصرف الزكاة على المستحقين وفق الضوابط الشرعية. اختر «زكاة» عند التبرع.",
    "Yes: the education for orphans project is zakat-eligible, and we spend zakat on those entitled under Sharia rules. Choose “zakat” when you donate."
  ],
  [
    "zakat",
    "هل مشروع حفر البئر مؤهل للزكاة؟",
    "Is the water well project zakat-eligible?",
    "مشروع حفر البئر صدقة جارية وليس من مصارف الزكاة لدينا، ويمكنك التبرع له صدقةً.",
    "The water well project is an ongoing sadaqah, not one of our zakat projects; you can give to it as sadaqah."
  ],
  [
    "donations",
    "كيف أحصل على إيصال لتبرعي؟",
    "How do I get a receipt for my donation?",
    "يصلك إيصال برقم مرجعي فور التبرع، ويمكنك تنزيله بصيغة PDF من صفحة الشكر أو من البريد الإلكتروني.",
    "You get a receipt with a reference number right after donating; download it as a PDF from the thank-you page or the email."
  ],
  [
    "donations",
    "ما هي طرق الدفع المتاحة؟",
    "Which payment methods do you accept?",
    "نقبل الدفع عبر كي نت والتحويل البنكي إلى حساب الجمعية في بيت التمويل الكويتي.",
    "We accept KNET and bank transfer to the charity's account at Kuwait Finance House."
  ],
  [
    "transparency",
    "كيف أعرف أين صُرف تبرعي؟",
    "How do I know where my donation went?",
    "ننشر إثباتات الإنجاز (صور وفواتير وتقارير) في صفحة كل مشروع، مع المبلغ المصروف وتاريخه.",
    "We publish proofs of impact (photos, invoices and reports) on each project's page, with the amount spent and its date."
  ],
  [
    "contact",
    "كيف أتواصل معكم؟",
    "How can I contact you?",
    "راسلنا على info@demo.manara.app أو اطلب التحدث مع موظف هنا في المحادثة.",
    "Email us at info@demo.manara.app, or ask for a member of staff here in the chat."
  ]
] as const

const seedDemoFaqs = (tenantId: TenantId) =>
  Effect.forEach(
    demoFaqs,
    ([category, questionAr, questionEn, answerAr, answerEn], position) =>
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`
          insert into faqs (tenant_id, question_ar, question_en, answer_ar, answer_en, category, position)
          select ${tenantId}, ${questionAr}, ${questionEn}, ${answerAr}, ${answerEn}, ${category}, ${position}
          where not exists (select 1 from faqs where question_ar = ${questionAr})`
      ),
    { discard: true }
  )

const demoItems = [
  {
    slug: "water-well-village",
    kind: "project",
    category: "sadaqah",
    zakat: false,
    goal: "3500.000",
    raised: "2150.750",
    pledged: "400.000",
    sort: 0,
    featured: true,
    title: ["حفر بئر ماء لقرية نائية", "A water well for a remote village"],
    summary: ["ماء نظيف وآمن لأكثر من ١٢٠ أسرة طوال العام", "Clean, safe water for more than 120 families all year round"],
    body: [
      "يعتمد أهل القرية على مياه الأمطار المخزنة.\nيوفر البئر ماءً نظيفاً مع مضخة تعمل بالطاقة الشمسية وخزان.",
      "The village relies on stored rain water.\nThe well brings clean water with a solar pump and a tank."
    ]
  },
  {
    slug: "orphans-education",
    kind: "project",
    category: "zakat",
    zakat: true,
    goal: "12000.000",
    raised: "4875.500",
    pledged: "1200.000",
    sort: 1,
    featured: true,
    title: ["كفالة تعليم الأيتام", "Education for orphans"],
    summary: ["رسوم دراسية وكتب وحقائب لمئتي يتيم", "Fees, books and bags for two hundred orphans"],
    body: [
      "تشمل الكفالة الرسوم الدراسية لعام كامل والكتب والزي المدرسي.",
      "The sponsorship covers a full year of fees, books and uniforms."
    ]
  },
  {
    slug: "masjid-restoration",
    kind: "project",
    category: "waqf",
    zakat: false,
    goal: "25000.000",
    raised: "25000.000",
    pledged: "0.000",
    sort: 2,
    featured: false,
    title: ["ترميم مسجد الحي", "Restoring the neighbourhood masjid"],
    summary: ["سقف جديد وتكييف ومصلى للنساء", "A new roof, air conditioning and a prayer hall for women"],
    body: ["وقف دائم لأهل الحي، اكتمل تمويله بفضل الله.", "A lasting endowment for the neighbourhood, now fully funded."]
  },
  {
    slug: "ramadan-food-basket",
    kind: "product",
    category: null,
    zakat: false,
    price: "15.000",
    sort: 3,
    featured: false,
    title: ["سلة رمضان الغذائية", "Ramadan food basket"],
    summary: ["سلة لأسرة لمدة شهر", "A basket that feeds a family for a month"],
    body: ["أرز وطحين وسكر وزيت وتمر وبقوليات.", "Rice, flour, sugar, oil, dates and pulses."]
  }
] as const

/** The demo's catalog and proofs: refreshed in place, proofs added once. Runs in the demo tenant's transaction. */
const seedDemoCatalog = (tenantId: TenantId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const item of demoItems) {
      const project = item.kind === "project"
      const status = project && item.raised === item.goal ? "funded" : "active"
      yield* sql`
        insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, summary_ar, summary_en, body_ar, body_en,
          price, goal_amount, raised_amount, pledged_amount, zakat_eligible, category, status, featured, sort, published_at)
        values (${tenantId}, ${item.kind}, ${item.slug}, ${item.title[0]}, ${item.title[1]}, ${item.summary[0]}, ${item.summary[1]},
          ${item.body[0]}, ${item.body[1]}, ${project ? null : item.price}::numeric, ${project ? item.goal : null}::numeric,
          ${project ? item.raised : "0"}::numeric, ${project ? item.pledged : "0"}::numeric, ${item.zakat}, ${item.category},
          ${status}, ${item.featured}, ${item.sort}, now())
        on conflict (tenant_id, slug) do update set title_ar = excluded.title_ar, title_en = excluded.title_en,
          summary_ar = excluded.summary_ar, summary_en = excluded.summary_en, body_ar = excluded.body_ar, body_en = excluded.body_en`
    }
    yield* sql`
      insert into proofs (tenant_id, catalog_item_id, kind, caption_ar, caption_en, occurred_on, amount_spent, status, published_at)
      select ${tenantId}, i.id, p.kind, p.caption_ar, p.caption_en, p.occurred_on::date, p.amount::numeric, 'published', now()
      from (values
        ('water-well-village', 'update', 'وصلت معدات الحفر إلى القرية', 'The drilling rig reached the village', '2026-10-05', '900.000'),
        ('water-well-village', 'invoice', 'فاتورة المضخة الشمسية', 'Invoice for the solar pump', '2026-10-20', '650.500'),
        ('masjid-restoration', 'report', 'اكتمل تركيب السقف الجديد', 'The new roof is in place', '2026-09-14', '11200.000')
      ) as p (slug, kind, caption_ar, caption_en, occurred_on, amount)
      join catalog_items i on i.slug = p.slug
      where not exists (select 1 from proofs x where x.catalog_item_id = i.id and x.caption_ar = p.caption_ar)`
  })

/** Makes a Cognito user (by `sub`) an owner of a tenant: the demo's way in. Safe to repeat. */
export const addOwner = (tenantId: TenantId, owner: { readonly sub: string; readonly email: string }) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // A fresh emulator state gives the same person a new sub: the email says who they are.
    yield* sql`update users set cognito_sub = ${owner.sub} where lower(email) = ${owner.email.toLowerCase()} and cognito_sub <> ${owner.sub}`
    const users = yield* sql<{ id: string }>`
      insert into users (cognito_sub, email, display_name) values (${owner.sub}, ${owner.email.toLowerCase()}, 'Demo Owner')
      on conflict (cognito_sub) do update set email = excluded.email
      returning id`
    const tenantSql = yield* TenantSql
    yield* tenantSql.withTenant(
      tenantId,
      sql`
        insert into tenant_members (tenant_id, user_id, role) values (${tenantId}, ${users[0]!.id}, 'owner')
        on conflict (tenant_id, user_id) do update set role = 'owner', status = 'active'`
    )
  })

/** The KPI timing's tenant (a charity with five projects), created when missing. */
export const seedKpiTenant = (slug: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: string }>`
      insert into tenants (slug, kind, name_ar, name_en) values (${slug}, 'charity', 'جمعية القياس', 'Benchmark Charity')
      on conflict (slug) do update set status = 'active' returning id`
    const tenantId = Schema.decodeSync(TenantId)(rows[0]!.id)
    yield* sql.withTransaction(
      Effect.zipRight(
        sql`select set_config('app.current_tenant', ${tenantId}, true)`,
        sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
        select ${tenantId}, 'project', 'project-' || g, 'مشروع ' || g, 'Project ' || g, 100000, 'general', 'active'
        from generate_series(1, 5) g on conflict do nothing`
      )
    )
    return tenantId
  })
