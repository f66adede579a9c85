import { error, fail } from "@sveltejs/kit"
import { Plan, PlatformTenantDetail } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { field, LIMITS, wholeNumber } from "$lib/dashboard/platform.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeDetail = Schema.encodeSync(PlatformTenantDetail)
const encodePlans = Schema.encodeSync(Schema.Array(Plan))
const isId = Schema.is(Schema.UUID)

export const load: PageServerLoad = async (event) => {
  const tenantId = event.params.id
  if (!isId(tenantId)) error(404, "Not found")
  const [tenant, plans] = await loadAs(event, (client) =>
    Effect.all([client.platform.tenant({ path: { tenantId } }), client.platform.plans()], { concurrency: 2 })
  )
  return { tenant: encodeDetail(tenant), plans: encodePlans(plans), created: event.url.searchParams.get("created") }
}

const setStatus = (to: "suspend" | "reactivate") => async (event: Parameters<Actions[string]>[0]) => {
  const tenantId = event.params.id ?? ""
  const result = await actAs(event, (client) =>
    to === "suspend" ? client.platform.suspendTenant({ path: { tenantId } }) : client.platform.reactivateTenant({ path: { tenantId } })
  )
  if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
  return { done: to === "suspend" ? m.admin_tenant_suspended_done() : m.admin_tenant_reactivated_done() }
}

export const actions: Actions = {
  suspend: setStatus("suspend"),
  reactivate: setStatus("reactivate"),
  plan: async (event) => {
    const data = await event.request.formData()
    const overrides: Record<string, number | null> = {}
    for (const limit of LIMITS) {
      const text = field(data, limit)
      const value = text === "" ? null : wholeNumber(text)
      if (value === undefined) return fail(400, { error: m.dash_error_invalid_request() })
      overrides[limit] = value
    }
    const result = await actAs(event, (client) =>
      client.platform.setTenantPlan({
        path: { tenantId: event.params.id },
        payload: {
          planCode: field(data, "planCode"),
          overrides: { items: overrides.items!, storage: overrides.storage!, members: overrides.members!, captures: overrides.captures! }
        }
      })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
    return { done: m.admin_tenant_limits_saved() }
  }
}
