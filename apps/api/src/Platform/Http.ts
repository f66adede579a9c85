import { HttpApiBuilder } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { CurrentUser, ManaraApi, PlatformTenant, problem } from "@manara/domain"
import { Effect } from "effect"

export const PlatformLive = HttpApiBuilder.group(ManaraApi, "platform", (handlers) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return handlers.handle("tenants", () =>
      Effect.gen(function*() {
        const user = yield* CurrentUser
        // Not a platform admin: this area does not exist for you.
        if (!user.isPlatformAdmin) return yield* problem(404, "not-found", "No such endpoint")
        const rows = yield* sql<{ id: string; slug: string; nameAr: string; nameEn: string; kind: string; status: string; planCode: string; members: string }>`
          select id, slug, name_ar as "nameAr", name_en as "nameEn", kind, status, plan_code as "planCode", members::text as members
          from app.platform_tenants()`.pipe(Effect.orDie)
        return rows.map((row) =>
          new PlatformTenant({
            id: row.id,
            slug: row.slug,
            name: { ar: row.nameAr, en: row.nameEn },
            kind: row.kind,
            status: row.status,
            planCode: row.planCode,
            members: Number(row.members)
          }))
      }))
  }))
