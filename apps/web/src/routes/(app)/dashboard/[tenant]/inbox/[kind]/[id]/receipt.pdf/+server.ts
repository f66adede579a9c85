import { error } from "@sveltejs/kit"
import { Either } from "effect"
import { describeInboxFailure } from "$lib/dashboard/inbox.js"
import { actAs, tenantHeaders } from "$lib/server/auth.js"
import type { RequestHandler } from "./$types"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An order's or a donation's receipt as a PDF, through the typed client with the session; named by its reference. */
export const GET: RequestHandler = async (event) => {
  const { kind, id, tenant } = event.params
  if ((kind !== "order" && kind !== "donation") || !UUID.test(id)) error(404, "Not found")
  const headers = tenantHeaders(tenant)
  const answer = await actAs(event, (client) => client.inbox.receiptPdf({ ...headers, path: { kind, id } }))
  if (Either.isLeft(answer))
    error(answer.left.status, answer.left.problem === undefined ? answer.left.message : describeInboxFailure(answer.left.problem))
  const reference = event.url.searchParams.get("reference") ?? ""
  const name = /^[A-Za-z0-9-]{1,40}$/.test(reference) ? reference : "receipt"
  return new Response(answer.right as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "application/pdf", "content-disposition": `attachment; filename="${name}.pdf"`, "cache-control": "no-store" }
  })
}
