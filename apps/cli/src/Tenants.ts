import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Media, renderIllustration } from "@manara/catalog"
import { TenantSql } from "@manara/db"
import { Storage } from "@manara/storage"
import { type Branding, normalizeHost, Slug, type StoredSettings, TenantId, TenantKind } from "@manara/domain"
import { platformDomain } from "@manara/tenancy"
import { ConfigProvider, Data, Effect, Layer, Schema } from "effect"

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
  // Every section of the tenant settings (`@manara/domain` Settings), as the dashboard would save them.
  const settings: StoredSettings = {
    contact: {
      phone: "+965 2222 0000",
      whatsapp: "+965 5000 0000",
      email: "info@demo.manara.app",
      address: { ar: "الكويت، حولي، شارع تونس، مبنى ١٢", en: "Building 12, Tunis Street, Hawalli, Kuwait" },
      social: {
        instagram: "https://instagram.com/manara.demo",
        x: "https://x.com/manara_demo",
        facebook: "",
        youtube: "",
        tiktok: "",
        snapchat: "",
        linkedin: ""
      },
      registrationNumber: "MSA-2021-0417"
    },
    bankTransfer: { bank: "بيت التمويل الكويتي", beneficiary: "جمعية منارة الخيرية", iban: "KW81CBKU0000000000001234560101" },
    // No pay link: the demo has no payment provider, and a link to nowhere must not be offered to donors.
    payLink: { url: "" },
    donations: { minimum: "1.000", maximum: "10000.000", presets: ["5.000", "10.000", "25.000", "50.000", "100.000"] },
    receipt: {
      footer: {
        ar: "جمعية منارة الخيرية مرخّصة من وزارة الشؤون الاجتماعية. تقبّل الله منكم.",
        en: "Manara Charity is licensed by the Ministry of Social Affairs. May your giving be accepted."
      }
    }
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
  yield* seedDemoPictures(tenantId)
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
    "نقبل التحويل البنكي إلى حساب الجمعية في بيت التمويل الكويتي، ورقم الحساب يظهر عند التبرع.",
    "We accept bank transfer to the charity's account at Kuwait Finance House; the account number shows when you donate."
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

interface DemoItem {
  readonly slug: string
  readonly kind: "project" | "product"
  readonly category: "zakat" | "sadaqah" | "waqf" | "general" | null
  readonly zakat: boolean
  readonly goal?: string
  readonly raised?: string
  readonly pledged?: string
  readonly price?: string
  /** A product delivered to the buyer: checkout asks for an address. */
  readonly ships?: boolean
  readonly status: "active" | "funded" | "completed"
  readonly sort: number
  readonly featured: boolean
  readonly title: readonly [string, string]
  readonly summary: readonly [string, string]
  readonly body: readonly [string, string]
  /** The illustration's gradient. */
  readonly colours: readonly [string, string]
}

/** The demo with its pictures going to the bucket named by `s3` (S3_* variables): for tests, which have no such environment. */
export const seedDemoWithBucket = (s3: Record<string, string>) =>
  seedDemo.pipe(
    Effect.provide(
      Media.Default.pipe(
        Layer.provideMerge(Storage.Default),
        Layer.provideMerge(TenantSql.Default),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(s3)))))
      )
    )
  )

const demoItems: ReadonlyArray<DemoItem> = [
  {
    slug: "water-well-village",
    kind: "project",
    category: "sadaqah",
    zakat: false,
    goal: "3500.000",
    raised: "2150.750",
    pledged: "400.000",
    status: "active",
    sort: 0,
    featured: true,
    title: ["حفر بئر ماء لقرية نائية", "A water well for a remote village"],
    summary: ["ماء نظيف وآمن لأكثر من ١٢٠ أسرة طوال العام", "Clean, safe water for more than 120 families all year round"],
    body: [
      "يعتمد أهل القرية على مياه الأمطار المخزنة.\nيوفر البئر ماءً نظيفاً مع مضخة تعمل بالطاقة الشمسية وخزان.",
      "The village relies on stored rain water.\nThe well brings clean water with a solar pump and a tank."
    ],
    colours: ["#0b5d7a", "#3fa7a0"]
  },
  {
    slug: "orphans-education",
    kind: "project",
    category: "zakat",
    zakat: true,
    goal: "12000.000",
    raised: "4875.500",
    pledged: "1200.000",
    status: "active",
    sort: 1,
    featured: true,
    title: ["كفالة تعليم الأيتام", "Education for orphans"],
    summary: ["رسوم دراسية وكتب وحقائب لمئتي يتيم", "Fees, books and bags for two hundred orphans"],
    body: [
      "تشمل الكفالة الرسوم الدراسية لعام كامل والكتب والزي المدرسي.",
      "The sponsorship covers a full year of fees, books and uniforms."
    ],
    colours: ["#5b3f8c", "#c8a24a"]
  },
  {
    slug: "medical-aid",
    kind: "project",
    category: "zakat",
    zakat: true,
    goal: "8000.000",
    raised: "2310.000",
    pledged: "0.000",
    status: "active",
    sort: 2,
    featured: true,
    title: ["علاج المرضى المعسرين", "Treatment for patients in need"],
    summary: ["أدوية وعمليات لمرضى لا يقدرون على تكاليفها", "Medicines and operations for patients who cannot afford them"],
    body: [
      "نسدد فواتير العلاج مباشرة للمستشفيات بعد دراسة كل حالة.\n\nكل دينار يصل إلى مريض محتاج.",
      "We pay hospitals directly after studying each case.\n\nEvery dinar reaches a patient in need."
    ],
    colours: ["#a23b4c", "#e58f65"]
  },
  {
    slug: "quran-school",
    kind: "project",
    category: "waqf",
    zakat: false,
    goal: "15000.000",
    raised: "6420.250",
    pledged: "2500.000",
    status: "active",
    sort: 3,
    featured: false,
    title: ["وقف مدرسة تحفيظ القرآن", "An endowed Quran school"],
    summary: ["فصول ومعلمون لثلاثمئة طالب وطالبة", "Classrooms and teachers for three hundred students"],
    body: [
      "وقف يبقى أجره: فصول مجهزة ورواتب المعلمين لعشر سنوات.",
      "An endowment whose reward lasts: equipped classrooms and ten years of teachers' salaries."
    ],
    colours: ["#1f6f4a", "#9cc46b"]
  },
  {
    slug: "ramadan-iftar",
    kind: "project",
    category: "sadaqah",
    zakat: false,
    goal: "5000.000",
    raised: "1875.000",
    pledged: "300.000",
    status: "active",
    sort: 4,
    featured: false,
    title: ["إفطار صائم", "Iftar for those fasting"],
    summary: ["وجبات إفطار للعمال والأسر طوال رمضان", "Iftar meals for workers and families all through Ramadan"],
    body: [
      "وجبة الإفطار بدينار ونصف، تُوزع عند المساجد ومواقع العمل.",
      "A meal costs one and a half dinars, handed out at masjids and work sites."
    ],
    colours: ["#b5651d", "#f2c14e"]
  },
  {
    slug: "family-rent",
    kind: "project",
    category: "zakat",
    zakat: true,
    goal: "6000.000",
    raised: "950.000",
    pledged: "0.000",
    status: "active",
    sort: 5,
    featured: false,
    title: ["سداد إيجارات الأسر المتعففة", "Rent for families in hardship"],
    summary: ["إيجار ستة أشهر لأسر مهددة بالإخلاء", "Six months' rent for families facing eviction"],
    body: ["تُدرس كل حالة ويُدفع الإيجار للمالك مباشرة.", "Each case is studied and the rent is paid to the landlord directly."],
    colours: ["#2d4f8c", "#7fb2e5"]
  },
  {
    slug: "masjid-restoration",
    kind: "project",
    category: "waqf",
    zakat: false,
    goal: "25000.000",
    raised: "25000.000",
    pledged: "0.000",
    status: "funded",
    sort: 6,
    featured: false,
    title: ["ترميم مسجد الحي", "Restoring the neighbourhood masjid"],
    summary: ["سقف جديد وتكييف ومصلى للنساء", "A new roof, air conditioning and a prayer hall for women"],
    body: ["وقف دائم لأهل الحي، اكتمل تمويله بفضل الله.", "A lasting endowment for the neighbourhood, now fully funded."],
    colours: ["#0f5e4d", "#c8a24a"]
  },
  {
    slug: "winter-clothing",
    kind: "project",
    category: "sadaqah",
    zakat: false,
    goal: "4000.000",
    raised: "4000.000",
    pledged: "0.000",
    status: "completed",
    sort: 7,
    featured: false,
    title: ["كسوة الشتاء", "Winter clothing"],
    summary: ["معاطف وبطانيات لخمسمئة أسرة", "Coats and blankets for five hundred families"],
    body: [
      "وُزعت الكسوة قبل اشتداد البرد، وهذه صور التوزيع وفواتيره.",
      "The clothing went out before the cold set in; here are the photos and invoices."
    ],
    colours: ["#35526e", "#9fb8cf"]
  },
  {
    slug: "ramadan-food-basket",
    kind: "product",
    category: null,
    zakat: false,
    price: "15.000",
    status: "active",
    sort: 8,
    featured: false,
    title: ["سلة رمضان الغذائية", "Ramadan food basket"],
    summary: ["سلة لأسرة لمدة شهر", "A basket that feeds a family for a month"],
    body: ["أرز وطحين وسكر وزيت وتمر وبقوليات.", "Rice, flour, sugar, oil, dates and pulses."],
    colours: ["#8c5a2b", "#e0b15c"]
  },
  {
    slug: "quran-copy",
    kind: "product",
    category: null,
    zakat: false,
    price: "3.500",
    status: "active",
    sort: 9,
    featured: false,
    title: ["مصحف وقف", "A Quran to endow"],
    summary: ["مصحف يوضع في مسجد باسمك", "A Quran placed in a masjid in your name"],
    body: ["طبعة مجمع الملك فهد، توزع على مساجد الكويت.", "The King Fahd Complex edition, given to masjids in Kuwait."],
    colours: ["#0f5e4d", "#6fae8f"]
  },
  {
    slug: "dates-box",
    kind: "product",
    category: null,
    zakat: false,
    price: "7.250",
    status: "active",
    sort: 10,
    featured: false,
    title: ["علبة تمر للصائمين", "A box of dates for those fasting"],
    summary: ["كيلوغرام من التمر يوزع عند المساجد", "A kilogram of dates handed out at masjids"],
    body: ["تمر سكري من المزارع المحلية.", "Sukkari dates from local farms."],
    colours: ["#7a3b1d", "#d9904a"]
  },
  {
    slug: "school-bag",
    kind: "product",
    category: null,
    zakat: false,
    price: "12.000",
    status: "active",
    sort: 11,
    featured: false,
    title: ["حقيبة مدرسية كاملة", "A full school bag"],
    summary: ["حقيبة بأدواتها لطالب", "A bag and its supplies for one pupil"],
    body: ["دفاتر وأقلام وحقيبة متينة تكفي عاماً دراسياً.", "Notebooks, pens and a sturdy bag for a school year."],
    colours: ["#2d6c8c", "#e5c07b"]
  },
  {
    slug: "prayer-mat",
    kind: "product",
    category: null,
    zakat: false,
    price: "9.500",
    ships: true,
    status: "active",
    sort: 12,
    featured: false,
    title: ["سجادة صلاة تصلك إلى بيتك", "A prayer mat delivered to your door"],
    summary: ["سجادة مطرّزة يعود ريعها لمشاريع الجمعية", "An embroidered mat whose proceeds go to the charity's projects"],
    body: ["تُشحن إلى عنوانك في الكويت خلال ثلاثة أيام عمل.", "Shipped to your address in Kuwait within three working days."],
    colours: ["#5b2d6c", "#c9a0dc"]
  }
]

/** The demo's published proofs: what the home page's timeline shows. */
const demoProofs = [
  ["water-well-village", "update", "وصلت معدات الحفر إلى القرية", "The drilling rig reached the village", "2026-10-05", "900.000"],
  ["water-well-village", "invoice", "فاتورة المضخة الشمسية", "Invoice for the solar pump", "2026-10-20", "650.500"],
  ["masjid-restoration", "report", "اكتمل تركيب السقف الجديد", "The new roof is in place", "2026-09-14", "11200.000"],
  ["winter-clothing", "photo", "توزيع الكسوة في الجهراء", "Handing out clothing in Jahra", "2026-11-02", "2400.000"],
  ["winter-clothing", "invoice", "فاتورة المعاطف والبطانيات", "Invoice for the coats and blankets", "2026-10-28", "1600.000"],
  [
    "orphans-education",
    "update",
    "بدأ العام الدراسي لأول خمسين يتيماً",
    "The school year began for the first fifty orphans",
    "2026-09-20",
    "1250.000"
  ],
  ["medical-aid", "report", "سداد فاتورة عملية قلب لطفل", "A child's heart operation paid for", "2026-11-10", "1800.000"]
] as const

/** The demo's catalog and proofs: refreshed in place, proofs added once. Runs in the demo tenant's transaction. */
const seedDemoCatalog = (tenantId: TenantId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const item of demoItems) {
      const project = item.kind === "project"
      yield* sql`
        insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, summary_ar, summary_en, body_ar, body_en,
          price, goal_amount, raised_amount, pledged_amount, zakat_eligible, category, status, featured, sort, published_at, ships)
        values (${tenantId}, ${item.kind}, ${item.slug}, ${item.title[0]}, ${item.title[1]}, ${item.summary[0]}, ${item.summary[1]},
          ${item.body[0]}, ${item.body[1]}, ${project ? null : (item.price ?? null)}::numeric, ${project ? (item.goal ?? null) : null}::numeric,
          ${project ? (item.raised ?? "0") : "0"}::numeric, ${project ? (item.pledged ?? "0") : "0"}::numeric, ${item.zakat}, ${item.category},
          ${item.status}, ${item.featured}, ${item.sort}, now(), ${item.ships === true})
        on conflict (tenant_id, slug) do update set title_ar = excluded.title_ar, title_en = excluded.title_en, ships = excluded.ships,
          summary_ar = excluded.summary_ar, summary_en = excluded.summary_en, body_ar = excluded.body_ar, body_en = excluded.body_en`
    }
    yield* sql`
      insert into proofs (tenant_id, catalog_item_id, kind, caption_ar, caption_en, occurred_on, amount_spent, status, published_at)
      select ${tenantId}, i.id, p.kind, p.caption_ar, p.caption_en, p.occurred_on::date, p.amount::numeric, 'published', now()
      from jsonb_to_recordset(${JSON.stringify(
        demoProofs.map(([slug, kind, caption_ar, caption_en, occurred_on, amount]) => ({
          slug,
          kind,
          caption_ar,
          caption_en,
          occurred_on,
          amount
        }))
      )}::jsonb) as p (slug text, kind text, caption_ar text, caption_en text, occurred_on text, amount text)
      join catalog_items i on i.slug = p.slug
      where not exists (select 1 from proofs x where x.catalog_item_id = i.id and x.caption_ar = p.caption_ar)`
  })

/**
 * Illustrations for the demo's items and photo proofs that have none: a gradient with the name,
 * drawn here with sharp (nothing downloaded) and stored as any upload is. Re-running adds none.
 */
const seedDemoPictures = (tenantId: TenantId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const media = yield* Media
    const bare = yield* tenantSql.withTenant(
      tenantId,
      sql<{ id: string; slug: string; title_ar: string }>`select id, slug, title_ar from catalog_items where cover_media_id is null`
    )
    for (const row of bare) {
      const item = demoItems.find((demo) => demo.slug === row.slug)
      if (item === undefined) continue
      const bytes = yield* renderIllustration({ title: row.title_ar, colours: item.colours, rtl: true })
      const stored = yield* media.storeGenerated(tenantId, { bytes, contentType: "image/jpeg", filename: `${row.slug}.jpg` })
      yield* tenantSql.withTenant(tenantId, sql`update catalog_items set cover_media_id = ${stored.id} where id = ${row.id}`)
    }
    const photos = yield* tenantSql.withTenant(
      tenantId,
      sql<{ id: string; slug: string; caption_ar: string }>`
        select p.id, i.slug, p.caption_ar from proofs p join catalog_items i on i.id = p.catalog_item_id
        where p.media_id is null and p.kind in ('photo', 'update', 'report')`
    )
    for (const row of photos) {
      const item = demoItems.find((demo) => demo.slug === row.slug)
      if (item === undefined) continue
      const bytes = yield* renderIllustration({ title: row.caption_ar, colours: [item.colours[1], item.colours[0]], rtl: true })
      const stored = yield* media.storeGenerated(tenantId, { bytes, contentType: "image/jpeg", filename: `${row.slug}-proof.jpg` })
      yield* tenantSql.withTenant(tenantId, sql`update proofs set media_id = ${stored.id} where id = ${row.id}`)
    }
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
