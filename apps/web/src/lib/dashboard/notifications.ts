// Relative imports, no runes: plain node can load this module.
import { m } from "../paraglide/messages.js"
import type { Locale } from "../paraglide/runtime.js"
import type { ProblemLike } from "./problems.js"

export type Channel = "email" | "telegram"
export type DeliveryStatus = "pending" | "sending" | "sent" | "dead"

export const channels: ReadonlyArray<Channel> = ["email", "telegram"]
export const languages: ReadonlyArray<Locale> = ["ar", "en"]

export const channelName = (channel: string, locale: Locale): string =>
  channel === "telegram" ? m.dash_notify_channel_telegram({}, { locale }) : m.dash_notify_channel_email({}, { locale })

export const languageName = (language: string, locale: Locale): string =>
  language === "en" ? m.dash_notify_language_en({}, { locale }) : m.dash_notify_language_ar({}, { locale })

const events: Record<string, (locale: Locale) => string> = {
  "capture.created": (locale) => m.dash_notify_event_capture_created({}, { locale }),
  "capture.receipt": (locale) => m.dash_notify_event_capture_receipt({}, { locale }),
  "payment.received": (locale) => m.dash_notify_event_payment_received({}, { locale }),
  "member.invited": (locale) => m.dash_notify_event_member_invited({}, { locale }),
  "notification.test": (locale) => m.dash_notify_event_test({}, { locale }),
  "pledge.due": (locale) => m.dash_notify_event_pledge_due({}, { locale }),
  // What members chose for themselves (the my-notifications page), and a chat's link confirmed.
  "staff.payment": (locale) => m.dash_notify_event_staff_payment({}, { locale }),
  "staff.pledge_due": (locale) => m.dash_notify_event_staff_pledge_due({}, { locale }),
  "telegram.linked": (locale) => m.dash_notify_event_telegram_linked({}, { locale })
}

/** An event in the product's words; one the API adds later shows as its name until it has words here. */
export const eventName = (event: string, locale: Locale): string => events[event]?.(locale) ?? event

const statuses: Record<DeliveryStatus, (locale: Locale) => string> = {
  pending: (locale) => m.dash_notify_status_pending({}, { locale }),
  sending: (locale) => m.dash_notify_status_sending({}, { locale }),
  sent: (locale) => m.dash_notify_status_sent({}, { locale }),
  dead: (locale) => m.dash_notify_status_dead({}, { locale })
}

export const statusName = (status: DeliveryStatus, locale: Locale): string => statuses[status](locale)

/** The notifications API's own problems in our words; undefined leaves the shared description. */
export const notificationProblem = (problem: ProblemLike | undefined): string | undefined => {
  // The kind read here, not through problems.ts, whose `$lib` imports plain node cannot load.
  switch (problem?.type.replace("https://manara.app/problems/", "")) {
    case "preference-exists":
      return m.dash_notify_error_exists()
    case "preference-not-found":
      return m.dash_notify_error_preference_not_found()
    case "delivery-not-found":
      return m.dash_notify_error_delivery_not_found()
    case "delivery-not-dead":
      return m.dash_notify_error_not_dead()
    default:
      return undefined
  }
}

// ---- A member's own notifications (the my-notifications page) ----

export type MemberEvent = "capture.order" | "capture.donation" | "capture.pledge" | "payment.received" | "pledge.due"
export const memberEvents: ReadonlyArray<MemberEvent> = [
  "capture.order",
  "capture.donation",
  "capture.pledge",
  "payment.received",
  "pledge.due"
]

const memberEventWords: Record<MemberEvent, (locale: Locale) => string> = {
  "capture.order": (locale) => m.dash_mynotify_event_order({}, { locale }),
  "capture.donation": (locale) => m.dash_mynotify_event_donation({}, { locale }),
  "capture.pledge": (locale) => m.dash_mynotify_event_pledge({}, { locale }),
  "payment.received": (locale) => m.dash_mynotify_event_payment({}, { locale }),
  "pledge.due": (locale) => m.dash_mynotify_event_pledge_due({}, { locale })
}

export const memberEventName = (event: MemberEvent, locale: Locale): string => memberEventWords[event](locale)

/** The my-notifications API's own problems in our words; undefined leaves the shared description. */
export const myNotificationProblem = (problem: ProblemLike | undefined): string | undefined =>
  problem?.type.replace("https://manara.app/problems/", "") === "telegram-not-linked" ? m.dash_mynotify_error_not_linked() : undefined
