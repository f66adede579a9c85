import { fail } from "@sveltejs/kit"
import { allows, Invitation, Member, TeamPolicy } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { roles, type Role } from "$lib/dashboard/format.js"
import { invitationHref } from "$lib/dashboard/links.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import { publicOrigin } from "$lib/server/csrf.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeMembers = Schema.encodeSync(Schema.Array(Member))
const encodeInvitations = Schema.encodeSync(Schema.Array(Invitation))

const isRole = (value: unknown): value is Role => roles.includes(value as Role)

/** The team (and, for owners and admins, the open invitations), read on the server as the session's person. */
export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent()
  const slug = event.params.tenant
  const role = me.memberships.find((membership) => membership.tenantSlug === slug)?.role
  const withInvitations = role !== undefined && allows(TeamPolicy.invitations, role)
  const [members, invitations] = await loadAs(event, (client) =>
    Effect.all(
      [
        client.members.list(tenantHeaders(slug)),
        withInvitations ? client.members.invitations(tenantHeaders(slug)) : Effect.succeed(undefined)
      ],
      { concurrency: 2 }
    )
  )
  return { members: encodeMembers(members), invitations: invitations === undefined ? undefined : encodeInvitations(invitations) }
}

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}

export const actions: Actions = {
  changeRole: async (event) => {
    const data = await event.request.formData()
    const memberId = text(data, "memberId")
    const email = text(data, "email")
    const role = text(data, "role")
    if (!isRole(role)) return fail(400, { error: m.dash_error_invalid_request() })
    const result = await actAs(event, (client) =>
      client.members.changeRole({ ...tenantHeaders(event.params.tenant), path: { memberId }, payload: { role } })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
    return { done: m.dash_role_changed({ email }) }
  },
  remove: async (event) => {
    const data = await event.request.formData()
    const memberId = text(data, "memberId")
    const email = text(data, "email")
    const result = await actAs(event, (client) => client.members.remove({ ...tenantHeaders(event.params.tenant), path: { memberId } }))
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
    return { done: m.dash_member_removed({ email }) }
  },
  revoke: async (event) => {
    const data = await event.request.formData()
    const email = text(data, "email")
    const result = await actAs(event, (client) =>
      client.members.revokeInvitation({ ...tenantHeaders(event.params.tenant), path: { invitationId: text(data, "invitationId") } })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { revokeError: result.left.message })
    return { revoked: m.dash_members_revoked({ email }) }
  },
  invite: async (event) => {
    const data = await event.request.formData()
    const email = text(data, "email").trim()
    const role = text(data, "role")
    if (!isRole(role)) return fail(400, { inviteError: m.dash_error_invalid_request(), email })
    const slug = event.params.tenant
    const result = await actAs(event, (client) => client.members.invite({ ...tenantHeaders(slug), payload: { email, role } }))
    if (Either.isLeft(result)) return fail(result.left.status, { inviteError: result.left.message, email })
    const invitation = result.right.invitation
    // The API answers with the link only; whether an email went out is the delivery log's to say.
    const log = await actAs(event, (client) => client.notifications.deliveries({ ...tenantHeaders(slug), urlParams: {} }))
    const emailed = Either.isRight(log) && log.right.some((row) => row.event === "member.invited" && row.target === invitation.email)
    return { created: { email: invitation.email, link: invitationHref(publicOrigin(event.url), slug, result.right.token), emailed } }
  }
}
