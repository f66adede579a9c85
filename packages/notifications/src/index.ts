export * from "./Delivery.js"
export * from "./Errors.js"
export * from "./Mailer.js"
export * from "./Outbox.js"
export * from "./Telegram.js"
export * from "./Templates.js"
export * from "./Settings.js"
export * from "./Reminders.js"
export * from "./Purge.js"
export * from "./Secrets.js"
export * from "./MemberSettings.js"

import type { TelegramNotLinked, WebhookRefused } from "./MemberSettings.js"
import type { DeliveryNotDead, DeliveryNotFound, PreferenceExists, PreferenceNotFound } from "./Settings.js"
/** Every expected failure of the notification settings: the API maps each to a problem. (`DeliveryFailed` stays in the outbox.) */
export type NotificationsError =
  PreferenceNotFound | PreferenceExists | DeliveryNotFound | DeliveryNotDead | TelegramNotLinked | WebhookRefused
export * from "./NotifyTenants.js"
