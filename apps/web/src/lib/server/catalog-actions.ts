import { env } from "$env/dynamic/private"
import { fail, redirect } from "@sveltejs/kit"
import { apiFieldErrors, checkItem, type ItemFailure, itemPayload, type ItemValues, readItemForm } from "$lib/dashboard/catalog-form.js"
import { dashboardHref } from "$lib/dashboard/links.js"

interface Answer {
  readonly ok: boolean
  readonly status: number
  readonly body: Record<string, unknown> | undefined
}

/**
 * One call to the API as the person signed in, with the token their browser put in the form (it lives in
 * that browser's memory only, so the server cannot have it otherwise). Never logged, never sent back.
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
  // Only a refusal of the token itself: the browser refreshes it and sends again, once.
  if (answer.status === 401 && (kind === "invalid-token" || kind === "no-session" || kind === "")) {
    return fail(401, { values, errors: {}, reauth: true } satisfies ItemFailure)
  }
  const errors = apiFieldErrors(answer.body ?? {})
  if (Object.keys(errors).length > 0) return fail(400, { values, errors } satisfies ItemFailure)
  const detail = typeof answer.body?.detail === "string" ? answer.body.detail : undefined
  return fail(answer.status, { values, errors: {}, problem: { kind, status: answer.status, ...(detail === undefined ? {} : { detail }) } } satisfies ItemFailure)
}

const tokenOf = (data: FormData) => {
  const token = data.get("token")
  return typeof token === "string" ? token : ""
}

/** `?/create`: a new draft, then its page. */
export const createItem = async ({ request, params }: { request: Request; params: { tenant?: string } }) => {
  const data = await request.formData()
  const values = readItemForm(data)
  const errors = checkItem(values)
  if (Object.keys(errors).length > 0) return fail(400, { values, errors } satisfies ItemFailure)
  const token = tokenOf(data)
  if (token === "") return fail(401, { values, errors: {}, reauth: true } satisfies ItemFailure)
  const tenant = params.tenant ?? ""
  const answer = await tenantCall(token, tenant, "POST", "/tenant/catalog", itemPayload(values, true))
  if (!answer.ok) return refused(answer, values)
  redirect(303, dashboardHref(tenant, `/catalog/${encodeURIComponent(String(answer.body?.id))}?created`))
}

/** `?/save`: the item's fields (its kind comes along as a hidden field: it decides which money field applies). */
export const saveItem = async ({ request, params }: { request: Request; params: { tenant?: string; id?: string } }) => {
  const data = await request.formData()
  const values = readItemForm(data)
  const errors = checkItem(values)
  if (Object.keys(errors).length > 0) return fail(400, { values, errors } satisfies ItemFailure)
  const token = tokenOf(data)
  if (token === "") return fail(401, { values, errors: {}, reauth: true } satisfies ItemFailure)
  const answer = await tenantCall(token, params.tenant ?? "", "PATCH", `/tenant/catalog/${encodeURIComponent(params.id ?? "")}`, itemPayload(values, false))
  if (!answer.ok) return refused(answer, values)
  return { saved: true, item: answer.body }
}
