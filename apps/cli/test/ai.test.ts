import { SqlClient } from "@effect/sql"
import { budgetMonth, quotaKeys } from "@manara/ai-gateway"
import { asOwnerInTenant, createTenant, uniqueSlug, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Redis } from "ioredis"
import { describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const prefix = `${urls.database}:cli:`

/** The CLI as an operator runs it, on this run's database and Redis prefix. */
const cli = (...args: Array<string>) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", main, ...args], {
    env: {
      ...process.env,
      DATABASE_OWNER_URL: urls.ownerUrl,
      DATABASE_URL: urls.runtimeUrl,
      REDIS_URL: urls.redisUrl,
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: "Warning"
    }
  }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stdout + error.stderr })
  )

const sql = <A extends object>(run: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
  withOwner(urls, Effect.flatMap(SqlClient.SqlClient, run))

describe("manara ai", () => {
  it("plan sets a plan's budgets and caps; budget overrides a tenant's and `plan` removes the override", async () => {
    const code = uniqueSlug("plan")
    await sql(
      (s) =>
        s`insert into plans (code, name_en, name_ar, monthly_ai_token_budget, max_catalog_items, max_members) values (${code}, 'CLI', 'تجربة', 1, 1, 1) returning code`
    )
    expect(
      await cli(
        "ai",
        "plan",
        "--code",
        code,
        "--tokens",
        "70000",
        "--cost-microfils",
        "900000000",
        "--max-output-tokens",
        "300",
        "--max-turns",
        "7"
      )
    ).toMatchObject({ code: 0 })
    expect(
      await sql(
        (s) =>
          s`select monthly_ai_token_budget::text as t, monthly_ai_cost_budget::text as c, ai_max_output_tokens as o, ai_max_turns as turns, ai_max_input_chars as i from plans where code = ${code}`
      )
    ).toEqual([{ t: "70000", c: "900000000", o: 300, turns: 7, i: 4000 }])
    expect(await cli("ai", "plan", "--code", code, "--max-turns", "0")).toMatchObject({ code: 1, out: expect.stringContaining("refused") })
    expect(await cli("ai", "plan", "--code", "no-such-plan", "--tokens", "1")).toMatchObject({
      code: 1,
      out: expect.stringContaining("no plan")
    })

    const tenant = await withOwner(urls, createTenant())
    expect(await cli("ai", "budget", "--slug", tenant.slug, "--tokens", "1234", "--cost-microfils", "5678")).toMatchObject({ code: 0 })
    const override = () =>
      sql((s) => s`select ai_monthly_token_budget::text as t, ai_monthly_cost_budget::text as c from tenants where id = ${tenant.id}`)
    expect(await override()).toEqual([{ t: "1234", c: "5678" }])
    expect(await cli("ai", "budget", "--slug", tenant.slug, "--tokens", "plan")).toMatchObject({ code: 0 })
    expect(await override()).toEqual([{ t: null, c: "5678" }])
    expect(await cli("ai", "budget", "--slug", uniqueSlug("none"), "--tokens", "1")).toMatchObject({
      code: 1,
      out: expect.stringContaining("no tenant")
    })
  }, 120_000)

  it("rebuild writes this month's Redis counters from ai_usage_log: missing ones, or all with --force", async () => {
    const tenant = await withOwner(urls, createTenant())
    const month = budgetMonth()
    await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (s) => s`
      insert into ai_usage_log (tenant_id, reservation_id, conversation_id, model, billed_month, input_tokens, output_tokens, cost_microfils, latency_ms, outcome)
      values (${tenant.id}, ${randomUUID()}, 'c', 'manara-deterministic', ${`${month}-01`}, 30, 12, 777, 5, 'ok'),
             (${tenant.id}, ${randomUUID()}, 'c', 'manara-deterministic', ${`${month}-01`}, 8, 0, 3, 5, 'error')`
        )
      )
    )
    const redis = new Redis(urls.redisUrl, { keyPrefix: prefix })
    try {
      const key = quotaKeys(tenant.id).month(month)
      expect(await cli("ai", "rebuild")).toMatchObject({ code: 0 })
      expect(await redis.hgetall(key)).toMatchObject({ used_tokens: "50", used_cost: "780", calls_ok: "1", calls_error: "1" })
      // Counters that exist are left alone without --force, and written again with it.
      await redis.hset(key, "used_tokens", "1")
      await cli("ai", "rebuild")
      expect(await redis.hget(key, "used_tokens")).toBe("1")
      expect(await cli("ai", "rebuild", "--force")).toMatchObject({ code: 0 })
      expect(await redis.hget(key, "used_tokens")).toBe("50")
    } finally {
      redis.disconnect()
    }
  }, 120_000)
})
