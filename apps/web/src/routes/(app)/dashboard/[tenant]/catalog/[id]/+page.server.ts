import { TRANSITIONS } from "@manara/domain"
import { saveItem } from "$lib/server/catalog-actions.js"
import type { Actions, PageServerLoad } from "./$types"

// The workflow comes from the domain on the server: importing it in the browser would ship the whole contract.
export const load = (() => ({ transitions: TRANSITIONS })) satisfies PageServerLoad

export const actions = { save: saveItem } satisfies Actions
