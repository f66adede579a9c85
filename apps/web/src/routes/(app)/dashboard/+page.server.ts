import { redirect } from "@sveltejs/kit"
import { dashboardHref } from "$lib/dashboard/links.js"
import type { PageServerLoad } from "./$types"

/** One organisation: nothing to choose, straight to its dashboard. */
export const load: PageServerLoad = async ({ parent }) => {
  const { me } = await parent()
  if (me.memberships.length === 1) redirect(303, dashboardHref(me.memberships[0]!.tenantSlug))
}
