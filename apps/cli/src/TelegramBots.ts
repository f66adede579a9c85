import { SqlClient } from "@effect/sql"
import { SECRET_REF, SecretsLive, TelegramBot, TelegramBotLive, telegramTokenRef } from "@manara/notifications"
import { Data, Effect, Layer } from "effect"

export class UnknownTenant extends Data.TaggedError("UnknownTenant")<{ readonly slug: string }> {}
export class NotASecretReference extends Data.TaggedError("NotASecretReference")<{ readonly ref: string }> {}

/**
 * A tenant's own bot: stores the reference to its token (the token itself goes to Secrets Manager, or to
 * configuration in dev, under that reference) and points the bot's webhook at the API, with the
 * tenant's secret header. Run as the owner role; the token is read through `Secrets`, never printed.
 */
export const setTelegramBot = (slug: string, apiOrigin: string, ref?: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [tenant] = yield* sql<{ id: string }>`select id from tenants where slug = ${slug}`
    if (tenant === undefined) return yield* new UnknownTenant({ slug })
    const tokenRef = ref ?? telegramTokenRef(tenant.id)
    // A token pasted here instead of its reference would end up in the database: refused.
    if (!SECRET_REF.test(tokenRef)) return yield* new NotASecretReference({ ref: "(not shown)" })
    yield* sql.withTransaction(
      Effect.zipRight(
        sql`select set_config('app.current_tenant', ${tenant.id}, true)`,
        sql`insert into tenant_telegram_bots (tenant_id, token_ref) values (${tenant.id}, ${tokenRef})
        on conflict (tenant_id) do update set token_ref = excluded.token_ref, updated_at = now()`
      )
    )
    const webhook = `${apiOrigin.replace(/\/+$/, "")}/api/v1/public/telegram/${tenant.id}/webhook`
    yield* Effect.flatMap(TelegramBot, (bot) => bot.setWebhook(tenant.id, tokenRef, webhook)).pipe(
      Effect.provide(TelegramBotLive.pipe(Layer.provide(SecretsLive)))
    )
    return { tenantId: tenant.id, tokenRef, webhook }
  })
