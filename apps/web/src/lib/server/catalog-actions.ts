import { env } from "$env/dynamic/private"
import { fail, redirect, type RequestEvent } from "@sveltejs/kit"
import { isSignedIn } from "./session.js"
import { apiFieldErrors, checkItem, type ItemFailure, itemPayload, type ItemValues, readItemForm } from "$lib/dashboard/catalog-form.js"
import { dashboardHref, signInHref } from "$lib/dashboard/links.js"

interface Answer {
  readonly ok: boolean
  readonly status: number
  readonly body: Record<string, unknown> | undefined
}

/**
 * One call to the API as the person signed in, with the access token of their server-side session
 * (hooks.server.ts has renewed it if it was about to expire). Never logged, never sent back.
 */
const tenantCall = async (token: string, tenant: string, method: string, path: string, body: unknown): Promise<Answer> => {
  try {
    const response = await fetch(new URL(`/api/v1${path}`, env.API_URL || "http://127.0.0.1:4000"), {
      method,
      headers: { authorization: `Bearer ${token}`, "x-tenant": tenant, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000)
    })
    return { ok: response.ok, status: response.status, body: await response.json().catch(() => undefined) }
  } catch {
    return { ok: false, status: 503, body: { type: "https://manara.app/problems/api-unavailable", status: 503 } }
  }
}

const kindOf = (body: Answer["body"]) => String(body?.type ?? "").replace("https://manara.app/problems/", "")

/** The API's refusal as the form's: by field when it names one, else as a problem for the whole form. */
const refused = (answer: Answer, values: ItemValues) => {
  const kind = kindOf(answer.body)
  // The token itself refused (revoked since): the session is of no more use.
  if (answer.status === 401 && (kind === "invalid-token" || kind === "no-session" || kind === "")) {
    return fail(401, { values, errors: {}, reauth: true } satisfies ItemFailure)
  }
  const errors = apiFieldErrors(answer.body ?? {})
  if (Object.keys(errors).length > 0) return fail(400, { values, errors } satisfies ItemFailure)
  const detail = typeof answer.body?.detail === "string" ? answer.body.detail : undefined
  return fail(answer.status, { values, errors: {}, problem: { kind, status: answer.status, ...(detail === undefined ? {} : { detail }) } } satisfies ItemFailure)
}

/** The session's access token; none (signed out meanwhile) goes to sign-in, coming back here. */
const tokenOf = (event: RequestEvent): string => {
  const session = event.locals.session
  if (!isSignedIn(session)) redirect(303, signInHref(event.url.pathname))
  return session.data.accessToken
}

/** `?/create`: a new draft, then its page. */
export const createItem = async (event: RequestEvent<{ tenant: string }>) => {
  const { request, params } = event
  const data = await request.formData()
  const values = readItemForm(data)
  const errors = checkItem(values)
  if (Object.keys(errors).length > 0) return fail(400, { values, errors } satisfies ItemFailure)
  const token = tokenOf(event)
  const tenant = params.tenant ?? ""
  const answer = await tenantCall(token, tenant, "POST", "/tenant/catalog", itemPayload(values, true))
  if (!answer.ok) return refused(answer, values)
  redirect(303, dashboardHref(tenant, `/catalog/${encodeURIComponent(String(answer.body?.id))}?created`))
}

/** `?/save`: the item's fields (its kind comes along as a hidden field: it decides which money field applies). */
export const saveItem = async (event: RequestEvent<{ tenant: string; id: string }>) => {
  const { request, params } = event
  const data = await request.formData()
  const values = readItemForm(data)
  const errors = checkItem(values)
  if (Object.keys(errors).length > 0) return fail(400, { values, errors } satisfies ItemFailure)
  const token = tokenOf(event)
  const answer = await tenantCall(token, params.tenant ?? "", "PATCH", `/tenant/catalog/${encodeURIComponent(params.id ?? "")}`, itemPayload(values, false))
  if (!answer.ok) return refused(answer, values)
  return { saved: true, item: answer.body }
}
