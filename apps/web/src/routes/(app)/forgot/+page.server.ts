import { fail, redirect } from "@sveltejs/kit"
import { Either } from "effect"
import { latinDigits } from "$lib/dashboard/links.js"
import { m } from "$lib/paraglide/messages.js"
import { localizeHref } from "$lib/paraglide/runtime.js"
import { anonymousStep, type StepFailure } from "$lib/server/auth.js"
import type { Actions } from "./$types"

const field = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}

/** A refusal as the page shows it: our words, or the wait after a 429. */
const refused = (step: "email" | "reset", email: string, failure: StepFailure) =>
  fail(failure.status, {
    step,
    email,
    ...(failure.status === 429 ? { retryAfter: failure.retryAfter ?? 60 } : { error: failure.message })
  })

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

/** Forgotten password: the email (a code is sent), then the code and a new password, then sign-in. */
export const actions: Actions = {
  send: async (event) => {
    const email = field(await event.request.formData(), "email").trim()
    if (!EMAIL.test(email)) return fail(400, { step: "email" as const, email, error: m.dash_error_invalid_request() })
    const result = await anonymousStep(event, (client) => client.auth.forgotPassword({ payload: { email } }))
    if (Either.isLeft(result)) return refused("email", email, result.left)
    return { step: "reset" as const, email, sent: true }
  },
  reset: async (event) => {
    const data = await event.request.formData()
    const email = field(data, "email").trim()
    const code = latinDigits(field(data, "code")).replace(/\s/g, "")
    const password = field(data, "password")
    if (!EMAIL.test(email)) return fail(400, { step: "email" as const, email, error: m.dash_error_invalid_request() })
    if (!/^[0-9]{6}$/.test(code)) return fail(400, { step: "reset" as const, email, error: m.dash_code_malformed() })
    const result = await anonymousStep(event, (client) => client.auth.resetPassword({ payload: { email, code, password } }))
    if (Either.isLeft(result)) return refused("reset", email, result.left)
    redirect(303, `${localizeHref("/signin")}?reset=1`)
  }
}
