import { SqlClient, SqlSchema } from "@effect/sql"
import { TenantSql } from "@manara/db"
import { Membership, Role, TenantId, type TenantAccess, type UserId } from "@manara/domain"
import { TenantChanges } from "./TenantChanges.js"
import { Cache, Data, Duration, Effect, Option, Schema } from "effect"

/** No active tenant has this slug, or the caller is not one of its members: both are a 404. */
export class NotAMember extends Data.TaggedError("NotAMember")<{}> {}

const TenantRow = Schema.Struct({ id: TenantId, slug: Schema.String, name_ar: Schema.String, name_en: Schema.String })
const MembershipRow = Schema.Struct({ slug: Schema.String, name_ar: Schema.String, name_en: Schema.String, role: Role })

export type { TenantAccess }

/**
 * Who belongs where. The tenant by slug goes through `app.tenant_by_slug`; the membership is read
 * under the tenant's own RLS. Both are cached for a few seconds (an authenticated read should not
 * pay two extra queries) and invalidated here whenever a membership changes.
 */
export class Memberships extends Effect.Service<Memberships>()("Tenancy/Memberships", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql

    const tenantBySlug = SqlSchema.findOne({
      Request: Schema.String,
      Result: TenantRow,
      execute: (slug) => sql`select * from app.tenant_by_slug(${slug})`
    })
    const forUserRows = SqlSchema.findAll({
      Request: Schema.String,
      Result: MembershipRow,
      execute: (userId) => sql`select slug, name_ar, name_en, role from app.user_memberships(${userId})`
    })
    const memberRow = SqlSchema.findOne({
      Request: Schema.String,
      Result: Schema.Struct({ id: Schema.String, role: Role }),
      execute: (userId) => sql`select id, role from tenant_members where user_id = ${userId} and status = 'active'`
    })

    const tenants = yield* Cache.make({
      capacity: 10_000,
      timeToLive: Duration.seconds(30),
      lookup: (slug: string) => tenantBySlug(slug).pipe(Effect.orDie)
    })
    // Short: a removal made by another API process takes effect here within 3 s.
    const members = yield* Cache.make({
      capacity: 100_000,
      timeToLive: Duration.seconds(3),
      lookup: (key: string) => {
        const [tenantId, userId] = key.split("/") as [TenantId, string]
        return tenantSql.withTenant(tenantId, memberRow(userId)).pipe(Effect.orDie)
      }
    })

    /** The caller's membership of the tenant with this slug, or NotAMember. */
    const access = (slug: string, userId: UserId) =>
      Effect.gen(function* () {
        const tenant = yield* tenants.get(slug)
        if (Option.isNone(tenant)) return yield* new NotAMember()
        const member = yield* members.get(`${tenant.value.id}/${userId}`)
        if (Option.isNone(member)) return yield* new NotAMember()
        return {
          tenantId: tenant.value.id,
          slug: tenant.value.slug,
          memberId: member.value.id,
          role: member.value.role
        } satisfies TenantAccess
      })

    const forUser = (userId: UserId) =>
      forUserRows(userId).pipe(
        Effect.orDie,
        Effect.map((rows) =>
          rows.map((row) => new Membership({ tenantSlug: row.slug, tenantName: { ar: row.name_ar, en: row.name_en }, role: row.role }))
        )
      )

    /** An active tenant by slug, membership or not (an invitee is not a member yet). */
    const tenant = (slug: string) =>
      Effect.flatMap(
        tenants.get(slug),
        Option.match({
          onNone: () => Effect.fail(new NotAMember()),
          onSome: (found) => Effect.succeed({ id: found.id, slug: found.slug, name: { ar: found.name_ar, en: found.name_en } })
        })
      )

    const invalidate = (tenantId: TenantId, userId: string) => members.invalidate(`${tenantId}/${userId}`)
    // A suspended tenant's staff get 404 on their next request, whichever process suspended it.
    yield* (yield* TenantChanges).listen(tenants.invalidateAll)

    return { access, tenant, forUser, invalidate } as const
  })
}) {}
