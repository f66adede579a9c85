import { SqlClient } from "@effect/sql"
import { CurrentTenant, TenantSql, timestampSql } from "@manara/db"
import {
  Delivery,
  type MemberEvent,
  MyNotifications,
  type MyNotificationsUpdate,
  type TenantId,
  TelegramLinkCode,
  type UserId
} from "@manara/domain"
import { createHash, randomInt, timingSafeEqual } from "node:crypto"
import { Data, Effect, Layer, Option } from "effect"
import { TelegramBot, TelegramBotLive } from "./Telegram.js"
import { SecretsLive } from "./Secrets.js"

export class TelegramNotLinked extends Data.TaggedError("TelegramNotLinked")<{}> {}
export class WebhookRefused extends Data.TaggedError("WebhookRefused")<{}> {}

/** Letters and digits nobody misreads (no 0/O, 1/I/L): 8 of 31 is about 40 bits, for 10 minutes. */
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
export const LINK_CODE_MINUTES = 10
const newCode = () => Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("")
const hashCode = (code: string) => createHash("sha256").update(code).digest("hex")
/** The code in a message: alone, or after /start (a t.me/<bot>?start=<code> link sends "/start <code>"). */
export const codeIn = (text: string): string | undefined =>
  /^\s*(?:\/start(?:@\w+)?\s+)?([A-Za-z0-9]{8})\s*$/.exec(text)?.[1]?.toUpperCase()

interface Row {
  email: string | null
  locale: "ar" | "en"
  email_events: Array<MemberEvent>
  telegram_events: Array<MemberEvent>
  telegram_chat_id: string | null
  telegram_linked_at: string | null
}

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * A member's own notifications in a tenant (their events per channel, their Telegram link), and the
 * webhook that confirms a link. Runs under `TenantSql`; the member is the signed-in user.
 */
export class MemberNotificationSettings extends Effect.Service<MemberNotificationSettings>()("Notifications/MemberNotificationSettings", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const telegram = yield* TelegramBot

    const read = (userId: UserId) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const [row] = yield* sql<Row>`
          select (select p.email from app.member_profiles(${tenantId}) p where p.user_id = ${userId}) as email,
            coalesce(n.locale, 'ar') as locale, coalesce(n.email_events, '{}') as email_events,
            coalesce(n.telegram_events, '{}') as telegram_events, n.telegram_chat_id,
            case when n.telegram_linked_at is null then null else ${timestampSql(sql, "n.telegram_linked_at")} end as telegram_linked_at
          from (select 1) one left join member_notifications n on n.user_id = ${userId}`.pipe(Effect.orDie)
        return new MyNotifications(
          {
            email: row!.email ?? "",
            locale: row!.locale,
            emailEvents: row!.email_events,
            telegramEvents: row!.telegram_events,
            telegram: row!.telegram_chat_id === null ? null : { chatId: row!.telegram_chat_id, linkedAt: row!.telegram_linked_at! }
          },
          true
        )
      })

    const update = (userId: UserId, input: typeof MyNotificationsUpdate.Type) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const emailEvents = `{${[...new Set(input.emailEvents)].join(",")}}`
        const telegramEvents = `{${[...new Set(input.telegramEvents)].join(",")}}`
        const [saved] = yield* sql<{ linked: boolean }>`
          insert into member_notifications (tenant_id, user_id, locale, email_events, telegram_events)
          values (${tenantId}, ${userId}, ${input.locale}, ${emailEvents}::text[], ${telegramEvents}::text[])
          on conflict (tenant_id, user_id) do update set locale = excluded.locale, email_events = excluded.email_events,
            telegram_events = excluded.telegram_events, updated_at = now()
          returning telegram_chat_id is not null as linked`.pipe(Effect.orDie)
        // Checked after the write, in the same transaction: the failure rolls it back.
        if (input.telegramEvents.length > 0 && !saved!.linked) return yield* new TelegramNotLinked()
        return yield* read(userId)
      })

    /** A new one-time code (the last one stops working); the code is answered once and kept only as its hash. */
    const linkCode = (userId: UserId) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const code = newCode()
        const [row] = yield* sql<{ expires_at: string }>`
          insert into member_notifications (tenant_id, user_id, link_code_hash, link_code_expires_at)
          values (${tenantId}, ${userId}, ${hashCode(code)}, now() + make_interval(mins => ${LINK_CODE_MINUTES}))
          on conflict (tenant_id, user_id) do update set link_code_hash = excluded.link_code_hash,
            link_code_expires_at = excluded.link_code_expires_at, updated_at = now()
          returning ${timestampSql(sql, "link_code_expires_at")} as expires_at`.pipe(Effect.orDie)
        return new TelegramLinkCode({ code, expiresAt: row!.expires_at }, true)
      })

    const unlink = (userId: UserId) =>
      sql`update member_notifications set telegram_chat_id = null, telegram_linked_at = null, telegram_events = '{}', updated_at = now()
        where user_id = ${userId}`.pipe(Effect.orDie, Effect.asVoid)

    const deliveryColumns = sql`id, event, channel, target, status, attempts, last_error, ${timestampSql(sql, "next_attempt_at")} as next_attempt_at,
      null as sent_at, ${timestampSql(sql, "created_at")} as created_at`

    /** A test message to my email and, when linked, my chat, through the outbox like any other. */
    const test = (userId: UserId) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const me = yield* read(userId)
        const targets = [
          ...(me.email === "" ? [] : [{ channel: "email", target: me.email }]),
          ...(me.telegram === null ? [] : [{ channel: "telegram", target: me.telegram.chatId }])
        ]
        const rows = yield* sql<ConstructorParameters<typeof Delivery>[0] & Record<string, unknown>>`
          insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
          select ${tenantId}, 'notification.test', '{}'::jsonb, t.channel, t.target, ${me.locale}, 'test:member:' || ${userId} || ':' || t.channel || ':' || gen_random_uuid()
          from jsonb_to_recordset(${JSON.stringify(targets)}::jsonb) as t (channel text, target text)
          returning ${deliveryColumns}`.pipe(Effect.orDie)
        return rows.map(
          (row) =>
            new Delivery(
              {
                id: row.id as string,
                event: row.event as string,
                channel: row.channel as "email" | "telegram",
                target: row.target as string,
                status: row.status as "pending",
                attempts: row.attempts as number,
                lastError: null,
                nextAttemptAt: row.next_attempt_at as string,
                sentAt: null,
                createdAt: row.created_at as string
              },
              true
            )
        )
      })

    /**
     * An update posted to a tenant's webhook. The secret header must match the one the bot's webhook was
     * set with (derived from the tenant's bot token); a message with a live code links its chat to the
     * code's member and is answered in the chat. Anything else is acknowledged (Telegram would retry).
     */
    const webhook = (
      tenantId: TenantId,
      secret: string | undefined,
      update: { readonly message?: { readonly text?: string | undefined; readonly chat: { readonly id: number } } | undefined }
    ) =>
      tenantSql.withTenant(
        tenantId,
        Effect.gen(function* () {
          const [bot] = yield* sql<{ exists: boolean; token_ref: string | null }>`
            select exists (select 1 from app.current_tenant_letterhead()) as exists, (select token_ref from tenant_telegram_bots) as token_ref`.pipe(
            Effect.orDie
          )
          if (!bot!.exists) return yield* new WebhookRefused()
          const expected = yield* telegram.webhookSecret(tenantId, bot!.token_ref)
          if (secret === undefined || Option.isNone(expected) || !sameSecret(secret, expected.value)) return yield* new WebhookRefused()
          const code = update.message?.text === undefined ? undefined : codeIn(update.message.text)
          if (code === undefined || !Number.isSafeInteger(update.message!.chat.id)) return { ok: true }
          const chatId = String(update.message!.chat.id)
          const linked = yield* sql<{ user_id: string; locale: string }>`
            update member_notifications set telegram_chat_id = ${chatId}, telegram_linked_at = now(),
              link_code_hash = null, link_code_expires_at = null, updated_at = now()
            where link_code_hash = ${hashCode(code)} and link_code_expires_at > now()
            returning user_id, locale`.pipe(Effect.orDie)
          if (linked.length === 0) return { ok: true }
          // Told in the chat, through the outbox like any other message.
          yield* sql`insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            values (${tenantId}, 'telegram.linked', '{}'::jsonb, 'telegram', ${chatId}, ${linked[0]!.locale},
              ${`telegram:linked:${linked[0]!.user_id}:${chatId}:${Date.now()}`})`.pipe(Effect.orDie)
          return { ok: true }
        })
      )

    return { read, update, linkCode, unlink, test, webhook } as const
  }),
  dependencies: [TelegramBotLive.pipe(Layer.provide(SecretsLive))]
}) {}
