import { SqlClient } from "@effect/sql"
import { asOwnerInTenant, createTenant, startTelegramFake, type TelegramFake, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const workerDirectory = fileURLToPath(new URL("..", import.meta.url))

let telegram: TelegramFake
let tenant: TenantFixture
const workers = new Set<ChildProcess>()

/** `apps/worker` as its own process, draining only this test's tenant. */
const startWorker = () => {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: workerDirectory,
    env: {
      ...process.env,
      DATABASE_URL: urls.runtimeUrl,
      NOTIFY_TENANTS: tenant.id,
      NOTIFY_LEASE: "2 seconds",
      NOTIFY_POLL: "300 millis",
      NOTIFY_BACKOFF_BASE: "200 millis",
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_BOT_TOKEN: "1:crash-test",
      LOG_LEVEL: "Warn"
    },
    stdio: "ignore"
  })
  workers.add(child)
  return child
}

const eventually = async <A>(check: () => Promise<A | undefined> | A | undefined, ms = 30_000): Promise<A> => {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

beforeAll(async () => {
  telegram = await startTelegramFake()
  tenant = await withOwner(urls, createTenant())
})
afterAll(async () => {
  for (const child of workers) if (child.exitCode === null) child.kill("SIGKILL")
  await telegram?.close()
})

describe("a worker killed mid-send", () => {
  it("SIGKILL after claiming and before marking: after a restart every row is delivered, duplicates at most one per row with the same key", async () => {
    const chat = String(Math.floor(Math.random() * 1e9))
    // The first four sends hang: the worker has claimed all six rows and four are in flight when it dies.
    telegram.script(chat, [{ status: "hang" }, { status: "hang" }, { status: "hang" }, { status: "hang" }])
    const keys = await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.forEach(
            Array.from({ length: 6 }, () => `crash:${randomUUID()}`),
            (key) =>
              Effect.as(
                sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key)
            values (${tenant.id}, 'notification.test', '{}'::jsonb, 'telegram', ${chat}, ${key})`,
                key
              )
          )
        )
      )
    )
    const first = startWorker()
    await eventually(() => (telegram.received().filter((message) => message.chatId === chat).length >= 4 ? true : undefined))
    first.kill("SIGKILL")
    await new Promise((resolve) => first.once("exit", resolve))
    const held = await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{
              n: string
            }>`select count(*)::text as n from notification_outbox where dedupe_key in ${sql.in(keys)} and status = 'sending'`
        )
      )
    )
    expect(held[0]!.n).toBe("6")

    startWorker()
    const statuses = await eventually(async () => {
      const found = await withOwner(
        urls,
        asOwnerInTenant(
          tenant.id,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql<{ status: string }>`select status from notification_outbox where dedupe_key in ${sql.in(keys)}`
          )
        )
      )
      return found.every((row) => row.status === "sent") ? found : undefined
    })
    expect(statuses).toHaveLength(6)
    const received = telegram.received().filter((message) => message.chatId === chat)
    const answered = received.filter((message) => message.answeredWith === 200).map((message) => message.idempotencyKey)
    // None lost: each row answered once.
    expect(answered.sort()).toEqual([...keys].sort())
    // Duplicates only for the sends the crash cut off, one each, with the same key.
    const cut = received.filter((message) => message.answeredWith === "hang").map((message) => message.idempotencyKey!)
    expect(cut).toHaveLength(4)
    expect(new Set(cut).size).toBe(4)
    expect(cut.every((key) => keys.includes(key))).toBe(true)
    expect(received).toHaveLength(10)
  }, 60_000)
})
