import { readReceipt } from "$lib/server/capture.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

/**
 * Read again from the API by the receipt's token alone: a refresh, the link kept for later or opened
 * on another device shows the same thing (no cookie of this browser's is read).
 */
export const load = (async ({ locals, params, url }) => {
  const storefront = requireStorefront(locals)
  const receipt = await readReceipt(locals, url.host, params.token)
  return { storefront, receipt, token: params.token, category: receipt.category, project: receipt.project?.slug ?? null }
}) satisfies PageServerLoad
