import type { LayoutServerLoad } from "./$types"

// Never throws: the root layout also frames the error page, which needs to know whether a tenant answered.
export const load = (({ locals }) => ({ storefront: locals.storefront })) satisfies LayoutServerLoad
