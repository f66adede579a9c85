/**
 * Fuzzes every operation of the served OpenAPI document with fast-check: valid requests built from
 * each operation's schemas, and the same with one part made bad (boundary and out-of-range numbers and
 * money, wrong types, huge strings, NUL, lone surrogates, bidi overrides, zero-width characters,
 * Arabic-Indic digits, another tenant's ids and cursors). Sent as an owner of tenant A (MFA on) or by
 * nobody. Every answer must be below 500; every error a problem+json with a status the document lists
 * for the operation; no answer may carry an id of tenant B that the request did not; and afterwards no
 * capture, item or key is half-written.
 *
 * FUZZ_SEED replays a run (each operation's seed is derived from it and its operationId), FUZZ_RUNS sets
 * the cases per operation (default 100), FUZZ_ONLY keeps the operations whose id or path contains it,
 * FUZZ_SHRINK shrinks a failure to its smallest case, FUZZ_VERBOSE prints every request and answer.
 */
import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import fc from "fast-check"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED)
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100)
const FUZZ_ONLY = process.env.FUZZ_ONLY ?? ""

let api: StartedApi
const { call, memberOf, person } = apiPeople(() => api.url, urls, pool)

// ---------------------------------------------------------------- the two tenants

/** What a tenant holds, by the names its ids go by in the API's parameters and bodies. */
interface Holdings {
  tenant: TenantFixture
  owner: Person
  ids: Record<string, Array<string>>
}
let home: Holdings
let other: Holdings
/** Someone signed in who belongs to no tenant: signing out does not end the owner's session. */
let leaver: Person
/** When the seeding ended: items made since came through the API, and have their audit rows. */
let seeded: Date
/** Tenant B's ids that no answer to tenant A may carry, each with what it is (for the failure message). */
const foreign = new Map<string, string>()
/** B's ids the fuzz itself wrote into A's data (a status note, a title): they may come back from then on. */
const planted = new Set<string>()

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

const rows = <A extends object>(tenantId: TenantId, query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenantId, Effect.flatMap(SqlClient.SqlClient, query)))

/** Settings that take payments, a staff notification (so every capture has an outbox row), a project and a product. */
const prepare = (tenantId: TenantId, slug: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({
      bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
      donations: { minimum: "1.000", maximum: "5000.000" }
    })}::jsonb where id = ${tenantId}`
    yield* asOwnerInTenant(
      tenantId,
      sql`insert into notification_preferences (tenant_id, channel, target) values (${tenantId}, 'email', 'office@example.com')`
    )
    return yield* asOwnerInTenant(
      tenantId,
      Effect.gen(function* () {
        yield* sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
        values (${tenantId}, 'project', ${slug}, 'بئر ماء', 1000, 'sadaqah', 'active')`
        yield* sql`insert into catalog_items (tenant_id, kind, slug, title_ar, price, status)
        values (${tenantId}, 'product', ${`${slug}-dates`}, 'تمر', 2.5, 'active')`
      })
    )
  })

const json = async (response: Response, label: string) => {
  if (response.status >= 300) throw new Error(`${label} answered ${response.status}: ${await response.text()}`)
  return response.json()
}

/** A tenant with something of every kind in it, made through the API, and its ids collected. */
const seed = async (label: string): Promise<Holdings> => {
  const tenant = await withOwner(urls, createTenant({ slug: `${label}-${randomUUID().slice(0, 8)}` }))
  const projectSlug = `well-${label}-${randomUUID().slice(0, 6)}`
  await withOwner(urls, prepare(tenant.id, projectSlug))
  const owner = await memberOf(tenant, "owner", `${label}-owner`)
  await memberOf(tenant, "member", `${label}-member`)
  const host = { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) }
  const capture = (kind: string, body: unknown) =>
    fetch(`${api.url}/api/v1/public/${kind}`, { method: "POST", headers: host, body: JSON.stringify(body) }).then((r) =>
      json(r, `${label} ${kind}`)
    )
  const staff = (method: string, path: string, body?: unknown) =>
    call(method, path, owner, tenant.slug, body).then((r) => json(r, `${label} ${method} ${path}`))

  const items = (await staff("GET", "/tenant/catalog?limit=100")).items as Array<{ id: string; slug: string; kind: string }>
  const product = items.find((item) => item.kind === "product")!
  const proof = await staff("POST", `/tenant/catalog/${items.find((item) => item.kind === "project")!.id}/proofs`, {
    kind: "update",
    caption: { ar: "بدأ الحفر" },
    occurredOn: "2026-01-15"
  })
  const upload = await staff("POST", "/tenant/media/uploads", { contentType: "image/png", byteSize: 1000, filename: "well.png" })
  const invitation = await staff("POST", "/tenant/invitations", { email: `guest-${label}@example.com`, role: "member" })
  await Promise.all([
    capture("orders", {
      items: [{ itemId: product.id, quantity: 2 }],
      customer: { name: "Ahmad", phone: "+96550001111" },
      paymentMethod: "bank_transfer"
    }),
    capture("donations", {
      amount: "25.000",
      project: projectSlug,
      donor: { name: "أم محمد", phone: "+965 5000 1234" },
      paymentMethod: "bank_transfer"
    }),
    capture("pledges", { amount: "50.000", project: projectSlug, dueDate: "2099-01-01", donor: { name: "Fatima", phone: "+96550002222" } })
  ])
  const inbox = (await staff("GET", "/tenant/inbox?limit=200")).entries as Array<{ id: string; kind: string }>
  const details = await Promise.all(inbox.map((entry) => staff("GET", `/tenant/inbox/${entry.kind}/${entry.id}`)))
  const members = (await staff("GET", "/tenant/members")) as Array<{ id: string; userId: string }>
  const cursors = [
    (await staff("GET", "/tenant/inbox?limit=1")).nextCursor,
    (await staff("GET", "/tenant/catalog?limit=1")).nextCursor,
    (await fetch(`${api.url}/api/v1/public/catalog?limit=1`, { headers: host }).then((r) => json(r, "public catalog"))).nextCursor
  ].filter((cursor): cursor is string => typeof cursor === "string")
  return {
    tenant,
    owner,
    ids: {
      tenant: [tenant.id],
      itemId: items.map((item) => item.id),
      slug: items.map((item) => item.slug),
      project: [projectSlug],
      proofId: [proof.id],
      mediaId: [upload.mediaId],
      id: inbox.map((entry) => entry.id),
      memberId: members.map((member) => member.id),
      userId: members.map((member) => member.userId),
      token: details.map((detail) => detail.receiptToken).filter((token): token is string => typeof token === "string"),
      invitationToken: [invitation.token],
      invitationId: [invitation.invitation.id],
      cursor: cursors
    }
  }
}

// ---------------------------------------------------------------- the document

type JsonSchema = {
  $ref?: string
  type?: string | Array<string>
  enum?: Array<unknown>
  const?: unknown
  pattern?: string
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: Array<string>
  additionalProperties?: boolean | JsonSchema
  anyOf?: Array<JsonSchema>
  oneOf?: Array<JsonSchema>
  allOf?: Array<JsonSchema>
  description?: string
  examples?: Array<unknown>
}
interface Parameter {
  name: string
  in: "path" | "query" | "header" | "cookie"
  required?: boolean
  schema: JsonSchema
}
interface Operation {
  operationId: string
  parameters?: Array<Parameter>
  requestBody?: { content: Record<string, { schema: JsonSchema }> }
  responses: Record<string, unknown>
  security?: Array<unknown>
}
interface Document {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, JsonSchema> }
}
let document: Document

/** A schema with its `$ref` and `allOf` folded in. */
const resolve = (schema: JsonSchema): JsonSchema => {
  const { $ref, allOf, ...rest } = schema
  const referenced = $ref === undefined ? {} : resolve(document.components.schemas[$ref.replace("#/components/schemas/", "")]!)
  return Object.assign({}, referenced, ...(allOf ?? []).map(resolve), rest)
}

// ---------------------------------------------------------------- what is sent

const NUL = "\u0000"
const BAD_TEXT = [
  NUL,
  `a${NUL}b`,
  "\ud800",
  "x\udfffy",
  "\u202eevil\u202c",
  "\u2067rtl\u2069",
  "\u200b",
  "a\u200db",
  "\ufeff",
  "\ufffe",
  "\u001b[31m",
  "١٢٣",
  "٠٫٥٠٠",
  "١٠٠٠٠٠٠٠٠٠٫٠٠٠",
  "",
  " ",
  "  padded  ",
  "\t",
  "\r\n",
  "%00",
  "../../etc/passwd",
  "' or 1=1 --",
  "<script>alert(1)</script>",
  "${7*7}",
  "𝕏🕋",
  "null",
  "undefined",
  "true",
  "-1",
  "1e309",
  "ـــ",
  "ﷺ"
]
const HUGE = ["x".repeat(100_000), "ب".repeat(20_000), "\u200b".repeat(10_000), "9".repeat(400)]
const BAD_NUMBERS = [
  0,
  -1,
  -0,
  0.5,
  1.5,
  99,
  100,
  101,
  200,
  201,
  2 ** 31,
  2 ** 53,
  2 ** 63,
  1e21,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2
]
const BAD_MONEY = [
  "0",
  "0.000",
  "-1.000",
  "-0.001",
  "0.001",
  "0.0001",
  "1.0001",
  "999999999.999",
  "1000000000.000",
  "99999999999999999999.999",
  "1e3",
  "NaN",
  "Infinity",
  "-Infinity",
  "١٠٠٫٠٠٠",
  "١٠٠.٠٠٠",
  "+1",
  " 1",
  "1,000",
  "0x10",
  ".5",
  "5.",
  "00001.000",
  "5000.000",
  "5000.001"
]
const BAD_DATES = [
  "2026-02-30",
  "2026-13-45",
  "0000-00-00",
  "9999-12-31",
  "2024-02-29",
  "2026-02-29",
  "1970-01-01",
  "٢٠٢٦-٠١-٠١",
  "2026-1-1",
  "+275760-09-13"
]
const BAD_CURSORS = [
  "99999999.9999999999999999999",
  "-99999999.9999999999999999999",
  "0.0",
  "00000000.0000000000000000000",
  "9999-99-99T99:99:99.999999|00000000-0000-0000-0000-000000000000",
  "0000-00-00T00:00:00.000000|ffffffff-ffff-ffff-ffff-ffffffffffff",
  "2026-02-30T25:61:61.000000|00000000-0000-0000-0000-000000000000"
]
const BAD_UUIDS = [
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
  "0000000-0000-0000-0000-000000000000"
]
const WRONG_TYPES: Array<unknown> = [null, true, false, [], {}, [1], { a: 1 }, 0, 1, "1", -1, 1.5]

/** One bad value: anything from the lists above, or another tenant's id of any kind. */
const badValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...BAD_TEXT) },
    { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_NUMBERS) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_MONEY) },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_DATES) },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_CURSORS) },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_UUIDS) },
    { weight: 2, arbitrary: fc.constantFrom(...WRONG_TYPES) },
    { weight: 2, arbitrary: fc.constantFrom(...Object.values(other.ids).flat()) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: "grapheme" }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20, unit: "binary" }) }
  )

/** Real ids of a kind, both tenants'. The name is the parameter's or field's. */
const known = (name: string): Array<string> => {
  const key = name === "item" ? "slug" : name === "mediaIds" || name === "coverMediaId" ? "mediaId" : name
  const token = key === "token" ? [...home.ids.invitationToken!, ...other.ids.invitationToken!] : []
  return [...(home.ids[key] ?? []), ...(other.ids[key] ?? []), ...token]
}

const fromPattern = (pattern: string): fc.Arbitrary<string> | undefined => {
  try {
    return fc.stringMatching(new RegExp(pattern))
  } catch {
    return undefined
  }
}

/** A value the schema accepts, most of the time; real ids where the name says what it is. */
const valueOf = (raw: JsonSchema, name = "", depth = 0): fc.Arbitrary<unknown> => {
  const schema = resolve(raw)
  const ids = schema.type === "string" ? known(name) : []
  const own = schemaValue(schema, name, depth)
  return ids.length === 0 ? own : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: own })
}

const schemaValue = (schema: JsonSchema, name: string, depth: number): fc.Arbitrary<unknown> => {
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
  const choices = schema.anyOf ?? schema.oneOf
  if (choices !== undefined) return fc.oneof(...choices.map((choice) => valueOf(choice, name, depth + 1)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  if (type === "null") return fc.constant(null)
  if (type === "boolean") return fc.boolean()
  if (type === "integer" || type === "number") {
    const min = schema.minimum ?? (schema.exclusiveMinimum === undefined ? -1000 : schema.exclusiveMinimum + 1)
    const max = schema.maximum ?? (schema.exclusiveMaximum === undefined ? 1000 : schema.exclusiveMaximum - 1)
    return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max))
  }
  if (type === "array") {
    if (depth > 6) return fc.constant([])
    return fc.array(valueOf(schema.items ?? {}, name, depth + 1), {
      minLength: schema.minItems ?? 0,
      maxLength: Math.min(schema.maxItems ?? 5, 5)
    })
  }
  if (type === "object" || schema.properties !== undefined) {
    if (depth > 6) return fc.constant({})
    const properties = schema.properties ?? {}
    const required = new Set(schema.required ?? [])
    const entries = Object.entries(properties).map(
      ([key, property]) =>
        [
          key,
          required.has(key) ? valueOf(property, key, depth + 1) : fc.option(valueOf(property, key, depth + 1), { nil: undefined, freq: 2 })
        ] as const
    )
    return fc
      .record(Object.fromEntries(entries))
      .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)))
  }
  // Strings: money, dates and patterns by what the schema says; text otherwise.
  if (schema.description?.includes("KWD") === true || name === "amount" || name === "price" || name === "goal" || name === "amountSpent") {
    return fc.oneof(
      fc
        .tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 999 }))
        .map(([whole, fils]) => `${whole}.${String(fils).padStart(3, "0")}`),
      fc.constantFrom("1.000", "25.000", "5000.000", "0.500")
    )
  }
  // Pledges fall due from tomorrow; work was done by today; inbox filters take any day.
  const day = (min: Date, max: Date) => fc.date({ min, max, noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10))
  if (name === "dueDate") return day(new Date(Date.now() + 2 * 86_400_000), new Date("2099-12-31"))
  if (name === "occurredOn") return day(new Date("2020-01-01"), new Date(Date.now() - 86_400_000))
  if ((name === "from" || name === "to") && schema.pattern?.includes("\\d{4}") === true)
    return day(new Date("2020-01-01"), new Date("2099-12-31"))
  // Statuses of captures and items, and a few that are none.
  if (name === "to" || name === "status") {
    return fc.constantFrom(
      "new",
      "confirmed",
      "fulfilled",
      "cancelled",
      "pending",
      "received",
      "active",
      "fulfilled",
      "draft",
      "funded",
      "completed",
      "archived",
      "paid",
      "lost"
    )
  }
  if (name === "contentType")
    return fc.constantFrom("image/jpeg", "image/png", "image/webp", "application/pdf", "image/svg+xml", "text/html")
  // The document cannot show a pattern checked after trimming.
  if (name === "phone") return fc.stringMatching(/^\+965 [569][0-9]{3} [0-9]{4}$/)
  if (name === "limit") return fc.integer({ min: 1, max: 100 }).map(String)
  if (schema.format === "uuid") return fc.uuid()
  const patterned = schema.pattern === undefined ? undefined : fromPattern(schema.pattern)
  if (patterned !== undefined)
    return schema.maxLength === undefined ? patterned : patterned.filter((value) => value.length <= schema.maxLength!)
  const maxLength = Math.min(schema.maxLength ?? 40, 40)
  return fc.string({ minLength: Math.min(Math.max(schema.minLength ?? 1, 1), maxLength), maxLength, unit: "grapheme" })
}

/** Where a value sits in a body: keys and indexes from the top. */
type Path = ReadonlyArray<string | number>
const pathsOf = (value: unknown, prefix: Path = []): Array<Path> => {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))]
  if (value !== null && typeof value === "object")
    return [prefix, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))]
  return [prefix]
}
const setAt = (value: unknown, path: Path, replacement: unknown): unknown => {
  if (path.length === 0) return replacement
  const [head, ...rest] = path
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? setAt(item, rest, replacement) : item))
  const record = { ...(value as Record<string, unknown>) }
  record[head as string] = setAt(record[head as string], rest, replacement)
  return record
}
const dropAt = (value: unknown, path: Path): unknown => {
  if (path.length === 0) return value
  if (path.length === 1) {
    if (Array.isArray(value)) return value.filter((_, index) => index !== path[0])
    const { [path[0] as string]: _, ...rest } = value as Record<string, unknown>
    return rest
  }
  const [head, ...rest] = path
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? dropAt(item, rest) : item))
  return { ...(value as Record<string, unknown>), [head as string]: dropAt((value as Record<string, unknown>)[head as string], rest) }
}

/** Bodies no schema describes: not JSON, nested past any reason, or far too long. */
const RAW_BODIES = [
  "{",
  "[]",
  "null",
  '"text"',
  '{"a":1,}',
  "\u0000",
  '{"__proto__":{"admin":true}}',
  `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
  `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`,
  JSON.stringify({ padding: "x".repeat(2 * 1024 * 1024) })
]

interface Sent {
  readonly who: "owner" | "nobody"
  readonly tenant: string
  readonly path: string
  readonly query: Record<string, string>
  readonly headers: Record<string, string>
  readonly body?: { readonly json: unknown } | { readonly raw: string; readonly contentType: string }
}

/** A request before it is put on the wire: parameter values in the document's order, and a body (JSON, or raw text). */
interface Draft {
  readonly parameters: Array<unknown>
  readonly body?: unknown
  readonly raw?: string
  readonly contentType?: string
}

/** A request to one operation: valid, or valid but for one thing made bad. */
const requests = (path: string, method: string, operation: Operation): fc.Arbitrary<Sent> => {
  const parameters = operation.parameters ?? []
  const parameterValue = (parameter: Parameter): fc.Arbitrary<unknown> => {
    if (parameter.name === "x-tenant")
      return fc.oneof(
        { weight: 8, arbitrary: fc.constant(home.tenant.slug) },
        { weight: 1, arbitrary: fc.constant(other.tenant.slug) },
        { weight: 1, arbitrary: valueOf(parameter.schema) }
      )
    if (parameter.name === "x-forwarded-host" || parameter.name === "host") return fc.constant(hostOf(home.tenant))
    return valueOf(parameter.schema, parameter.name)
  }
  const optional = (parameter: Parameter) =>
    parameter.required === true || parameter.name === "x-forwarded-host"
      ? parameterValue(parameter)
      : fc.option(parameterValue(parameter), { nil: undefined })
  const sendable = parameters.filter((parameter) => parameter.name !== "host")
  const valid = fc.record({
    who: fc.constantFrom<"owner" | "nobody">("owner", "owner", "owner", "nobody"),
    parameters: fc.tuple(...sendable.map(optional)),
    body: operation.requestBody === undefined ? fc.constant(undefined) : valueOf(operation.requestBody.content["application/json"]!.schema)
  })
  const spoil = (draft: Draft): fc.Arbitrary<Draft> => {
    const spoilers: Array<fc.Arbitrary<Draft>> = []
    if (sendable.length > 0) {
      // Node itself answers a request head past 16 KiB (431, before the app): huge values go in bodies.
      const fitsInHead = (bad: unknown) => percentEncode(typeof bad === "string" ? bad : JSON.stringify(bad)).length <= 8 * 1024
      spoilers.push(
        fc.tuple(fc.nat({ max: sendable.length - 1 }), badValue().filter(fitsInHead)).map(([index, bad]) => ({
          parameters: draft.parameters.map((value, at) => (at === index ? bad : value)),
          body: draft.body
        }))
      )
    }
    if (operation.requestBody !== undefined) {
      const paths = pathsOf(draft.body)
      spoilers.push(
        fc
          .tuple(fc.constantFrom(...paths), badValue())
          .map(([at, bad]) => ({ parameters: draft.parameters, body: setAt(draft.body, at, bad) })),
        fc.constantFrom(...paths).map((at) => ({ parameters: draft.parameters, body: dropAt(draft.body, at) })),
        fc.tuple(fc.constantFrom("extra", "tenantId", "__proto__", "constructor"), badValue()).map(([key, bad]) => ({
          parameters: draft.parameters,
          body: draft.body !== null && typeof draft.body === "object" ? { ...draft.body, [key]: bad } : draft.body
        })),
        fc.constantFrom(...RAW_BODIES).map((raw) => ({ parameters: draft.parameters, raw, contentType: "application/json" })),
        fc
          .constantFrom(
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1"
          )
          .map((contentType) => ({
            parameters: draft.parameters,
            raw: JSON.stringify(draft.body),
            contentType
          }))
      )
    }
    return spoilers.length === 0 ? fc.constant(draft) : fc.oneof(...spoilers)
  }
  return valid
    .chain(({ who, ...draft }) =>
      fc
        .oneof({ weight: 1, arbitrary: fc.constant<Draft>(draft) }, { weight: 2, arbitrary: spoil(draft) })
        .map((spoiled) => ({ ...spoiled, who }))
    )
    .map(({ who, parameters: values, body, raw, contentType }): Sent => {
      let url = path
      const query: Record<string, string> = {}
      const headers: Record<string, string> = {}
      sendable.forEach((parameter, index) => {
        const value = values[index]
        if (value === undefined) return
        const text = typeof value === "string" ? value : JSON.stringify(value)
        if (parameter.in === "path") url = url.replace(`{${parameter.name}}`, percentEncode(text))
        else if (parameter.in === "query") query[parameter.name] = text
        else if (parameter.in === "header") headers[parameter.name] = text
      })
      // A path parameter left out still needs a segment.
      url = url.replace(/\{[^}]+\}/g, "none")
      return {
        who,
        tenant: headers["x-tenant"] ?? "",
        path: url,
        query,
        headers,
        ...(raw !== undefined
          ? { body: { raw, contentType: contentType! } }
          : method === "get" || method === "delete" || body === undefined
            ? {}
            : { body: { json: body } })
      }
    })
}

/** Percent-encodes as WTF-8, so that a lone surrogate reaches the server as the bytes a broken client would send. */
const percentEncode = (text: string): string => {
  let out = ""
  for (let index = 0; index < text.length; index++) {
    let point = text.charCodeAt(index)
    if (point >= 0xd800 && point <= 0xdbff && index + 1 < text.length) {
      const low = text.charCodeAt(index + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        point = 0x10000 + ((point - 0xd800) << 10) + (low - 0xdc00)
        index++
      }
    }
    if (point < 0x80 && /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(point))) {
      out += String.fromCharCode(point)
      continue
    }
    const bytes =
      point < 0x80
        ? [point]
        : point < 0x800
          ? [0xc0 | (point >> 6), 0x80 | (point & 63)]
          : point < 0x10000
            ? [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 63), 0x80 | (point & 63)]
            : [0xf0 | (point >> 18), 0x80 | ((point >> 12) & 63), 0x80 | ((point >> 6) & 63), 0x80 | (point & 63)]
    out += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("")
  }
  return out
}

// ---------------------------------------------------------------- what must hold

const send = async (method: string, operationId: string, sent: Sent) => {
  const headers: Record<string, string> = { ...sent.headers }
  const token = sent.who === "nobody" ? undefined : operationId === "auth.logout" ? leaver.token : home.owner.token
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  let body: string | undefined
  if (sent.body !== undefined) {
    if ("json" in sent.body) {
      body = JSON.stringify(sent.body.json)
      headers["content-type"] = "application/json"
    } else {
      body = sent.body.raw
      headers["content-type"] = sent.body.contentType
    }
  }
  const query = Object.entries(sent.query)
    .map(([key, value]) => `${key}=${percentEncode(value)}`)
    .join("&")
  const url = `${api.url}/api/v1${sent.path.replace(/^\/api\/v1/, "")}${query === "" ? "" : `?${query}`}`
  try {
    const response = await fetch(url, {
      method: method.toUpperCase(),
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: "manual",
      signal: AbortSignal.timeout(20_000)
    })
    const type = response.headers.get("content-type") ?? ""
    // A live event stream never ends: its head is the answer.
    const text = type.startsWith("text/event-stream")
      ? (await response.body?.cancel(), "")
      : type.startsWith("application/pdf")
        ? ""
        : await response.text()
    // What the request itself carried may come back (a problem's `instance`, a value named in a field issue).
    return { status: response.status, type, text, requestText: `${url}\n${JSON.stringify(sent)}\n${body ?? ""}` }
  } catch (error) {
    // fetch itself refuses some header values (NUL, line breaks, code points past U+00FF): nothing was sent.
    if (error instanceof TypeError && /header|ByteString/i.test(`${error.message} ${String((error as { cause?: unknown }).cause)}`))
      return undefined
    throw error
  }
}

/** Afterwards: no capture without its audit row and staff notification, no order whose total is not its lines', no key left claimed, no item or proof without its audit row. */
const halfWritten = (tenantId: TenantId, since: Date) =>
  rows(
    tenantId,
    (sql) => sql<{ problem: string }>`
    select kind || ' ' || id || ' has no audit row' as problem from (
      select 'order' as kind, id from orders union all select 'donation', id from donations union all select 'pledge', id from pledges
    ) c where not exists (select 1 from audit_log a where a.entity_kind = c.kind and a.entity_id = c.id::text and a.action = c.kind || '.created')
    union all
    select kind || ' ' || id || ' has no staff notification' from (
      select 'order' as kind, id from orders union all select 'pledge', id from pledges
      -- A donation staff made by fulfilling a pledge is not news to them.
      union all select 'donation', d.id from donations d where not exists (select 1 from pledges p where p.fulfilled_by = d.id)
    ) c where not exists (select 1 from notification_outbox o where o.event = 'capture.created' and o.dedupe_key like c.kind || ':' || c.id || ':%')
    union all
    select 'order ' || id || ' totals ' || total || ' but its lines ' || (select sum((line->>'lineTotal')::numeric) from jsonb_array_elements(items) line)
    from orders where total <> (select sum((line->>'lineTotal')::numeric) from jsonb_array_elements(items) line)
    union all
    select 'idempotency key ' || key || ' is ' || state from idempotency_keys where state <> 'completed' or response_status is null
    union all
    select 'catalog item ' || id || ' has no audit row' from catalog_items i
    where i.created_at > ${since} and not exists (select 1 from audit_log a where a.entity_id = i.id::text and a.action = 'catalog.created')
    union all
    select 'proof ' || id || ' has no audit row' from proofs p where not exists (select 1 from audit_log a where a.entity_id = p.id::text and a.action = 'proof.created')
    union all
    select 'media ' || id || ' is ready without its audit row' from media_assets m
    where m.status = 'ready' and not exists (select 1 from audit_log a where a.entity_id = m.id::text and a.action = 'media.uploaded')`
  )

beforeAll(async () => {
  // Redis keys of its own: the fuzz's failed sign-ins would otherwise rate-limit every other test file's logins.
  api = await startApi(
    apiEnv(
      urls,
      pool,
      { REDIS_KEY_PREFIX: `${urls.database}:fuzz:`, CAPTURE_LIMIT_PER_IP: "1000000", CAPTURE_LIMIT_PER_TENANT: "1000000" },
      s3
    )
  )
  document = await (await fetch(`${api.url}/api/openapi.json`)).json()
  home = await seed("home")
  other = await seed("other")
  leaver = await person("leaver")
  // Looked for: what the platform made (ids, tokens, cursors). Not slugs, which are names a tenant picks (the fuzz
  // may give A's items B's slugs), nor short values (a catalog cursor like `0.4`), which turn up by chance.
  for (const [kind, values] of Object.entries(other.ids)) {
    if (kind === "slug" || kind === "project") continue
    for (const value of values) if (value.length >= 16) foreign.set(value, kind)
  }
  seeded = new Date()
}, 120_000)
afterAll(async () => {
  await api?.close()
})

const METHODS = ["get", "put", "post", "delete", "patch"]

describe("every operation of the served document, fuzzed", () => {
  it(
    "answers below 500, with documented problems, never another tenant's ids, and leaves nothing half-written",
    async () => {
      const operations = Object.entries(document.paths)
        .flatMap(([path, item]) =>
          METHODS.filter((method) => item[method] !== undefined).map((method) => ({ path, method, operation: item[method]! }))
        )
        .filter(({ path, operation }) => FUZZ_ONLY === "" || operation.operationId.includes(FUZZ_ONLY) || path.includes(FUZZ_ONLY))
      expect(operations.length).toBeGreaterThan(0)
      console.log(
        `fuzz: FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS}${FUZZ_ONLY === "" ? "" : ` FUZZ_ONLY=${FUZZ_ONLY}`}: ${operations.length} operations`
      )
      const started = Date.now()
      const failures: Array<string> = []
      let sentCount = 0
      /** Statuses per operation: that valid requests get through as well as bad ones are refused. */
      const seen = new Map<string, Map<number, number>>()
      for (const { path, method, operation } of operations) {
        const documented = new Set(Object.keys(operation.responses))
        const seed = (FUZZ_SEED + [...operation.operationId].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) | 0, 0)) | 0
        const result = await fc.check(
          fc.asyncProperty(requests(path, method, operation), async (sent) => {
            const answer = await send(method, operation.operationId, sent)
            if (answer === undefined) return true
            sentCount++
            if (process.env.FUZZ_VERBOSE !== undefined)
              console.log(`${operation.operationId} ${answer.status} ${JSON.stringify(sent).slice(0, 400)} -> ${answer.text.slice(0, 400)}`)
            const statuses = seen.get(operation.operationId) ?? new Map<number, number>()
            seen.set(operation.operationId, statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1))
            const wrong: Array<string> = []
            if (answer.status >= 500) wrong.push(`answered ${answer.status}: ${answer.text.slice(0, 300)}`)
            if (!documented.has(String(answer.status)))
              wrong.push(`answered ${answer.status}, which the document does not list (${[...documented].join(", ")})`)
            if (answer.status >= 400 && answer.type !== "application/problem+json")
              wrong.push(`answered ${answer.status} as ${answer.type}`)
            for (const [id, kind] of foreign) {
              if (!answer.requestText.includes(id)) {
                if (answer.text.includes(id) && !planted.has(id)) wrong.push(`carried tenant B's ${kind} ${id}`)
              } else if (method !== "get") planted.add(id)
            }
            if (wrong.length > 0) throw new Error(wrong.join("; "))
            return true
          }),
          { seed, numRuns: FUZZ_RUNS, endOnFailure: process.env.FUZZ_SHRINK === undefined }
        )
        if (result.failed) {
          const example = result.counterexample?.[0] as Sent | undefined
          failures.push(
            `${operation.operationId} (${method.toUpperCase()} ${path}) with seed ${seed}, path ${result.counterexamplePath}: ${String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance).slice(0, 500)}\n  sent: ${JSON.stringify(example)?.slice(0, 600)}`
          )
        }
      }
      for (const holdings of [home, other])
        for (const { problem } of await halfWritten(holdings.tenant.id, seeded))
          failures.push(`half-written in ${holdings.tenant.slug}: ${problem}`)
      console.log(
        `fuzz: ${sentCount} requests to ${operations.length} operations in ${((Date.now() - started) / 1000).toFixed(1)} s (FUZZ_SEED=${FUZZ_SEED}); ${failures.length} failure(s)`
      )
      console.log(
        [...seen]
          .map(
            ([id, statuses]) =>
              `  ${id}: ${[...statuses]
                .sort(([a], [b]) => a - b)
                .map(([status, n]) => `${status}×${n}`)
                .join(" ")}`
          )
          .join("\n")
      )
      if (failures.length > 0) console.log(failures.join("\n"))
      expect(failures).toEqual([])
    },
    15 * 60_000
  )
})
