import { fail } from "@sveltejs/kit"
import { parseMoney, Plan } from "@manara/domain"
import { Either, Schema } from "effect"
import { field, wholeNumber } from "$lib/dashboard/platform.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodePlans = Schema.encodeSync(Schema.Array(Plan))

export const load: PageServerLoad = async (event) => {
  const plans = await loadAs(event, (client) => client.platform.plans())
  return { plans: encodePlans(plans) }
}

export const actions: Actions = {
  save: async (event) => {
    const data = await event.request.formData()
    const code = field(data, "code")
    const numbers = ["items", "storage", "members", "captures", "aiTokens", "aiCost"].map((name) => wholeNumber(field(data, name)))
    const price = parseMoney(field(data, "price"))
    if (numbers.some((value) => value === undefined) || price === undefined)
      return fail(400, { error: m.dash_error_invalid_request(), code })
    const [items, storage, members, captures, aiTokens, aiCost] = numbers as Array<number>
    const result = await actAs(event, (client) =>
      client.platform.savePlan({
        path: { code },
        payload: {
          name: { ar: field(data, "nameAr"), en: field(data, "nameEn") },
          aiBudget: { tokens: BigInt(aiTokens!), costMicrofils: BigInt(aiCost!) },
          limits: { items: items!, storage: storage!, members: members!, captures: captures! },
          price
        }
      })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message, code })
    return { done: m.admin_plan_saved({ code }), code }
  }
}
