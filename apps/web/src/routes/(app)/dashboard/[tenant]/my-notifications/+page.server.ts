import { fail } from "@sveltejs/kit"
import { MyNotifications, MyNotificationsUpdate } from "@manara/domain"
import { Either, Schema } from "effect"
import { memberEvents, myNotificationProblem } from "$lib/dashboard/notifications.js"
import { formatCount } from "$lib/dashboard/format.js"
import { m } from "$lib/paraglide/messages.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeMine = Schema.encodeSync(MyNotifications)
const decodeUpdate = Schema.decodeUnknownEither(MyNotificationsUpdate)

/** The signed-in member's own preferences in this tenant (any role). */
export const load: PageServerLoad = async (event) => {
  const mine = await loadAs(event, (client) => client.myNotifications.myNotifications(tenantHeaders(event.params.tenant)))
  return { mine: encodeMine(mine) }
}

const refused = (failure: { readonly message: string; readonly problem?: Parameters<typeof myNotificationProblem>[0] }) =>
  myNotificationProblem(failure.problem) ?? failure.message

export const actions: Actions = {
  /** One checkbox per event and channel (`email:capture.order`, `telegram:payment.received`, ...). */
  save: async (event) => {
    const data = await event.request.formData()
    const chosen = (channel: string) => memberEvents.filter((name) => data.get(`${channel}:${name}`) !== null)
    const decoded = decodeUpdate({ locale: data.get("locale"), emailEvents: chosen("email"), telegramEvents: chosen("telegram") })
    if (Either.isLeft(decoded)) return fail(400, { error: m.dash_error_with_detail({ detail: "locale" }) })
    const result = await actAs(event, (client) =>
      client.myNotifications.setMyNotifications({ ...tenantHeaders(event.params.tenant), payload: decoded.right })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: refused(result.left) })
    return { done: m.dash_mynotify_saved() }
  },
  code: async (event) => {
    const result = await actAs(event, (client) => client.myNotifications.telegramLinkCode(tenantHeaders(event.params.tenant)))
    if (Either.isLeft(result)) return fail(result.left.status, { error: refused(result.left) })
    return { code: result.right.code, expiresAt: result.right.expiresAt }
  },
  unlink: async (event) => {
    const result = await actAs(event, (client) => client.myNotifications.unlinkTelegram(tenantHeaders(event.params.tenant)))
    if (Either.isLeft(result)) return fail(result.left.status, { error: refused(result.left) })
    return { done: m.dash_mynotify_unlinked() }
  },
  test: async (event) => {
    const result = await actAs(event, (client) => client.myNotifications.testMyNotifications(tenantHeaders(event.params.tenant)))
    if (Either.isLeft(result)) return fail(result.left.status, { error: refused(result.left) })
    return { done: m.dash_mynotify_test_queued({ count: result.right.length, shown: formatCount(result.right.length, getLocale()) }) }
  }
}
