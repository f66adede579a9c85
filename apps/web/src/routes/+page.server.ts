import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

export const load = (({ locals }) => ({ storefront: requireStorefront(locals) })) satisfies PageServerLoad
