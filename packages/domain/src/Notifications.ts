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

const events = Schema.optionalWith(Schema.NonEmptyArray(StaffEvent).pipe(Schema.maxItems(10)), {
  default: () => ["capture.created"] as const
})
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

// ---- Per-member preferences and the Telegram link (issue 14) ----

/** What a member can choose to hear of: a new capture by kind, a payment received, a pledge instalment due. */
export const MemberEvent = Schema.Literal("capture.order", "capture.donation", "capture.pledge", "payment.received", "pledge.due")
export type MemberEvent = typeof MemberEvent.Type

/** The signed-in member's own notifications in this tenant: which events reach them by email and by Telegram. */
export class MyNotifications extends Schema.Class<MyNotifications>("MyNotifications")({
  /** Where email goes: the member's sign-in address. */
  email: Schema.String,
  locale: Locale,
  emailEvents: Schema.Array(MemberEvent),
  telegramEvents: Schema.Array(MemberEvent),
  /** The chat linked by a one-time code, or null. */
  telegram: Schema.NullOr(Schema.Struct({ chatId: Schema.String, linkedAt: Timestamp }))
}) {}

const memberEvents = Schema.Array(MemberEvent).pipe(Schema.maxItems(5))

export const MyNotificationsUpdate = Schema.Struct({
  locale: Locale,
  emailEvents: memberEvents,
  telegramEvents: memberEvents
})

/** A one-time code to send to the tenant's bot; only its hash is kept, until it is used or expires. */
export class TelegramLinkCode extends Schema.Class<TelegramLinkCode>("TelegramLinkCode")({
  code: Schema.String,
  expiresAt: Timestamp
}) {}

/** The part of a Telegram update the webhook reads (everything else is ignored). */
export const TelegramUpdate = Schema.Struct({
  update_id: Schema.Number,
  message: Schema.optional(
    Schema.Struct({
      text: Schema.optional(Schema.String.pipe(Schema.maxLength(4096))),
      chat: Schema.Struct({ id: Schema.Number })
    })
  )
})

export const TelegramWebhookHeaders = Schema.Struct({
  "x-telegram-bot-api-secret-token": Schema.optional(Schema.String.pipe(Schema.maxLength(256)))
})

export const TelegramWebhookAnswer = Schema.Struct({ ok: Schema.Boolean })
