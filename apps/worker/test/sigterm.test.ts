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
let worker: ChildProcess | undefined

beforeAll(async () => {
  telegram = await startTelegramFake()
  tenant = await withOwner(urls, createTenant())
})
afterAll(async () => {
  if (worker?.exitCode === null) worker.kill("SIGKILL")
  await telegram?.close()
})

const outboxRows = (keys: ReadonlyArray<string>) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<{
            dedupe_key: string
            status: string
            lease_owner: string | null
            attempts: number
          }>`select dedupe_key, status, lease_owner, attempts from notification_outbox where dedupe_key in ${sql.in(keys)}`
      )
    )
  )

describe("a worker told to stop", () => {
  it("SIGTERM mid-send: the send in flight finishes and is marked, the rest of its claim is released at once (not left to the lease), exit 0", async () => {
    const chat = String(Math.floor(Math.random() * 1e9))
    // The first send hangs (the Bot API client gives up after 15 s): the worker is mid-send, holding six rows.
    telegram.script(chat, [{ status: "hang" }])
    const keys = Array.from({ length: 6 }, () => `sigterm:${randomUUID()}`)
    await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.forEach(
            keys,
            (key) => sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key)
              values (${tenant.id}, 'notification.test', '{}'::jsonb, 'telegram', ${chat}, ${key})`,
            { discard: true }
          )
        )
      )
    )
    worker = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: workerDirectory,
      env: {
        ...process.env,
        DATABASE_URL: urls.runtimeUrl,
        NOTIFY_TENANTS: tenant.id,
        // A lease far longer than the test: a row back to pending was released, not expired.
        NOTIFY_LEASE: "10 minutes",
        NOTIFY_CONCURRENCY: "1",
        NOTIFY_POLL: "300 millis",
        TELEGRAM_API_URL: telegram.url,
        TELEGRAM_BOT_TOKEN: "1:sigterm-test",
        LOG_LEVEL: "Info"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    worker.stdout!.on("data", (chunk) => (output += chunk))
    worker.stderr!.on("data", (chunk) => (output += chunk))
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      worker!.once("exit", (code) => resolve({ code, at: Date.now() }))
    )
    const until = Date.now() + 30_000
    while (telegram.received().filter((message) => message.chatId === chat).length === 0) {
      if (Date.now() > until) throw new Error(`the worker sent nothing: ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const held = await outboxRows(keys)
    expect(held.filter((row) => row.status === "sending")).toHaveLength(6)

    const signalled = Date.now()
    worker.kill("SIGTERM")
    const { at, code } = await exited
    expect(code, output).toBe(0)
    // Bounded by the send in flight (the client's 15 s timeout), not by the 10-minute lease.
    expect(at - signalled).toBeLessThan(20_000)

    const after = await outboxRows(keys)
    const cut = telegram.received().find((message) => message.chatId === chat)!.idempotencyKey
    // Nothing is left claimed: every row can be taken by the next worker now.
    expect(after.filter((row) => row.status === "sending" || row.lease_owner !== null)).toEqual([])
    // The released rows did not spend an attempt; the one in flight finished and was marked (to retry).
    const released = after.filter((row) => row.dedupe_key !== cut)
    expect(released).toHaveLength(5)
    for (const row of released) expect(row).toMatchObject({ status: "pending", attempts: 0 })
    expect(after.find((row) => row.dedupe_key === cut)).toMatchObject({ status: "pending", attempts: 1 })
  }, 60_000)
})
