import { SqlClient } from "@effect/sql"
import { PlatformTenant, type SignedInUser } from "@manara/domain"
import { Data, Effect } from "effect"

/** Not a platform admin: the platform's area does not exist for them (a 404, like any unknown address). */
export class NotPlatformAdmin extends Data.TaggedError("NotPlatformAdmin")<{}> {}

/** Every tenant on the platform, for platform admins, through the SECURITY DEFINER `app.platform_tenants`. */
export class PlatformTenants extends Effect.Service<PlatformTenants>()("Tenancy/PlatformTenants", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const list = (user: SignedInUser) =>
      Effect.gen(function* () {
        if (!user.isPlatformAdmin) return yield* new NotPlatformAdmin()
        const rows = yield* sql<{
          id: string
          slug: string
          nameAr: string
          nameEn: string
          kind: string
          status: string
          planCode: string
          members: string
        }>`
          select id, slug, name_ar as "nameAr", name_en as "nameEn", kind, status, plan_code as "planCode", members::text as members
          from app.platform_tenants()`.pipe(Effect.orDie)
        return rows.map(
          (row) =>
            new PlatformTenant({
              id: row.id,
              slug: row.slug,
              name: { ar: row.nameAr, en: row.nameEn },
              kind: row.kind,
              status: row.status,
              planCode: row.planCode,
              members: Number(row.members)
            })
        )
      })

    return { list } as const
  })
}) {}
