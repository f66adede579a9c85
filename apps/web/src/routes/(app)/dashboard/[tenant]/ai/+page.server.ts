import { TenantAiUsage } from "@manara/domain"
import { Schema } from "effect"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { PageServerLoad } from "./$types"

const encodeUsage = Schema.encodeSync(TenantAiUsage)

/** This month's AI usage against the budget, as the session's person; the API refuses members. */
export const load: PageServerLoad = async (event) => {
  const usage = await loadAs(event, (client) => client.ai.usage({ ...tenantHeaders(event.params.tenant), urlParams: {} }))
  return { usage: encodeUsage(usage) }
}
