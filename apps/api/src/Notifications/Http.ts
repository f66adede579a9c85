import { HttpApiBuilder } from "@effect/platform"
import { ManaraApi, type Role } from "@manara/domain"
import { NotificationSettings } from "@manara/notifications"
import { Effect } from "effect"
import { asMember } from "../Members/Policy.js"
import { asProblem } from "../ProblemMapping.js"

/** Where a tenant's notifications go and what became of them: owners and admins. */
export const NotificationsPolicy = {
  read: ["owner", "admin"],
  manage: ["owner", "admin"]
} as const satisfies Record<string, ReadonlyArray<Role>>

export const NotificationsLive = HttpApiBuilder.group(ManaraApi, "notifications", (handlers) =>
  Effect.gen(function*() {
    const settings = yield* NotificationSettings
    return handlers
      .handle("preferences", ({ headers }) => settings.preferences().pipe(asMember(headers["x-tenant"], NotificationsPolicy.read), asProblem))
      .handle("addPreference", ({ headers, payload }) => settings.addPreference(payload).pipe(asMember(headers["x-tenant"], NotificationsPolicy.manage), asProblem))
      .handle("removePreference", ({ headers, path }) =>
        settings.removePreference(path.preferenceId).pipe(asMember(headers["x-tenant"], NotificationsPolicy.manage), asProblem))
      .handle("testPreference", ({ headers, path }) => settings.test(path.preferenceId).pipe(asMember(headers["x-tenant"], NotificationsPolicy.manage), asProblem))
      .handle("deliveries", ({ headers, urlParams }) => settings.deliveries(urlParams.status).pipe(asMember(headers["x-tenant"], NotificationsPolicy.read), asProblem))
      .handle("retryDelivery", ({ headers, path }) => settings.retry(path.deliveryId).pipe(asMember(headers["x-tenant"], NotificationsPolicy.manage), asProblem))
  }))
