import { SqlClient } from "@effect/sql"
import { CurrentTenant, timestampSql } from "@manara/db"
import { Delivery, type NewNotificationPreference, NotificationPreference } from "@manara/domain"
import { Data, Effect } from "effect"

export class PreferenceNotFound extends Data.TaggedError("PreferenceNotFound")<{}> {}
export class PreferenceExists extends Data.TaggedError("PreferenceExists")<{}> {}
export class DeliveryNotFound extends Data.TaggedError("DeliveryNotFound")<{}> {}
export class DeliveryNotDead extends Data.TaggedError("DeliveryNotDead")<{}> {}

interface PreferenceRow {
  id: string
  channel: "email" | "telegram"
  target: string
  events: Array<"capture.created">
  locale: "ar" | "en"
  enabled: boolean
  created_at: string
}
interface DeliveryRow {
  id: string
  event: string
  channel: "email" | "telegram"
  target: string
  status: "pending" | "sending" | "sent" | "dead"
  attempts: number
  last_error: string | null
  next_attempt_at: string
  sent_at: string | null
  created_at: string
}

const toPreference = (row: PreferenceRow) =>
  new NotificationPreference(
    {
      id: row.id,
      channel: row.channel,
      target: row.target,
      events: row.events,
      locale: row.locale,
      enabled: row.enabled,
      createdAt: row.created_at
    },
    true
  )
const toDelivery = (row: DeliveryRow) =>
  new Delivery(
    {
      id: row.id,
      event: row.event,
      channel: row.channel,
      target: row.target,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      nextAttemptAt: row.next_attempt_at,
      sentAt: row.sent_at,
      createdAt: row.created_at
    },
    true
  )

/** A tenant's side of notifications: preferences, test messages, the delivery log and its dead letters. Runs under `TenantSql`. */
export class NotificationSettings extends Effect.Service<NotificationSettings>()("Notifications/NotificationSettings", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // The renderings below shadow the columns' names: the orders name the table's columns.
    const preferenceColumns = sql`id, channel, target, events, locale, enabled, ${timestampSql(sql, "created_at")} as created_at`
    const deliveryColumns = sql`id, event, channel, target, status, attempts, last_error, ${timestampSql(sql, "next_attempt_at")} as next_attempt_at,
      case when sent_at is null then null else ${timestampSql(sql, "sent_at")} end as sent_at, ${timestampSql(sql, "created_at")} as created_at`

    const preferences = () =>
      sql<PreferenceRow>`select ${preferenceColumns} from notification_preferences
        order by notification_preferences.created_at, notification_preferences.id`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map(toPreference))
      )

    const addPreference = (input: typeof NewNotificationPreference.Type) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const target = input.channel === "email" ? input.target.toLowerCase() : input.target
        const rows = yield* sql<PreferenceRow>`
          insert into notification_preferences (tenant_id, channel, target, events, locale)
          values (${tenantId}, ${input.channel}, ${target}, ${`{${input.events.join(",")}}`}::text[], ${input.locale})
          on conflict (tenant_id, channel, target) do nothing
          returning ${preferenceColumns}`.pipe(Effect.orDie)
        if (rows.length === 0) return yield* new PreferenceExists()
        return toPreference(rows[0]!)
      })

    const removePreference = (id: string) =>
      sql`delete from notification_preferences where id = ${id} returning id`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new PreferenceNotFound()) : Effect.void))
      )

    /** A test message to the preference's target, through the outbox like any other. */
    const test = (id: string) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const rows = yield* sql<DeliveryRow>`
          insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
          select ${tenantId}, 'notification.test', '{}'::jsonb, p.channel, p.target, p.locale, 'test:' || p.id || ':' || gen_random_uuid()
          from notification_preferences p where p.id = ${id}
          returning ${deliveryColumns}`.pipe(Effect.orDie)
        if (rows.length === 0) return yield* new PreferenceNotFound()
        return toDelivery(rows[0]!)
      })

    const deliveries = (status: DeliveryRow["status"] | undefined) =>
      sql<DeliveryRow>`select ${deliveryColumns} from notification_outbox
        ${status === undefined ? sql`` : sql`where status = ${status}`}
        order by notification_outbox.created_at desc, notification_outbox.id limit 100`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map(toDelivery))
      )

    /** A dead letter back to pending, due now, its attempts reset; its last error stays until the next one. */
    const retry = (id: string) =>
      Effect.gen(function* () {
        const rows = yield* sql<DeliveryRow & { was: string }>`
          update notification_outbox o set status = case when o.status = 'dead' then 'pending' else o.status end,
            attempts = case when o.status = 'dead' then 0 else o.attempts end,
            next_attempt_at = case when o.status = 'dead' then now() else o.next_attempt_at end,
            updated_at = case when o.status = 'dead' then now() else o.updated_at end
          from (select id, status as was from notification_outbox where id = ${id} for update) before
          where o.id = before.id
          returning ${sql`o.id, o.event, o.channel, o.target, o.status, o.attempts, o.last_error, ${timestampSql(sql, "o.next_attempt_at")} as next_attempt_at,
            case when o.sent_at is null then null else ${timestampSql(sql, "o.sent_at")} end as sent_at, ${timestampSql(sql, "o.created_at")} as created_at`}, before.was`.pipe(
          Effect.orDie
        )
        if (rows.length === 0) return yield* new DeliveryNotFound()
        if (rows[0]!.was !== "dead") return yield* new DeliveryNotDead()
        return toDelivery(rows[0]!)
      })

    return { preferences, addPreference, removePreference, test, deliveries, retry } as const
  })
}) {}
