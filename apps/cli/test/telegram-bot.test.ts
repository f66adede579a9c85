import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { configKeyOf } from "@manara/notifications"
import { createTenant, ownerSql, startTelegramFake } from "@manara/testkit"
import { ConfigProvider, Effect } from "effect"
import { inject } from "vitest"
import { setTelegramBot } from "../src/TelegramBots.js"

const urls = inject("manaraDatabase")

describe("tenant telegram-bot", () => {
  it.layer(ownerSql(urls))((it) => {
    it.effect("stores the token's reference, never the token, and sets the bot's webhook with the tenant's secret", () =>
      Effect.gen(function* () {
        const telegram = yield* Effect.acquireRelease(Effect.promise(startTelegramFake), (fake) => Effect.promise(fake.close))
        const tenant = yield* createTenant()
        const token = "9900:cli-bot-token"
        const done = yield* setTelegramBot(tenant.slug, "https://api.manara.example/").pipe(
          Effect.withConfigProvider(
            ConfigProvider.fromMap(
              new Map([
                ["TELEGRAM_API_URL", telegram.url],
                [configKeyOf(`manara/tenant/${tenant.id}/telegram`), token]
              ])
            )
          )
        )
        expect(done.webhook).toBe(`https://api.manara.example/api/v1/public/telegram/${tenant.id}/webhook`)
        const hook = telegram.webhook(token)
        expect(hook?.url).toBe(done.webhook)
        expect(hook?.secretToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql.withTransaction(
          Effect.zipRight(
            sql`select set_config('app.current_tenant', ${tenant.id}, true)`,
            sql<{ token_ref: string }>`select token_ref from tenant_telegram_bots`
          )
        )
        expect(rows).toEqual([{ token_ref: `secret://manara/tenant/${tenant.id}/telegram` }])
        // A token given where its reference belongs is refused before anything is written.
        expect((yield* Effect.flip(setTelegramBot(tenant.slug, "https://x.example", token)))._tag).toBe("NotASecretReference")
        expect((yield* Effect.flip(setTelegramBot("no-such-tenant-here", "https://x.example")))._tag).toBe("UnknownTenant")
      }).pipe(Effect.scoped)
    )
  })
})
