import { fail, redirect } from "@sveltejs/kit"
import { Me } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { landingHref, signInHref } from "$lib/dashboard/links.js"
import { actAs, signOut, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeMe = Schema.encodeSync(Me)

// The link carries the tenant too: accepting names it in `X-Tenant`, since the invitee is no member yet.
const linkOf = (url: URL) => {
  const tenant = url.searchParams.get("tenant") ?? ""
  const token = url.searchParams.get("token") ?? ""
  const wellFormed = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(tenant) && /^[A-Za-z0-9_-]{20,128}$/.test(token)
  return { tenant, token, wellFormed }
}

/** The link back here, without an action's query: what sign-in comes back to. */
const here = (url: URL) => {
  const { tenant, token } = linkOf(url)
  return `${url.pathname}?tenant=${encodeURIComponent(tenant)}&token=${encodeURIComponent(token)}`
}

export const load: PageServerLoad = async ({ url, parent }) => {
  const { me } = await parent()
  const { tenant, wellFormed } = linkOf(url)
  return { tenant, wellFormed, email: me?.user.email }
}

export const actions: Actions = {
  /** Joins, then opens the tenant (or MFA setup first, for an admin). */
  accept: async (event) => {
    const { tenant, token, wellFormed } = linkOf(event.url)
    if (!wellFormed) return fail(400, { error: "" })
    const result = await actAs(event, (client) =>
      Effect.zipRight(client.members.accept({ ...tenantHeaders(tenant), payload: { token } }), client.auth.me())
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
    redirect(303, landingHref(encodeMe(result.right), `/dashboard/${tenant}`))
  },
  /** Another account: signs out here, then sign-in comes back to the link. */
  switch: async (event) => {
    await signOut(event)
    redirect(303, signInHref(here(event.url)))
  }
}
