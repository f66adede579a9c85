import { fail, redirect } from "@sveltejs/kit"
import { landingHref, safeNext, totpCode } from "$lib/dashboard/links.js"
import { formatWait } from "$lib/dashboard/format.js"
import { m } from "$lib/paraglide/messages.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import QRCode from "qrcode"
import { abandonChallenge, codeStep, loadMe, passwordStep, setupChallengeSecret, setupCodeStep } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

/**
 * Which step to show (the challenge is in the session, not the page): the password; the code once the password was
 * accepted; or, when MFA is required and the person has none yet, the authenticator to set up (Cognito's MFA_SETUP).
 */
export const load: PageServerLoad = async (event) => {
  const data = event.locals.session?.data
  if (data?.setupChallenge !== undefined) {
    const setup = await setupChallengeSecret(event)
    if (setup !== undefined && !("failure" in setup)) {
      const qr = await QRCode.toString(setup.otpauthUri, { type: "svg", errorCorrectionLevel: "M", margin: 2 })
      return { step: "setup" as const, setup: { ...setup, qr } }
    }
    // Cognito's challenge session lapsed (minutes): back to the password, saying why.
    await abandonChallenge(event)
    return { step: "password" as const, expired: true }
  }
  return { step: data?.challenge === undefined ? ("password" as const) : ("code" as const) }
}

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
    if (outcome._tag === "Challenge" || outcome._tag === "SetupChallenge") redirect(303, thisPage(event.url))
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
  setup: async (event) => {
    const data = await event.request.formData()
    const code = totpCode(field(data, "code"))
    if (code === undefined) return fail(400, { step: "setup" as const, error: m.dash_code_malformed() })
    const outcome = await setupCodeStep(event, code)
    if (outcome._tag === "NoChallenge") redirect(303, thisPage(event.url))
    if (outcome._tag === "Failed") {
      const { message, status, retryAfter } = outcome.failure
      return fail(status, {
        step: "setup" as const,
        error: status === 429 ? m.dash_signin_rate_limited({ wait: formatWait(retryAfter ?? 60, getLocale()) }) : message
      })
    }
    redirect(303, landingHref(await loadMe(event), nextOf(event.url)))
  },
  restart: async (event) => {
    await abandonChallenge(event)
    redirect(303, thisPage(event.url))
  }
}
