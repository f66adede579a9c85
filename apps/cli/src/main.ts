import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { TrafficDays } from "@manara/analytics"
import { Media, PublicCache } from "@manara/catalog"
import { Storage } from "@manara/storage"
import {
  DbConfig,
  databaseOf,
  dumpDatabase,
  ensureDatabase,
  ensureRoles,
  RedisClient,
  rowCounts,
  runMigrations,
  TenantSql
} from "@manara/db"
import { TenantChanges } from "@manara/tenancy"
import { Config, Console, Effect, Layer, Option, Redacted, Schema } from "effect"
import { ai } from "./Ai.js"
import { announceTenantStatus, outboxStatus, retryOutbox } from "./Operations.js"
import { setTelegramBot } from "./TelegramBots.js"
import { addOwner, createTenant, seedDemo, seedKpiTenant, TenantInput } from "./Tenants.js"
import { seedDemoTraffic, seedTraffic } from "./Traffic.js"

const ownerSql = Layer.unwrapEffect(
  Effect.map(DbConfig.connection(DbConfig.ownerUrl), (pg) => PgClient.layer({ ...pg, maxConnections: 2 }))
)

/** A refusal the operator can act on: one line on stderr and exit code 1, no stack trace. */
const refuse = (message: string) =>
  Effect.zipRight(
    Console.error(message),
    Effect.sync(() => {
      process.exitCode = 1
    })
  )

const setup = Command.make("setup", {}, () =>
  Effect.gen(function* () {
    const [admin, owner, runtime, tls] = yield* Effect.all([
      DbConfig.adminUrl,
      DbConfig.ownerUrl,
      DbConfig.runtimeUrl,
      DbConfig.databaseTls
    ])
    const database = databaseOf(Redacted.value(owner))
    yield* Effect.zipRight(ensureRoles({ owner: Redacted.value(owner), runtime: Redacted.value(runtime) }), ensureDatabase(database)).pipe(
      Effect.provide(PgClient.layer({ ...DbConfig.withTls(admin, tls), maxConnections: 1 }))
    )
    yield* Console.log(`roles manara_owner, manara_app and database ${database} are ready`)
  })
).pipe(Command.withDescription("Create the owner and runtime roles and the database (as an administrator)"))

const snapshot = Command.make(
  "snapshot",
  { file: Options.file("file").pipe(Options.withDescription("Where the pg_dump (custom format) goes")) },
  ({ file }) =>
    Effect.gen(function* () {
      const [admin, owner, tls] = yield* Effect.all([DbConfig.adminUrl, DbConfig.ownerUrl, DbConfig.databaseTls])
      // As the administrator, of the app's database: forced RLS would hide every tenant's rows from the owner.
      const url = new URL(Redacted.value(admin))
      url.pathname = `/${databaseOf(Redacted.value(owner))}`
      yield* dumpDatabase(url.toString(), file)
      const counts = yield* rowCounts.pipe(
        Effect.provide(PgClient.layer({ ...DbConfig.withTls(Redacted.make(url.toString()), tls), maxConnections: 1 }))
      )
      const rows = Object.values(counts).reduce((sum, n) => sum + n, 0)
      yield* Console.log(`snapshot ${file}: ${Object.keys(counts).length} tables, ${rows} rows`)
    }).pipe(Effect.catchTags({ BackupFailed: (error) => refuse(`snapshot failed: ${error.message}`) }))
).pipe(Command.withDescription("pg_dump the app's database as the administrator, before a migration (docs/ops/runbooks.md)"))

const db = Command.make("db").pipe(Command.withSubcommands([setup, snapshot]))

const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function* () {
    // The image carries the files next to the CLI (docker/worker.Dockerfile); from the repository, its own folder.
    const directory = yield* Config.option(Config.string("MIGRATIONS_DIRECTORY"))
    const applied = yield* runMigrations(Option.getOrUndefined(directory))
    yield* Console.log(applied.length === 0 ? "up to date" : applied.map(([id, name]) => `applied ${id}_${name}`).join("\n"))
  }).pipe(Effect.provide(ownerSql))
).pipe(Command.withDescription("Apply pending migrations as the owner role"))

const create = Command.make(
  "create",
  {
    slug: Options.text("slug"),
    name: Options.text("name").pipe(Options.withDescription("Arabic name")),
    nameEn: Options.text("name-en").pipe(Options.withDefault("")),
    kind: Options.choice("kind", ["charity", "masjid", "store"]).pipe(Options.withDefault("charity" as const)),
    domain: Options.text("domain").pipe(Options.optional)
  },
  ({ domain, kind, name, nameEn, slug }) =>
    Effect.gen(function* () {
      const input = yield* Schema.decodeUnknown(TenantInput)({
        slug,
        kind,
        nameAr: name,
        nameEn,
        ...Option.match(domain, { onNone: () => ({}), onSome: (customDomain) => ({ customDomain }) })
      })
      const id = yield* createTenant(input)
      yield* Console.log(`tenant ${slug} created: ${id}`)
    }).pipe(
      Effect.catchTags({
        SlugTaken: (error) => refuse(`the slug ${error.slug} is taken`),
        DomainRefused: (error) =>
          refuse(`the domain ${error.domain} is under the platform domain ${error.platformDomain}: use --slug for its hosts`),
        DomainTaken: (error) => refuse(`the domain ${error.domain} already belongs to another tenant`),
        ParseError: (error) => refuse(`invalid tenant: ${error.message}`)
      }),
      Effect.provide(ownerSql)
    )
).pipe(Command.withDescription("Create a tenant"))

const telegramBot = Command.make(
  "telegram-bot",
  {
    slug: Options.text("slug"),
    apiOrigin: Options.text("api-origin").pipe(
      Options.withDescription("The API's public HTTPS origin, where Telegram posts the bot's updates")
    ),
    ref: Options.text("ref").pipe(
      Options.withDescription("secret://<path> of the bot token (default secret://manara/tenant/<id>/telegram)"),
      Options.optional
    )
  },
  ({ apiOrigin, ref, slug }) =>
    setTelegramBot(slug, apiOrigin, Option.getOrUndefined(ref)).pipe(
      Effect.flatMap(({ tokenRef, webhook }) => Console.log(`tenant ${slug}: bot token at ${tokenRef}, webhook ${webhook}`)),
      Effect.catchTags({
        UnknownTenant: (error) => refuse(`no tenant ${error.slug}`),
        NotASecretReference: () => refuse("--ref must be a secret:// reference, never the token itself"),
        DeliveryFailed: (error) => refuse(`the bot's webhook was not set: ${error.message}`)
      }),
      Effect.provide(ownerSql)
    )
).pipe(Command.withDescription("Give a tenant its own Telegram bot: the token's secret reference, and the bot's webhook"))

const statusCommand = (name: "suspend" | "reactivate", status: "suspended" | "active", description: string) =>
  Command.make(
    name,
    {
      slug: Options.text("slug"),
      reason: Options.text("reason").pipe(Options.withDescription("Why, for the tenant's audit log (an incident number)"))
    },
    ({ reason, slug }) =>
      announceTenantStatus(slug, status, reason).pipe(
        Effect.flatMap((previous) =>
          Console.log(
            previous === status
              ? `tenant ${slug} was already ${status}`
              : `tenant ${slug}: ${previous} -> ${status} (running APIs see it on their next request)`
          )
        ),
        Effect.catchTags({ UnknownTenant: (error) => refuse(`no tenant ${error.slug}`) }),
        Effect.provide(ownerSql),
        Effect.provide(Layer.merge(TenantChanges.Default, PublicCache.Default).pipe(Layer.provide(RedisClient.Default)))
      )
  ).pipe(Command.withDescription(description))

const suspend = statusCommand("suspend", "suspended", "Suspend a tenant: its storefront shows a notice, its API refuses")
const reactivate = statusCommand("reactivate", "active", "Reactivate a suspended tenant")

const tenant = Command.make("tenant").pipe(Command.withSubcommands([create, telegramBot, suspend, reactivate]))

const outboxSlug = Options.text("slug").pipe(Options.withDescription("Only this tenant"), Options.optional)

const outboxStatusCommand = Command.make("status", { slug: outboxSlug }, ({ slug }) =>
  outboxStatus(Option.getOrUndefined(slug)).pipe(
    Effect.flatMap((counts) =>
      Console.log(
        counts.length === 0
          ? "the outbox is empty"
          : counts
              .map((c) => `${c.slug}\t${c.channel}\t${c.status}\t${c.rows} rows\t${c.due} due\toldest due ${c.oldestDueSeconds} s`)
              .join("\n")
      )
    ),
    Effect.catchTags({ UnknownTenant: (error) => refuse(`no tenant ${error.slug}`) }),
    Effect.provide(ownerSql)
  )
).pipe(Command.withDescription("The outbox by tenant, channel and status: rows, due now, age of the oldest due"))

const outboxRetry = Command.make(
  "retry",
  {
    slug: outboxSlug,
    dead: Options.boolean("dead").pipe(Options.withDescription("Also retry dead letters (from zero attempts)")),
    since: Options.date("since").pipe(Options.withDescription("Only dead letters that died since (the outage's start)"), Options.optional)
  },
  ({ dead, since, slug }) =>
    retryOutbox({
      dead,
      ...Option.match(slug, { onNone: () => ({}), onSome: (value) => ({ slug: value }) }),
      ...Option.match(since, { onNone: () => ({}), onSome: (value) => ({ since: value }) })
    }).pipe(
      Effect.flatMap((done) =>
        Console.log(`due now: ${done.backedOff} waiting out a backoff, ${done.stale} held by dead workers, ${done.dead} dead letters`)
      ),
      Effect.catchTags({ UnknownTenant: (error) => refuse(`no tenant ${error.slug}`) }),
      Effect.provide(ownerSql)
    )
).pipe(Command.withDescription("After an outage: make waiting rows due now, release dead workers' claims, optionally retry dead letters"))

const outbox = Command.make("outbox").pipe(Command.withSubcommands([outboxStatusCommand, outboxRetry]))

const demo = Command.make(
  "demo",
  {
    ownerEmail: Options.text("owner-email").pipe(Options.optional),
    ownerSub: Options.text("owner-sub").pipe(Options.optional)
  },
  ({ ownerEmail, ownerSub }) =>
    Effect.gen(function* () {
      const id = yield* seedDemo
      yield* seedDemoTraffic(id)
      if (Option.isSome(ownerEmail) && Option.isSome(ownerSub)) {
        yield* addOwner(id, { email: ownerEmail.value, sub: ownerSub.value })
        yield* Console.log(`demo owner: ${ownerEmail.value}`)
      }
      yield* Console.log(`demo tenant ready: ${id} (http://demo.localhost:3000)`)
    }).pipe(
      // The illustrations go to the media bucket (S3_* as for the API) like any upload.
      Effect.provide(
        Media.Default.pipe(Layer.provideMerge(Storage.Default), Layer.provideMerge(TenantSql.Default), Layer.provideMerge(ownerSql))
      )
    )
).pipe(Command.withDescription("Create or refresh the demo charity (and its owner)"))

const kpis = Command.make(
  "kpis",
  {
    slug: Options.text("slug").pipe(Options.withDefault("kpi-bench")),
    visits: Options.integer("visits").pipe(Options.withDefault(1_000_000)),
    captures: Options.integer("captures").pipe(Options.withDefault(50_000)),
    days: Options.integer("days").pipe(Options.withDefault(365))
  },
  ({ slug, visits, captures, days }) =>
    Effect.gen(function* () {
      const started = Date.now()
      const id = yield* seedKpiTenant(slug)
      yield* seedTraffic(id, { visits, captures, days })
      // Its closed days summed, as the API's fiber would: the KPI bench times the steady state.
      yield* TrafficDays.pipe(Effect.flatMap((traffic) => traffic.sumClosedDays(id)))
      yield* Console.log(
        `${slug}: ${visits} visits and ${captures} donations over ${days} days in ${((Date.now() - started) / 1000).toFixed(1)} s (tenant ${id})`
      )
    }).pipe(Effect.provide(TrafficDays.Default.pipe(Layer.provide(TenantSql.Default), Layer.provideMerge(ownerSql))))
).pipe(Command.withDescription("A tenant with many visits and donations, for timing the KPI query (pnpm bench)"))

const seed = Command.make("seed").pipe(Command.withSubcommands([demo, kpis]))

const manara = Command.make("manara").pipe(Command.withSubcommands([db, migrate, tenant, seed, ai, outbox]))

export const cli = Command.run(manara, { name: "manara", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
