import { fail, redirect } from "@sveltejs/kit"
import { Plan, TenantKind } from "@manara/domain"
import { Either, Schema } from "effect"
import { field } from "$lib/dashboard/platform.js"
import { m } from "$lib/paraglide/messages.js"
import { localizeHref } from "$lib/paraglide/runtime.js"
import { actAs, loadAs } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodePlans = Schema.encodeSync(Schema.Array(Plan))
const isKind = Schema.is(TenantKind)

export const load: PageServerLoad = async (event) => {
  const plans = await loadAs(event, (client) => client.platform.plans())
  return { plans: encodePlans(plans) }
}

export const actions: Actions = {
  create: async (event) => {
    const data = await event.request.formData()
    const values = {
      slug: field(data, "slug"),
      nameAr: field(data, "nameAr"),
      nameEn: field(data, "nameEn"),
      kind: field(data, "kind"),
      planCode: field(data, "planCode"),
      ownerEmail: field(data, "ownerEmail")
    }
    if (!isKind(values.kind)) return fail(400, { error: m.dash_error_invalid_request(), values })
    const kind = values.kind
    const result = await actAs(event, (client) =>
      client.platform.createTenant({
        payload: {
          slug: values.slug as never,
          name: { ar: values.nameAr, en: values.nameEn },
          kind,
          planCode: values.planCode,
          ownerEmail: values.ownerEmail
        }
      })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message, values })
    redirect(303, localizeHref(`/admin/tenants/${result.right.id}?created=${encodeURIComponent(result.right.ownerEmail)}`))
  }
}
