/**
 * The baseline: what a careful hand-written server does without any framework. Plain `node:http` and
 * a `pg` Pool as the runtime role (10 connections, like the API's default pool).
 *
 * - GET /api/v1/health/live: `{"status":"ok"}`, the trivial JSON baseline.
 * - GET /api/v1/public/storefront: host -> tenant through `app.resolve_tenant`, inside an honest
 *   hand-written tenant transaction, each statement its own round trip:
 *   BEGIN; SELECT set_config('app.current_tenant', $1, true); select * from app.resolve_tenant($1, $2); COMMIT.
 *   The tenant set is BENCH_TENANT_ID (a tenant the server already knows, as a dashboard request would);
 *   the row itself comes from the host; then the found tenant's public settings in a second such
 *   transaction (`app.current_tenant_profile()`), as the API reads them. The JSON has the API's `Storefront` shape.
 * - POST /api/v1/public/donations: the same rows as a Manara donation (reference counter, donation,
 *   staff outbox rows from the preferences, audit row) in a hand-written tenant transaction, the writes
 *   as one CTE statement; the amount checked with a regular expression.
 * - GET /api/v1/public/catalog: BENCH_TENANT_ID's first 20 public items, the same query as the API's
 *   (cover subquery included) in the same hand-written tenant transaction, as `CatalogCard` JSON.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { PublicSettings, publicSettings, settingsFromStored } from "@manara/domain"
import { Schema } from "effect"
import pg from "pg"
import { requiredEnv, serveUntilStopped } from "./child.js"

const pool = new pg.Pool({
  connectionString: requiredEnv("DATABASE_URL"),
  max: Number(process.env["DATABASE_POOL_SIZE"] ?? "10"),
  application_name: "bench-bare"
})
pool.on("error", () => {}) // an idle client dropped by the server; the next checkout reconnects
const tenantId = requiredEnv("BENCH_TENANT_ID")
const platformDomain = requiredEnv("PLATFORM_DOMAIN").toLowerCase()

interface TenantRow {
  readonly id: string
  readonly slug: string
  readonly kind: string
  readonly name_en: string
  readonly name_ar: string
  readonly default_locale: string
  readonly branding: unknown
}

const normalizeHost = (host: string): string => {
  const withoutPort = host.trim().toLowerCase().replace(/:\d+$/, "")
  return withoutPort.endsWith(".") ? withoutPort.slice(0, -1) : withoutPort
}

const send = (res: ServerResponse, status: number, body: unknown, type = "application/json") => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) })
  res.end(text)
}

/**
 * The honest hand-written tenant transaction: BEGIN, set the tenant, the one statement, COMMIT, each
 * its own round trip; rolled back and the connection dropped on any failure.
 */
const inTenant = async <R>(text: string, values: ReadonlyArray<unknown>, tenant = tenantId): Promise<Array<R>> => {
  const client = await pool.connect()
  try {
    await client.query("BEGIN")
    await client.query("SELECT set_config('app.current_tenant', $1, true)", [tenant])
    const rows = (await client.query<R>(text, values)).rows
    await client.query("COMMIT")
    client.release()
    return rows
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {})
    client.release(error instanceof Error ? error : true)
    throw error
  }
}

const encodeSettings = Schema.encodeSync(PublicSettings)

const storefront = async (req: IncomingMessage, res: ServerResponse) => {
  const forwarded = req.headers["x-forwarded-host"]
  const host = normalizeHost((Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? req.headers.host ?? "")
  const [row] = await inTenant<TenantRow>("select * from app.resolve_tenant($1, $2)", [host, platformDomain])
  if (row === undefined) {
    return send(res, 404, { type: "about:blank", title: "Not Found", status: 404 }, "application/problem+json")
  }
  // The public part of the tenant's settings, read in its own transaction as the API does (`app.current_tenant_profile`).
  const [profile] = await inTenant<{ default_locale: "ar" | "en"; branding: never; settings: never }>(
    "select default_locale, branding, settings from app.current_tenant_profile()",
    [],
    row.id
  )
  const settings = publicSettings(settingsFromStored(profile!.default_locale, profile!.branding, profile!.settings), profile!.settings)
  send(res, 200, {
    slug: row.slug,
    kind: row.kind,
    name: { ar: row.name_ar, en: row.name_en },
    defaultLocale: row.default_locale,
    branding: row.branding,
    settings: encodeSettings(settings)
  })
}

interface CardRow {
  readonly id: string
  readonly slug: string
  readonly kind: string
  readonly status: string
  readonly title_ar: string
  readonly title_en: string
  readonly summary_ar: string
  readonly summary_en: string
  readonly price: string | null
  readonly goal_amount: string | null
  readonly raised_amount: string
  readonly pledged_amount: string
  readonly zakat_eligible: boolean
  readonly category: string | null
  readonly featured: boolean
  readonly ships: boolean
  readonly cover: { id: string; content_type: string; width: number | null; height: number | null } | null
}

const CATALOG = `select i.id, i.kind, i.slug, i.status, i.title_ar, i.title_en, i.summary_ar, i.summary_en,
    i.price::text as price, i.goal_amount::text as goal_amount, i.raised_amount::text as raised_amount,
    i.pledged_amount::text as pledged_amount, i.zakat_eligible, i.category, i.featured, i.ships, i.sort,
    to_char(i.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as cursor_at,
    (select json_build_object('id', m.id, 'content_type', m.content_type, 'width', m.width, 'height', m.height)
       from media_assets m where m.id = i.cover_media_id) as cover
  from catalog_items i where i.status in ('active', 'funded', 'completed')
  order by i.sort, i.created_at desc, i.id desc limit 21`

const catalog = async (res: ServerResponse) => {
  const rows = await inTenant<CardRow & { sort: number; cursor_at: string }>(CATALOG, [])
  send(res, 200, {
    items: rows.slice(0, 20).map((row) => ({
      id: row.id,
      slug: row.slug,
      kind: row.kind,
      status: row.status,
      title: { ar: row.title_ar, en: row.title_en },
      summary: { ar: row.summary_ar, en: row.summary_en },
      price: row.price,
      goal: row.goal_amount,
      raised: row.raised_amount,
      pledged: row.pledged_amount,
      zakatEligible: row.zakat_eligible,
      category: row.category,
      featured: row.featured,
      cover:
        row.cover === null
          ? null
          : { id: row.cover.id, contentType: row.cover.content_type, width: row.cover.width, height: row.cover.height },
      ships: row.ships
    })),
    // The bench compares bodies with the API's; its cursor is base64url of `sort|created_at|id` of the 20th.
    nextCursor: rows.length > 20 ? Buffer.from(`${rows[19]!.sort}|${rows[19]!.cursor_at}|${rows[19]!.id}`).toString("base64url") : null
  })
}

const DONATE = `with counter as (
    insert into reference_counters (tenant_id, kind, year, next_value)
    values ($1, 'DON', extract(year from now() at time zone 'Asia/Kuwait')::int, 2)
    on conflict (tenant_id, kind, year) do update set next_value = reference_counters.next_value + 1
    returning 'DON-' || year || '-' || lpad((next_value - 1)::text, 6, '0') as reference
  ), donation as (
    insert into donations (tenant_id, reference, catalog_item_id, amount, category, donor_name, donor_phone, payment_method, receipt_token)
    select $1, counter.reference, (select id from catalog_items where slug = $2 and kind = 'project' and status in ('active', 'funded')),
      $3::numeric, 'sadaqah', $4, $5, 'bank_transfer', encode(gen_random_uuid()::text::bytea, 'base64')
    from counter returning id, reference, amount, created_at
  ), outbox as (
    insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
    select $1, 'capture.created', json_build_object('kind', 'donation', 'id', d.id, 'reference', d.reference, 'amount', d.amount::text)::jsonb,
      p.channel, p.target, p.locale, 'donation:' || d.id || ':' || p.channel || ':' || p.target
    from donation d cross join notification_preferences p where p.enabled
  ), members as (
    -- The members who chose donations, as Manara's capture does (none in the bench: the lookup is the cost).
    insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
    select $1, 'capture.created', json_build_object('kind', 'donation', 'id', d.id)::jsonb, r.channel, r.target, r.locale,
      'donation:' || d.id || ':member:' || r.user_id || ':' || r.channel
    from donation d cross join app.member_recipients('capture.donation') r
  ), audit as (
    insert into audit_log (tenant_id, action, entity_kind, entity_id, after)
    select $1, 'donation.created', 'donation', d.id::text, json_build_object('reference', d.reference)::jsonb from donation d
  )
  select reference, amount::text as amount, created_at from donation`

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => (body += chunk))
    req.on("end", () => resolve(body))
    req.on("error", reject)
  })

const text = (value: unknown): string => (typeof value === "string" ? value : "")

const donate = async (req: IncomingMessage, res: ServerResponse) => {
  const input = JSON.parse(await readBody(req)) as { amount?: unknown; project?: unknown; donor?: { name?: unknown; phone?: unknown } }
  if (typeof input.amount !== "string" || !/^(0|[1-9][0-9]{0,8})(\.[0-9]{1,3})?$/.test(input.amount)) {
    return send(res, 400, { type: "about:blank", title: "Bad Request", status: 400 }, "application/problem+json")
  }
  const [row] = await inTenant<{ reference: string; amount: string; created_at: Date }>(DONATE, [
    tenantId,
    text(input.project),
    input.amount,
    text(input.donor?.name),
    text(input.donor?.phone)
  ])
  send(res, 201, { kind: "donation", reference: row!.reference, amount: row!.amount, status: "pending", createdAt: row!.created_at })
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?", 1)[0]
  if (req.method === "GET" && path === "/api/v1/health/live") return send(res, 200, { status: "ok" })
  if (req.method === "GET" && path === "/api/v1/public/storefront") {
    return void storefront(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { type: "about:blank", title: "Internal Server Error", status: 500 })
    })
  }
  if (req.method === "POST" && path === "/api/v1/public/donations") {
    return void donate(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { type: "about:blank", title: "Internal Server Error", status: 500 })
    })
  }
  if (req.method === "GET" && path === "/api/v1/public/catalog") {
    return void catalog(res).catch(() => {
      if (!res.headersSent) send(res, 500, { type: "about:blank", title: "Internal Server Error", status: 500 })
    })
  }
  send(res, 404, { type: "about:blank", title: "Not Found", status: 404 })
})
server.keepAliveTimeout = 65_000

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the bare server is not on TCP")
  serveUntilStopped(`http://127.0.0.1:${address.port}`, async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await pool.end()
  })
})
