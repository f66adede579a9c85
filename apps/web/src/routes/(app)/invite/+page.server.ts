import { fail, redirect } from "@sveltejs/kit"
import { Me } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { landingHref, latinDigits, signInHref } from "$lib/dashboard/links.js"
import { m } from "$lib/paraglide/messages.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { actAs, anonymousStep, signOut, type StepFailure, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad, RequestEvent } from "./$types"

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

/** The invitation as its link shows it to anyone holding it (the token is the secret): no sign-in needed. */
const previewOf = async (event: RequestEvent) => {
  const { tenant, token } = linkOf(event.url)
  const result = await anonymousStep(event, (client) => client.members.preview({ ...tenantHeaders(tenant), payload: { token } }))
  return Either.map(result, (found) => ({
    tenantName: getLocale() === "en" ? found.tenant.name.en || found.tenant.name.ar : found.tenant.name.ar,
    email: found.email,
    role: found.role
  }))
}

const field = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}

/** A refusal as the page shows it: our words, or the wait after a 429. */
const refused = (step: "account" | "code", failure: StepFailure) =>
  fail(failure.status, { step, ...(failure.status === 429 ? { retryAfter: failure.retryAfter ?? 60 } : { error: failure.message }) })

/**
 * The new account's steps take the email from the invitation itself, never from the form: the account
 * made here is the one the invitation was sent to.
 */
const withInvitedEmail = async <A>(event: RequestEvent, step: "account" | "code", work: (email: string) => Promise<A>) => {
  if (!linkOf(event.url).wellFormed) return fail(400, { step, error: m.dash_invite_link_broken() })
  const preview = await previewOf(event)
  if (Either.isLeft(preview)) return refused(step, preview.left)
  return work(preview.right.email)
}

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent()
  const { tenant, wellFormed } = linkOf(event.url)
  if (!wellFormed) return { tenant, wellFormed, email: me?.user.email, preview: undefined, previewError: undefined }
  const preview = await previewOf(event)
  return {
    tenant,
    wellFormed,
    email: me?.user.email,
    preview: Either.getOrUndefined(preview),
    previewError: Either.isLeft(preview) ? preview.left.message : undefined
  }
}

export const actions: Actions = {
  /** Joins, then opens the tenant (or MFA setup first, for an owner or admin). */
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
  },
  /** A new account for the invited email: Cognito emails a code, the next step asks for it. */
  signup: async (event) => {
    const password = field(await event.request.formData(), "password")
    return withInvitedEmail(event, "account", async (email) => {
      const locale = getLocale() === "en" ? "en" : "ar"
      const result = await anonymousStep(event, (client) => client.auth.signUp({ payload: { email, password, locale } }))
      if (Either.isLeft(result)) return refused("account", result.left)
      return { step: "code" as const, sent: true as const }
    })
  },
  /** The emailed code (Arabic-Indic digits too); then sign-in, which comes back here to accept. */
  confirm: async (event) => {
    const code = latinDigits(field(await event.request.formData(), "code")).replace(/\s/g, "")
    if (!/^[0-9]{6}$/.test(code)) return fail(400, { step: "code" as const, error: m.dash_code_malformed() })
    return withInvitedEmail(event, "code", async (email) => {
      const result = await anonymousStep(event, (client) => client.auth.confirmSignUp({ payload: { email, code } }))
      if (Either.isLeft(result)) return refused("code", result.left)
      redirect(303, `${signInHref(here(event.url))}&confirmed=1`)
    })
  },
  /** Another code, for the same invited email. */
  resend: async (event) =>
    withInvitedEmail(event, "code", async (email) => {
      const result = await anonymousStep(event, (client) => client.auth.resendSignUpCode({ payload: { email } }))
      if (Either.isLeft(result)) return refused("code", result.left)
      return { step: "code" as const, sent: true as const }
    })
}
