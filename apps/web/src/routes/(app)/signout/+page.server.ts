import { redirect } from "@sveltejs/kit"
import { localizeHref } from "$lib/paraglide/runtime.js"
import { signOut } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

/** Nothing to show: signing out is a POST (a link must not sign anyone out). */
export const load: PageServerLoad = () => redirect(303, localizeHref("/signin"))

export const actions: Actions = {
  /** Ends the session in Redis, revokes its refresh tokens at the API, and clears the cookie. */
  default: async (event) => {
    await signOut(event)
    redirect(303, localizeHref("/signin"))
  }
}
