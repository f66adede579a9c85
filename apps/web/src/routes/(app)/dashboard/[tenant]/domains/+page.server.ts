import { fail } from "@sveltejs/kit"
import { CustomDomain } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encode = Schema.encodeSync(CustomDomain)

/** The tenant's custom domain as the session's person; the API refuses members (403). */
export const load: PageServerLoad = async (event) => {
  const domain = await loadAs(event, (client) => client.domains.read(tenantHeaders(event.params.tenant)))
  return { domain: encode(domain) }
}

export const actions: Actions = {
  claim: async (event) => {
    const typed = String((await event.request.formData()).get("domain") ?? "")
    const result = await actAs(event, (client) =>
      client.domains.claim({ ...tenantHeaders(event.params.tenant), payload: { domain: typed } }).pipe(Effect.map(encode))
    )
    if (Either.isLeft(result)) return fail(result.left.status, { typed, error: result.left.message })
    return { domain: result.right, done: m.dash_domain_claimed() }
  },
  verify: async (event) => {
    const result = await actAs(event, (client) => client.domains.verify(tenantHeaders(event.params.tenant)).pipe(Effect.map(encode)))
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
    return { domain: result.right, done: m.dash_domain_verified() }
  },
  remove: async (event) => {
    const result = await actAs(event, (client) => client.domains.remove(tenantHeaders(event.params.tenant)))
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
    return { domain: { status: "none" as const, domain: null, record: null, verifiedAt: null }, done: m.dash_domain_removed() }
  }
}
