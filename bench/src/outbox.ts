/**
 * The outbox line of `pnpm bench` (also alone: `pnpm --filter @manara/bench outbox`):
 * 1. throughput: BENCH_OUTBOX_ROWS rows (two thirds Telegram, one third email) committed at once,
 *    delivered to the loopback Telegram fake and aws-ses-v2-local; rows per second until the last is sent;
 * 2. delay: donations at BENCH_OUTBOX_RATE per second for BENCH_OUTBOX_SECONDS, each announcing itself
 *    to staff on Telegram; the time from sending the capture request to the fake receiving its message
 *    (an upper bound on commit-to-send), p50 and p99. Goal: p99 <= 1 s.
 * The API (with its fibers) runs in this process, as in the demo; the loopback fakes answer at once.
 */
import { startApi } from "@manara/api/server"
import {
  asOwnerInTenant,
  createTenant,
  createTestDatabase,
  dropTestDatabase,
  sesEnv,
  startSesLocal,
  startTelegramFake,
  withOwner
} from "@manara/testkit"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const rowsToSend = Math.round(number("BENCH_OUTBOX_ROWS", 3000))
const rate = number("BENCH_OUTBOX_RATE", 100)
const seconds = number("BENCH_OUTBOX_SECONDS", 10)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

const urls = await createTestDatabase("manara_bench_outbox")
const telegram = await startTelegramFake()
const ses = await startSesLocal()
let closeApi: (() => Promise<void>) | undefined
try {
  const tenant = await withOwner(urls, createTenant())
  const chat = "4242"
  await withOwner(
    urls,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`update tenants set settings = ${JSON.stringify({ bankTransfer: { bank: "KFH", iban: "KW81CBKU0000000000001234560101" } })}::jsonb where id = ${tenant.id}`
      yield* asOwnerInTenant(
        tenant.id,
        Effect.zipRight(
          sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status) values (${tenant.id}, 'project', 'project-1', 'مشروع', 1000000, 'sadaqah', 'active')`,
          sql`insert into notification_preferences (tenant_id, channel, target) values (${tenant.id}, 'telegram', ${chat})`
        )
      )
    })
  )
  const api = await startApi({
    DATABASE_URL: urls.runtimeUrl,
    REDIS_URL: urls.redisUrl,
    REDIS_KEY_PREFIX: `${urls.database}:`,
    PLATFORM_DOMAIN: "bench.test",
    CAPTURE_LIMIT_PER_IP: "100000000",
    CAPTURE_LIMIT_PER_TENANT: "100000000",
    NOTIFY_DELIVERY: "true",
    NOTIFY_TENANTS: tenant.id,
    TELEGRAM_API_URL: telegram.url,
    TELEGRAM_BOT_TOKEN: "1:bench",
    ...sesEnv(ses.endpoint),
    LOG_LEVEL: "Warn"
  })
  closeApi = api.close

  // 1. Throughput: every row committed in one statement, the clock stops when the last is sent.
  const started = Date.now()
  await withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key)
      select ${tenant.id}, 'capture.created',
        jsonb_build_object('kind', 'donation', 'id', gen_random_uuid(), 'reference', 'BENCH-' || i, 'amount', '10.000', 'name', 'متبرع'),
        case when i % 3 = 0 then 'email' else 'telegram' end,
        case when i % 3 = 0 then 'staff-' || i || '@bench.test' else ${chat} end, 'bench:' || i
      from generate_series(1, ${rowsToSend}::int) i`
      )
    )
  )
  for (;;) {
    const [row] = await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{
              sent: string
            }>`select count(*)::text as sent from notification_outbox where dedupe_key like 'bench:%' and status = 'sent'`
        )
      )
    )
    if (Number(row!.sent) >= rowsToSend) break
    if (Date.now() - started > 300_000) throw new Error(`only ${row!.sent} of ${rowsToSend} rows sent in 5 minutes`)
    await sleep(50)
  }
  const throughput = rowsToSend / ((Date.now() - started) / 1000)

  // 2. Delay at a steady capture rate: the request's start to the fake's receipt, matched by reference.
  const sentAt = new Map<string, number>()
  const answeredAt = new Map<string, number>()
  const pending: Array<Promise<void>> = []
  const total = Math.round(rate * seconds)
  const begin = Date.now()
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / rate
    if (due > Date.now()) await sleep(due - Date.now())
    const at = Date.now()
    pending.push(
      fetch(`${api.url}/api/v1/public/donations`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.bench.test` },
        body: JSON.stringify({
          amount: "10.000",
          project: "project-1",
          donor: { name: "متبرع", phone: "+96550000000" },
          paymentMethod: "bank_transfer"
        })
      }).then(async (response) => {
        if (response.status !== 201) throw new Error(`a capture answered ${response.status}`)
        const { reference } = (await response.json()) as { reference: string }
        sentAt.set(reference, at)
        answeredAt.set(reference, Date.now())
      })
    )
  }
  await Promise.all(pending)
  const delays: Array<number> = []
  const afterAnswer: Array<number> = []
  const waitUntil = Date.now() + 30_000
  while (Date.now() < waitUntil) {
    delays.length = 0
    afterAnswer.length = 0
    for (const message of telegram.received()) {
      const reference = /DON-\d{4}-\d{6,}/.exec(message.text)?.[0]
      const at = reference === undefined ? undefined : sentAt.get(reference)
      if (at !== undefined) delays.push(message.at - at)
      if (reference !== undefined && answeredAt.has(reference)) afterAnswer.push(message.at - answeredAt.get(reference)!)
    }
    if (delays.length >= total) break
    await sleep(100)
  }
  if (delays.length < total) throw new Error(`only ${delays.length} of ${total} captures reached Telegram in 30 s`)
  const p50 = percentile(delays, 50)
  const p99 = percentile(delays, 99)
  const line =
    `outbox: ${rowsToSend} rows delivered at ${Math.round(throughput)} rows/s to the loopback fakes; ` +
    `capture request to send at ${rate} captures/s for ${seconds} s: p50 ${p50} ms, p99 ${p99} ms (goal p99 <= 1000 ms); ` +
    `from the capture's answer: p50 ${percentile(afterAnswer, 50)} ms, p99 ${percentile(afterAnswer, 99)} ms`
  process.stdout.write(`${line}\n`)
  const results = fileURLToPath(new URL("../results/", import.meta.url))
  mkdirSync(results, { recursive: true })
  writeFileSync(
    `${results}outbox.json`,
    `${JSON.stringify({ date: new Date().toISOString(), rowsToSend, throughput, rate, seconds, p50, p99, afterAnswerP50: percentile(afterAnswer, 50), afterAnswerP99: percentile(afterAnswer, 99) }, null, 2)}\n`
  )
} finally {
  await closeApi?.()
  await telegram.close()
  await ses.stop()
  await dropTestDatabase(urls)
}
process.exit(0)
