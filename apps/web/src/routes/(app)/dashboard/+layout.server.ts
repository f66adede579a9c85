import { redirect } from "@sveltejs/kit"
import { mfaSetupHref, signInHref } from "$lib/dashboard/links.js"
import { loadMe } from "$lib/server/auth.js"
import type { LayoutServerLoad } from "./$types"

/**
 * Every dashboard page renders on the server, for the person the session names: none goes to sign-in
 * (coming back here afterwards); an owner or admin without an authenticator sets one up first.
 */
export const load: LayoutServerLoad = async (event) => {
  const here = event.url.pathname + event.url.search
  if (event.locals.session?.data.accessToken === undefined) redirect(303, signInHref(here))
  const me = await loadMe(event)
  if (me.mfaSetupRequired && event.route.id !== "/(app)/dashboard/mfa") redirect(303, mfaSetupHref(here))
  return { me }
}
