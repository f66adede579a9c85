import { error } from "@sveltejs/kit"
import { readNotes } from "$lib/server/capture.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

/**
 * A pledge has no receipt token to read it back by (the API gives none): its confirmation is what
 * this browser kept when it was made, for a day; elsewhere it is a 404.
 */
export const load = (({ locals, params, cookies }) => {
  const storefront = requireStorefront(locals)
  const pledge = readNotes(cookies).find((kept) => kept.kind === "pledge" && kept.reference === params.reference)
  if (pledge === undefined || pledge.amount === undefined || pledge.dueDate === undefined) error(404, "Not found")
  return {
    storefront,
    pledge: {
      reference: pledge.reference,
      amount: pledge.amount,
      dueDate: pledge.dueDate,
      schedule: pledge.schedule ?? "once",
      instalments: pledge.instalments ?? 1,
      project: pledge.project ?? null
    }
  }
}) satisfies PageServerLoad
