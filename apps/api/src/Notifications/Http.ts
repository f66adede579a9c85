import { HttpApiBuilder } from "@effect/platform"
import { ManaraApi, NotificationsPolicy } from "@manara/domain"
import { NotificationSettings } from "@manara/notifications"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inTenant } from "../Tenancy/Middleware.js"

export const NotificationsLive = HttpApiBuilder.group(ManaraApi, "notifications", (handlers) =>
  Effect.gen(function* () {
    const settings = yield* NotificationSettings
    return handlers
      .handle("preferences", () => settings.preferences().pipe(inTenant(NotificationsPolicy.read), asProblem))
      .handle("addPreference", ({ payload }) => settings.addPreference(payload).pipe(inTenant(NotificationsPolicy.manage), asProblem))
      .handle("removePreference", ({ path }) =>
        settings.removePreference(path.preferenceId).pipe(inTenant(NotificationsPolicy.manage), asProblem)
      )
      .handle("testPreference", ({ path }) => settings.test(path.preferenceId).pipe(inTenant(NotificationsPolicy.manage), asProblem))
      .handle("deliveries", ({ urlParams }) => settings.deliveries(urlParams.status).pipe(inTenant(NotificationsPolicy.read), asProblem))
      .handle("retryDelivery", ({ path }) => settings.retry(path.deliveryId).pipe(inTenant(NotificationsPolicy.manage), asProblem))
  })
).pipe(Layer.provide(NotificationSettings.Default))
