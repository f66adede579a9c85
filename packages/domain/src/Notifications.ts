import { Schema } from "effect"
import { Email } from "./Auth.js"
import { Locale } from "./Locale.js"
import { Text } from "./Text.js"
import { Timestamp } from "./Timestamp.js"

export const NotificationChannel = Schema.Literal("email", "telegram")
export type NotificationChannel = typeof NotificationChannel.Type

/** What staff can choose to hear of (donors and invitees are told what concerns them regardless). */
export const StaffEvent = Schema.Literal("capture.created")

/** A Telegram chat id: digits, negative for groups. */
export const TelegramChatId = Text.pipe(Schema.pattern(/^-?\d{1,20}$/, { message: () => "a Telegram chat id (digits)" }))

/** Where one member (or the office) wants to hear of which events, in which language. */
export class NotificationPreference extends Schema.Class<NotificationPreference>("NotificationPreference")({
  id: Schema.UUID,
  channel: NotificationChannel,
  target: Schema.String,
  events: Schema.Array(StaffEvent),
  locale: Locale,
  enabled: Schema.Boolean,
  createdAt: Timestamp
}) {}

const events = Schema.optionalWith(Schema.NonEmptyArray(StaffEvent).pipe(Schema.maxItems(10)), { default: () => ["capture.created"] as const })
const locale = Schema.optionalWith(Locale, { default: () => "ar" as const })

export const NewNotificationPreference = Schema.Union(
  Schema.Struct({ channel: Schema.Literal("email"), target: Email, events, locale }),
  Schema.Struct({ channel: Schema.Literal("telegram"), target: TelegramChatId, events, locale })
)

export const DeliveryStatus = Schema.Literal("pending", "sending", "sent", "dead")

/** One outbox row as the delivery log shows it. */
export class Delivery extends Schema.Class<Delivery>("Delivery")({
  id: Schema.UUID,
  event: Schema.String,
  channel: NotificationChannel,
  target: Schema.String,
  status: DeliveryStatus,
  attempts: Schema.Number,
  lastError: Schema.NullOr(Schema.String),
  nextAttemptAt: Timestamp,
  sentAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp
}) {}

export const DeliveryQuery = Schema.Struct({
  status: Schema.optional(DeliveryStatus)
})
