import { fail } from "@sveltejs/kit"
import { Delivery, DeliveryStatus, NewNotificationPreference, NotificationPreference } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { notificationProblem } from "$lib/dashboard/notifications.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodePreferences = Schema.encodeSync(Schema.Array(NotificationPreference))
const encodeDeliveries = Schema.encodeSync(Schema.Array(Delivery))
const decodeStatus = Schema.decodeUnknownOption(DeliveryStatus)
const decodePreference = Schema.decodeUnknownEither(NewNotificationPreference)

/** The preferences and the delivery log (`?status=dead` for the dead letters), both as the session's person; the API refuses members. */
export const load: PageServerLoad = async (event) => {
  const slug = event.params.tenant
  const status = decodeStatus(event.url.searchParams.get("status"))
  const urlParams = status._tag === "Some" ? { status: status.value } : {}
  const [preferences, deliveries] = await loadAs(event, (client) =>
    Effect.all(
      [client.notifications.preferences(tenantHeaders(slug)), client.notifications.deliveries({ ...tenantHeaders(slug), urlParams })],
      { concurrency: 2 }
    )
  )
  return {
    preferences: encodePreferences(preferences),
    deliveries: encodeDeliveries(deliveries),
    status: status._tag === "Some" ? status.value : undefined
  }
}

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value.trim() : ""
}

/** The words for a refused action: the notifications API's own problems, else the shared ones. */
const refused = (failure: { readonly message: string; readonly problem?: Parameters<typeof notificationProblem>[0] }) =>
  notificationProblem(failure.problem) ?? failure.message

export const actions: Actions = {
  add: async (event) => {
    const data = await event.request.formData()
    const channel = text(data, "channel")
    const target = text(data, "target")
    const locale = text(data, "locale")
    const form = { channel, target, locale }
    // Checked here against the contract, so a wrong target is named beside its field rather than a generic 400.
    const decoded = decodePreference({ channel, target, locale, events: ["capture.created"] })
    if (Either.isLeft(decoded)) {
      const targetError = channel === "telegram" ? m.dash_notify_target_invalid_chat() : m.dash_notify_target_invalid_email()
      return fail(400, { addError: targetError, targetInvalid: true, form })
    }
    const payload = decoded.right
    const headers = tenantHeaders(event.params.tenant)
    // Narrowed per channel: the client's overloads take one member of the union at a time.
    const result = await actAs(event, (client) =>
      payload.channel === "email"
        ? client.notifications.addPreference({ ...headers, payload })
        : client.notifications.addPreference({ ...headers, payload })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { addError: refused(result.left), form })
    return { done: m.dash_notify_added({ target: result.right.target }) }
  },
  remove: async (event) => {
    const data = await event.request.formData()
    const preferenceId = text(data, "preferenceId")
    const target = text(data, "target")
    const result = await actAs(event, (client) =>
      client.notifications.removePreference({ ...tenantHeaders(event.params.tenant), path: { preferenceId } })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: refused(result.left) })
    return { done: m.dash_notify_removed({ target }) }
  },
  test: async (event) => {
    const data = await event.request.formData()
    const preferenceId = text(data, "preferenceId")
    const result = await actAs(event, (client) =>
      client.notifications.testPreference({ ...tenantHeaders(event.params.tenant), path: { preferenceId } })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: refused(result.left) })
    return { done: m.dash_notify_test_queued({ target: result.right.target }), deliveryId: result.right.id }
  },
  retry: async (event) => {
    const data = await event.request.formData()
    const deliveryId = text(data, "deliveryId")
    const result = await actAs(event, (client) =>
      client.notifications.retryDelivery({ ...tenantHeaders(event.params.tenant), path: { deliveryId } })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: refused(result.left) })
    return { done: m.dash_notify_retried({ target: result.right.target }), deliveryId: result.right.id }
  }
}
