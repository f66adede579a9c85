import { fail, redirect } from "@sveltejs/kit"
import { landingHref, safeNext, totpCode } from "$lib/dashboard/links.js"
import { m } from "$lib/paraglide/messages.js"
import { abandonChallenge, codeStep, loadMe, passwordStep } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

/** Which step to show: the code once the password was accepted (the challenge is in the session, not the page). */
export const load: PageServerLoad = ({ locals }) => ({
  step: locals.session?.data.challenge === undefined ? ("password" as const) : ("code" as const)
})

const nextOf = (url: URL) => safeNext(url.searchParams.get("next"), url.origin)

/** This page again, without the action's query: after the password step, the code step shows on a GET. */
const thisPage = (url: URL) =>
  url.pathname + (url.searchParams.has("next") ? `?next=${encodeURIComponent(url.searchParams.get("next")!)}` : "")

const field = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}

export const actions: Actions = {
  password: async (event) => {
    const data = await event.request.formData()
    const email = field(data, "email").trim()
    const password = field(data, "password")
    if (email === "" || password === "") return fail(400, { step: "password" as const, email, error: m.dash_signin_bad_credentials() })
    const outcome = await passwordStep(event, email, password)
    if (outcome._tag === "Failed") {
      const { message, status, retryAfter } = outcome.failure
      return fail(status, { step: "password" as const, email, ...(status === 429 ? { retryAfter: retryAfter ?? 60 } : { error: message }) })
    }
    if (outcome._tag === "Challenge") redirect(303, thisPage(event.url))
    redirect(303, landingHref(await loadMe(event), nextOf(event.url)))
  },
  code: async (event) => {
    const data = await event.request.formData()
    const code = totpCode(field(data, "code"))
    if (code === undefined) return fail(400, { step: "code" as const, error: m.dash_code_malformed() })
    const outcome = await codeStep(event, code)
    if (outcome._tag === "NoChallenge") redirect(303, thisPage(event.url))
    if (outcome._tag === "Failed") {
      const { message, status, retryAfter } = outcome.failure
      return fail(status, { step: "code" as const, ...(status === 429 ? { retryAfter: retryAfter ?? 60 } : { error: message }) })
    }
    redirect(303, landingHref(await loadMe(event), nextOf(event.url)))
  },
  restart: async (event) => {
    await abandonChallenge(event)
    redirect(303, thisPage(event.url))
  }
}
