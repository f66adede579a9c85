import { HttpApiBuilder } from "@effect/platform"
import { CurrentUser, ManaraApi, MyNotificationsPolicy } from "@manara/domain"
import { MemberNotificationSettings } from "@manara/notifications"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inTenant } from "../Tenancy/Middleware.js"

/** The signed-in member's own notifications: always their own row, never another member's. */
export const MyNotificationsLive = HttpApiBuilder.group(ManaraApi, "myNotifications", (handlers) =>
  Effect.gen(function* () {
    const settings = yield* MemberNotificationSettings
    const mine = <A, E, R>(work: (userId: (typeof CurrentUser.Service)["id"]) => Effect.Effect<A, E, R>) =>
      Effect.flatMap(CurrentUser, (user) => work(user.id)).pipe(inTenant(MyNotificationsPolicy.own), asProblem)
    return handlers
      .handle("myNotifications", () => mine(settings.read))
      .handle("setMyNotifications", ({ payload }) => mine((userId) => settings.update(userId, payload)))
      .handle("telegramLinkCode", () => mine(settings.linkCode))
      .handle("unlinkTelegram", () => mine(settings.unlink))
      .handle("testMyNotifications", () => mine(settings.test))
  })
).pipe(Layer.provide(MemberNotificationSettings.Default))

/** Telegram's updates for a tenant's bot: checked and handled in the service. */
export const TelegramWebhookLive = HttpApiBuilder.group(ManaraApi, "telegramWebhook", (handlers) =>
  Effect.gen(function* () {
    const settings = yield* MemberNotificationSettings
    return handlers.handle("telegramUpdate", ({ headers, path, payload }) =>
      // A UUID in any case names the same tenant; the tenant's transaction takes the canonical (lowercase) form.
      settings.webhook(path.tenantId.toLowerCase() as never, headers["x-telegram-bot-api-secret-token"], payload).pipe(asProblem)
    )
  })
).pipe(Layer.provide(MemberNotificationSettings.Default))
