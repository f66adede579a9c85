/**
 * The baseline: what a careful hand-written server does without any framework. Plain `node:http` and
 * a `pg` Pool as the runtime role (10 connections, like the API's default pool).
 *
 * - GET /api/v1/health/live: `{"status":"ok"}`, the trivial JSON baseline.
 * - GET /api/v1/public/storefront: host -> tenant through `app.resolve_tenant`, inside an honest
 *   hand-written tenant transaction, each statement its own round trip:
 *   BEGIN; SELECT set_config('app.current_tenant', $1, true); select * from app.resolve_tenant($1, $2); COMMIT.
 *   The tenant set is BENCH_TENANT_ID (a tenant the server already knows, as a dashboard request would);
 *   the row itself comes from the host. The JSON has the API's `Storefront` shape.
 * - GET /api/v1/public/catalog: BENCH_TENANT_ID's first 20 public items, the same query as the API's
 *   (cover subquery included) in the same hand-written tenant transaction, as `CatalogCard` JSON.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
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

const storefront = async (req: IncomingMessage, res: ServerResponse) => {
  const forwarded = req.headers["x-forwarded-host"]
  const host = normalizeHost((Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? req.headers.host ?? "")
  const client = await pool.connect()
  let row: TenantRow | undefined
  try {
    await client.query("BEGIN")
    await client.query("SELECT set_config('app.current_tenant', $1, true)", [tenantId])
    row = (await client.query<TenantRow>("select * from app.resolve_tenant($1, $2)", [host, platformDomain])).rows[0]
    await client.query("COMMIT")
    client.release()
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {})
    client.release(error instanceof Error ? error : true)
    throw error
  }
  if (row === undefined) {
    return send(res, 404, { type: "about:blank", title: "Not Found", status: 404 }, "application/problem+json")
  }
  send(res, 200, {
    slug: row.slug,
    kind: row.kind,
    name: { ar: row.name_ar, en: row.name_en },
    defaultLocale: row.default_locale,
    branding: row.branding
  })
}

interface CardRow {
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
  readonly cover: { id: string; content_type: string; width: number | null; height: number | null } | null
}

const CATALOG = `select i.kind, i.slug, i.status, i.title_ar, i.title_en, i.summary_ar, i.summary_en,
    i.price::text as price, i.goal_amount::text as goal_amount, i.raised_amount::text as raised_amount,
    i.pledged_amount::text as pledged_amount, i.zakat_eligible, i.category, i.featured, i.sort, i.seq::text as seq,
    (select json_build_object('id', m.id, 'content_type', m.content_type, 'width', m.width, 'height', m.height)
       from media_assets m where m.id = i.cover_media_id) as cover
  from catalog_items i where i.status in ('active', 'funded', 'completed')
  order by i.sort, i.seq desc limit 21`

const catalog = async (res: ServerResponse) => {
  const client = await pool.connect()
  let rows: Array<CardRow & { sort: number; seq: string }>
  try {
    await client.query("BEGIN")
    await client.query("SELECT set_config('app.current_tenant', $1, true)", [tenantId])
    rows = (await client.query<CardRow & { sort: number; seq: string }>(CATALOG)).rows
    await client.query("COMMIT")
    client.release()
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {})
    client.release(error instanceof Error ? error : true)
    throw error
  }
  send(res, 200, {
    items: rows.slice(0, 20).map((row) => ({
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
      cover: row.cover === null ? null : { id: row.cover.id, contentType: row.cover.content_type, width: row.cover.width, height: row.cover.height }
    })),
    // The bench compares bodies with the API's; its cursor is `${sort}.${seq}` of the 20th.
    nextCursor: rows.length > 20 ? `${rows[19]!.sort}.${rows[19]!.seq}` : null
  })
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?", 1)[0]
  if (req.method === "GET" && path === "/api/v1/health/live") return send(res, 200, { status: "ok" })
  if (req.method === "GET" && path === "/api/v1/public/storefront") {
    return void storefront(req, res).catch(() => {
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
