import { PlatformFigures, PlatformTenant } from "@manara/domain"
import { Effect, Schema } from "effect"
import { loadAs } from "$lib/server/auth.js"
import type { PageServerLoad } from "./$types"

const encodeTenants = Schema.encodeSync(Schema.Array(PlatformTenant))
const encodeFigures = Schema.encodeSync(PlatformFigures)

/** Every tenant (or those the search names) and this month's platform-wide figures. */
export const load: PageServerLoad = async (event) => {
  const q = event.url.searchParams.get("q")?.trim().slice(0, 100) ?? ""
  const wanted = event.url.searchParams.get("status")
  const status = wanted === "active" || wanted === "suspended" ? wanted : undefined
  const [tenants, figures] = await loadAs(event, (client) =>
    Effect.all(
      [
        client.platform.searchTenants({ urlParams: { ...(q === "" ? {} : { q }), ...(status === undefined ? {} : { status }) } }),
        client.platform.figures({ urlParams: {} })
      ],
      { concurrency: 2 }
    )
  )
  return { tenants: encodeTenants(tenants), figures: encodeFigures(figures), q, status: status ?? "" }
}
