import { error, fail } from "@sveltejs/kit"
import { InboxDetail, PaymentState } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { describeInboxFailure, KINDS, type CaptureKind } from "$lib/dashboard/inbox.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeDetail = Schema.encodeSync(InboxDetail)
const isPaymentState = Schema.is(PaymentState)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const captureOf = (params: { kind: string; id: string }) => {
  const kind = KINDS.find((one) => one === params.kind)
  if (kind === undefined || !UUID.test(params.id)) error(404, m.dash_inbox_error_not_found())
  return { kind, id: params.id }
}

/** The capture and the team's names (for its history; without them it says "a team member"), on the server. */
export const load: PageServerLoad = async (event) => {
  const { kind, id } = captureOf(event.params)
  const headers = tenantHeaders(event.params.tenant)
  const [detail, members] = await loadAs(
    event,
    (client) =>
      Effect.all(
        [client.inbox.detail({ ...headers, path: { kind, id } }), client.members.list(headers).pipe(Effect.orElseSucceed(() => []))],
        { concurrency: 2 }
      ),
    describeInboxFailure
  )
  return {
    detail: encodeDetail(detail),
    people: Object.fromEntries(members.map((member) => [member.userId, member.displayName || member.email]))
  }
}

const note = (data: FormData) => String(data.get("note") ?? "").trim()

const answered = (result: Either.Either<InboxDetail, { readonly message: string; readonly status: number; readonly problem?: unknown }>) =>
  Either.isLeft(result)
    ? fail(result.left.status, {
        error: result.left.problem === undefined ? result.left.message : describeInboxFailure(result.left.problem)
      })
    : { detail: encodeDetail(result.right) }

export const actions: Actions = {
  status: async (event) => {
    const { kind, id } = captureOf(event.params)
    const data = await event.request.formData()
    const to = String(data.get("to") ?? "")
    const result = await actAs(event, (client) =>
      client.inbox.changeStatus({ ...tenantHeaders(event.params.tenant), path: { kind, id }, payload: { to, note: note(data) } })
    )
    return Either.isRight(result) ? { moved: true as const, ...answered(result) } : answered(result)
  },
  payment: async (event) => {
    const { kind, id } = captureOf(event.params)
    if (kind === "pledge") return fail(400, { error: m.dash_error_invalid_request() })
    const data = await event.request.formData()
    const state = String(data.get("state") ?? "")
    if (!isPaymentState(state)) return fail(400, { error: m.dash_error_invalid_request() })
    const result = await actAs(event, (client) =>
      client.inbox.markPayment({
        ...tenantHeaders(event.params.tenant),
        path: { kind: kind as Exclude<CaptureKind, "pledge">, id },
        payload: { state, note: note(data) }
      })
    )
    return Either.isRight(result) ? { paid: state, ...answered(result) } : answered(result)
  }
}
