import { SqlClient } from "@effect/sql"
import { AiUsage, platformAiSpendPercent } from "@manara/ai-gateway"
import { CUSTOM_METRICS, TenantSql } from "@manara/db"
import { Outbox } from "@manara/notifications"
import {
  asOwnerInTenant,
  createTenant,
  runtimeSql,
  startTelegramFake,
  type TelegramFake,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { ConfigProvider, Console, Effect, Exit, Layer, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { WorkerMetricsLive } from "../src/Metrics.js"

const urls = inject("manaraDatabase")
const workerDirectory = fileURLToPath(new URL("..", import.meta.url))

let telegram: TelegramFake
let worker: ChildProcess | undefined

beforeAll(async () => {
  telegram = await startTelegramFake()
})
afterAll(async () => {
  if (worker?.exitCode === null) worker.kill("SIGKILL")
  await telegram?.close()
})

/** An embedded-metric-format line as CloudWatch Logs reads it. */
interface EmfLine {
  readonly _aws: {
    readonly Timestamp: number
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: string }>
    }>
  }
  readonly [key: string]: unknown
}

const emfLines = (text: string): Array<EmfLine> =>
  text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line): line is EmfLine => typeof line._aws === "object")

const eventually = async <A>(check: () => Promise<A | undefined> | A | undefined, ms = 90_000): Promise<A> => {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const insertRow = (tenant: TenantFixture, channel: "telegram" | "email", target: string, dueSecondsAgo: number) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key, created_at, next_attempt_at)
          values (${tenant.id}, 'notification.test', '{}'::jsonb, ${channel}, ${target}, ${`metrics:${randomUUID()}`},
            now() - make_interval(secs => ${dueSecondsAgo}), now() - make_interval(secs => ${dueSecondsAgo}))`
      )
    )
  )

describe("the worker's custom metrics", () => {
  it("a row the worker dead-letters shows in its next EMF line on stdout as OutboxDeadLetters 1, with the alarms' namespace and dimension", async () => {
    const tenant = await withOwner(urls, createTenant())
    const chat = String(Math.floor(Math.random() * 1e9))
    telegram.script(chat, [], { status: 503 })
    await insertRow(tenant, "telegram", chat, 0)
    let stdout = ""
    worker = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: workerDirectory,
      env: {
        ...process.env,
        DATABASE_URL: urls.runtimeUrl,
        NOTIFY_TENANTS: tenant.id,
        NOTIFY_POLL: "300 millis",
        // One failed attempt is a dead letter.
        NOTIFY_MAX_ATTEMPTS: "1",
        TELEGRAM_API_URL: telegram.url,
        TELEGRAM_BOT_TOKEN: "1:metrics-test",
        METRICS_ENVIRONMENT: "staging",
        METRICS_INTERVAL: "300 millis",
        LOG_LEVEL: "Error"
      },
      stdio: ["ignore", "pipe", "inherit"]
    })
    worker.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    const withDead = await eventually(() => emfLines(stdout).find((line) => (line[CUSTOM_METRICS.outboxDeadLetters] as number) > 0))
    expect(withDead[CUSTOM_METRICS.outboxDeadLetters]).toBe(1)
    expect(withDead.Environment).toBe("staging")
    expect(withDead._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "Manara",
        Dimensions: [["Environment"]],
        Metrics: [
          { Name: "OutboxOldestPendingSeconds", Unit: "Seconds" },
          { Name: "OutboxDeadLetters", Unit: "Count" },
          { Name: "AiSpendBudgetUsedPercent", Unit: "Percent" }
        ]
      }
    ])
    // Nothing of this tenant is due any more, and the platform's AI figure is a percentage.
    expect(withDead[CUSTOM_METRICS.outboxOldestPendingSeconds]).toBe(0)
    expect(withDead[CUSTOM_METRICS.aiSpendBudgetUsedPercent]).toBeGreaterThanOrEqual(0)
    // Counted when the send failed; the mark follows.
    await eventually(async () => {
      const [row] = await withOwner(
        urls,
        asOwnerInTenant(
          tenant.id,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql<{ status: string }>`select status from notification_outbox where target = ${chat}`
          )
        )
      )
      return row?.status === "dead" ? true : undefined
    })
    // Counted once: the lines after it carry no further dead letter.
    const linesNow = emfLines(stdout).length
    await eventually(() => (emfLines(stdout).length >= linesNow + 2 ? true : undefined))
    const total = emfLines(stdout).reduce((sum, line) => sum + ((line[CUSTOM_METRICS.outboxDeadLetters] as number | undefined) ?? 0), 0)
    expect(total).toBe(1)
    worker.kill("SIGTERM")
    await new Promise((resolve) => worker!.once("exit", resolve))
  }, 120_000)

  it("a pending row due an hour ago, no worker draining it: OutboxOldestPendingSeconds is its wait, as the runtime role sees it", async () => {
    const tenant = await withOwner(urls, createTenant())
    const other = await withOwner(urls, createTenant())
    await insertRow(tenant, "email", "metrics@example.com", 3600)
    // A younger row and one still backing off (due in the future) do not lower or raise it.
    await insertRow(tenant, "telegram", "1", 60)
    await insertRow(tenant, "email", "later@example.com", -600)
    await insertRow(other, "email", "other@example.com", 7200)
    const lines: Array<string> = []
    const capture = Console.setConsole({
      ...globalThis.console,
      log: (...args: ReadonlyArray<unknown>) => void lines.push(args.map(String).join(" "))
    } as unknown as Console.Console)
    const config = ConfigProvider.fromMap(
      new Map([
        ["METRICS_ENVIRONMENT", "production"],
        ["METRICS_INTERVAL", "200 millis"],
        // As a worker of its own for this tenant: the other tenant's older row is not its backlog.
        ["NOTIFY_TENANTS", tenant.id]
      ])
    )
    const layer = WorkerMetricsLive.pipe(
      Layer.provide(Layer.merge(Outbox.Default, AiUsage.Default)),
      Layer.provide(TenantSql.Default),
      Layer.provide(runtimeSql(urls)),
      Layer.provide(capture),
      Layer.provide(Layer.setConfigProvider(config))
    )
    const scope = Effect.runSync(Scope.make())
    await Effect.runPromise(Layer.buildWithScope(layer, scope))
    try {
      const line = await eventually(() => emfLines(lines.join("\n"))[0])
      expect(line.Environment).toBe("production")
      const seconds = line[CUSTOM_METRICS.outboxOldestPendingSeconds] as number
      expect(seconds).toBeGreaterThanOrEqual(3600)
      expect(seconds).toBeLessThan(3600 + 600)
      expect(line[CUSTOM_METRICS.outboxDeadLetters]).toBe(0)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }, 120_000)

  it("AI spend as a percentage of AI_PLATFORM_MONTHLY_BUDGET_MICROFILS: the month's logged cost over every tenant", async () => {
    const month = "2001-03"
    const tenants = [await withOwner(urls, createTenant()), await withOwner(urls, createTenant())]
    for (const [i, tenant] of tenants.entries())
      await withOwner(
        urls,
        asOwnerInTenant(
          tenant.id,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`insert into ai_usage_log (tenant_id, reservation_id, conversation_id, model, billed_month, input_tokens,
                output_tokens, cost_microfils, latency_ms, outcome)
              values (${tenant.id}, ${randomUUID()}, 'metrics', 'gpt-4o-mini', ${`${month}-01`}, 10, 10, ${i === 0 ? 600_000 : 250_000}, 5, 'ok')`
          )
        )
      )
    const spend = await Effect.runPromise(
      platformAiSpendPercent(month).pipe(
        Effect.provide(AiUsage.Default),
        Effect.provide(TenantSql.Default),
        Effect.provide(runtimeSql(urls)),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["AI_PLATFORM_MONTHLY_BUDGET_MICROFILS", "1000000"]])))
      )
    )
    expect(spend).toEqual({ spent: 850_000n, budget: 1_000_000n, percent: 85 })
  }, 60_000)
})
