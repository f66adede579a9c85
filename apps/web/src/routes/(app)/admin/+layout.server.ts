import { error, redirect } from "@sveltejs/kit"
import { mfaSetupHref, signInHref } from "$lib/dashboard/links.js"
import { loadMe } from "$lib/server/auth.js"
import type { LayoutServerLoad } from "./$types"

/** Platform admins only: anyone else, a tenant's owner too, finds nothing here (404, as the API answers). */
export const load: LayoutServerLoad = async (event) => {
  if (event.locals.session?.data.accessToken === undefined) redirect(303, signInHref(event.url.pathname + event.url.search))
  const me = await loadMe(event)
  if (!me.user.isPlatformAdmin) error(404, "Not found")
  // As an owner: the authenticator first (the API refuses /admin with 403 mfa-setup-required until then).
  if (me.mfaSetupRequired) redirect(303, mfaSetupHref(event.url.pathname + event.url.search))
  return { me }
}
