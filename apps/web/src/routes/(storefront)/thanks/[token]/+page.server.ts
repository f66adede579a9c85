import { readNotes, readReceipt } from "$lib/server/capture.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

/** Read again from the API by the receipt's token: a refresh, or the link kept for later, shows it as it is now. */
export const load = (async ({ locals, params, url, cookies }) => {
  const storefront = requireStorefront(locals)
  const receipt = await readReceipt(locals, url.host, params.token)
  const note = readNotes(cookies).find((kept) => kept.token === params.token)
  return { storefront, receipt, token: params.token, category: note?.category ?? null, project: note?.project ?? null }
}) satisfies PageServerLoad
