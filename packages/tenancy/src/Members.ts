import { SqlClient, SqlSchema, Statement } from "@effect/sql"
import { CurrentTenant, recordAudit, requireWithinPlan } from "@manara/db"
import { CreatedInvitation, Invitation, Member, Role, type SignedInUser } from "@manara/domain"
import { Data, Effect, Option, Schema } from "effect"
import { createHash, randomBytes } from "node:crypto"

export class MemberNotFound extends Data.TaggedError("MemberNotFound")<{}> {}
export class InvitationNotFound extends Data.TaggedError("InvitationNotFound")<{}> {}
export class InvitationUsed extends Data.TaggedError("InvitationUsed")<{}> {}
export class InvitationExpired extends Data.TaggedError("InvitationExpired")<{}> {}
/** Withdrawn by an owner or admin before anyone accepted it. */
export class InvitationRevoked extends Data.TaggedError("InvitationRevoked")<{}> {}
export class AlreadyMember extends Data.TaggedError("AlreadyMember")<{}> {}
/** Every tenant keeps at least one owner. */
export class LastOwner extends Data.TaggedError("LastOwner")<{}> {}

const INVITATION_DAYS = 7

export const hashInvitationToken = (token: string) => createHash("sha256").update(token).digest("hex")

const MemberRow = Schema.Struct({
  id: Schema.String,
  user_id: Schema.String,
  email: Schema.String,
  display_name: Schema.String,
  role: Role,
  mfa_enabled: Schema.Boolean,
  created_at: Schema.DateFromSelf
})
const toMember = (row: typeof MemberRow.Type) =>
  Schema.decodeSync(Member)({
    id: row.id,
    userId: row.user_id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    mfaEnabled: row.mfa_enabled,
    joinedAt: row.created_at.toISOString()
  })

const InvitationRow = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  role: Role,
  expires_at: Schema.DateFromSelf,
  accepted_at: Schema.NullOr(Schema.DateFromSelf),
  revoked_at: Schema.NullOr(Schema.DateFromSelf)
})
const toInvitation = (row: typeof InvitationRow.Type) =>
  Schema.decodeSync(Invitation)({ id: row.id, email: row.email, role: row.role, expiresAt: row.expires_at.toISOString() })

/**
 * A tenant's team. Every method runs inside the tenant's transaction (it requires `CurrentTenant`)
 * and every write records its audit row in that same transaction.
 */
export class Members extends Effect.Service<Members>()("Tenancy/Members", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const selectMembers = (where: Statement.Fragment) =>
      Effect.flatMap(CurrentTenant, (tenantId) =>
        Effect.flatMap(
          sql`
          select m.id, m.user_id, p.email, p.display_name, m.role, p.mfa_enabled, m.created_at
          from tenant_members m join app.member_profiles(${tenantId}) p on p.user_id = m.user_id
          where m.status = 'active' and ${where}
          order by m.created_at, m.id`,
          Schema.decodeUnknown(Schema.Array(MemberRow))
        )
      )

    const list = selectMembers(sql`true`).pipe(
      Effect.orDie,
      Effect.map((rows) => rows.map(toMember))
    )

    const find = (memberId: string) =>
      selectMembers(sql`m.id = ${memberId}`).pipe(
        Effect.orDie,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new MemberNotFound()) : Effect.succeed(rows[0]!)))
      )

    /** Locks the owners, so two requests cannot each remove "the other" last owner. */
    const ownerCount = sql<{ id: string }>`
      select id from tenant_members where role = 'owner' and status = 'active' for update`.pipe(
      Effect.orDie,
      Effect.map((rows) => rows.length)
    )

    const invite = (email: string, role: Role, by: SignedInUser) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        yield* requireWithinPlan("members", 1)
        const token = randomBytes(32).toString("base64url")
        const rows = yield* sql`
          insert into tenant_invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
          values (${tenantId}, ${email.toLowerCase()}, ${role}, ${hashInvitationToken(token)}, ${by.id},
                  now() + make_interval(days => ${INVITATION_DAYS}))
          returning id, email, role, expires_at, accepted_at, revoked_at`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Schema.Array(InvitationRow))),
          Effect.orDie
        )
        const invitation = toInvitation(rows[0]!)
        // The email with the accept link, in the same transaction; the token leaves the outbox once sent.
        yield* sql`
          insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
          values (${tenantId}, 'member.invited',
            ${JSON.stringify({ kind: "invitation", invitationId: invitation.id, role, expiresAt: invitation.expiresAt, token })}::jsonb,
            'email', ${invitation.email}, 'ar', ${`invitation:${invitation.id}`})`
        yield* recordAudit({
          actor: by.id,
          action: "member.invited",
          entityKind: "invitation",
          entityId: invitation.id,
          after: { email: invitation.email, role }
        })
        return new CreatedInvitation({ invitation, token })
      }).pipe(Effect.catchAll((error) => (error._tag === "PlanLimitReached" ? Effect.fail(error) : Effect.die(error))))

    const openInvitations = SqlSchema.findAll({
      Request: Schema.Void,
      Result: InvitationRow,
      execute: () => sql`
        select id, email, role, expires_at, accepted_at, revoked_at from tenant_invitations
        where accepted_at is null and revoked_at is null and expires_at > now() order by created_at desc, id desc`
    })(undefined).pipe(
      Effect.orDie,
      Effect.map((rows) => rows.map(toInvitation))
    )

    /** The open invitation this token opens, for the invitee who has not signed in; the same refusals as accepting. */
    const preview = (token: string) =>
      Effect.gen(function* () {
        const rows = yield* sql`
          select id, email, role, expires_at, accepted_at, revoked_at from tenant_invitations
          where token_hash = ${hashInvitationToken(token)}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Schema.Array(InvitationRow))),
          Effect.orDie
        )
        // Another tenant's token is invisible here (RLS): the same answer as a token that never was.
        const invitation = rows[0]
        if (invitation === undefined) return yield* new InvitationNotFound()
        if (invitation.accepted_at !== null) return yield* new InvitationUsed()
        if (invitation.revoked_at !== null) return yield* new InvitationRevoked()
        if (invitation.expires_at.getTime() <= Date.now()) return yield* new InvitationExpired()
        return toInvitation(invitation)
      })

    /** Single-use: the row is locked, checked and marked accepted in one transaction. */
    const accept = (token: string, user: SignedInUser) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const found = yield* sql`
          select id, email, role, expires_at, accepted_at, revoked_at from tenant_invitations
          where token_hash = ${hashInvitationToken(token)} for update`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Schema.Array(InvitationRow))),
          Effect.orDie,
          Effect.map((rows) => Option.fromNullable(rows[0]))
        )
        // Another tenant's token is invisible here (RLS): the same answer as a token that never was.
        if (Option.isNone(found) || found.value.email !== user.email.toLowerCase()) return yield* new InvitationNotFound()
        const invitation = found.value
        if (invitation.accepted_at !== null) return yield* new InvitationUsed()
        if (invitation.revoked_at !== null) return yield* new InvitationRevoked()
        if (invitation.expires_at.getTime() <= Date.now()) return yield* new InvitationExpired()
        const existing = yield* sql<{ status: string }>`select status from tenant_members where user_id = ${user.id}`.pipe(Effect.orDie)
        if (existing[0]?.status === "active") return yield* new AlreadyMember()
        // The invitation being accepted already holds its seat: refused only if the plan shrank since.
        yield* requireWithinPlan("members", 0)
        const inserted = yield* sql<{ id: string }>`
          insert into tenant_members (tenant_id, user_id, role, status, invited_by)
          select ${tenantId}, ${user.id}, role, 'active', invited_by from tenant_invitations where id = ${invitation.id}
          on conflict (tenant_id, user_id) do update set role = excluded.role, status = 'active', invited_by = excluded.invited_by
          returning id`.pipe(Effect.orDie)
        yield* sql`update tenant_invitations set accepted_at = now(), accepted_by = ${user.id} where id = ${invitation.id}`.pipe(
          Effect.orDie
        )
        yield* recordAudit({
          actor: user.id,
          action: "member.joined",
          entityKind: "member",
          entityId: inserted[0]!.id,
          after: { role: invitation.role }
        }).pipe(Effect.orDie)
        return toMember(yield* find(inserted[0]!.id).pipe(Effect.orDie))
      })

    /** Withdraws an open invitation: its link stops working. Revoking it again changes nothing. */
    const revoke = (invitationId: string, by: SignedInUser) =>
      Effect.gen(function* () {
        const rows = yield* sql`
          select id, email, role, expires_at, accepted_at, revoked_at from tenant_invitations
          where id = ${invitationId} for update`.pipe(Effect.flatMap(Schema.decodeUnknown(Schema.Array(InvitationRow))), Effect.orDie)
        // Another tenant's invitation is invisible here (RLS): the same answer as one that never was.
        const invitation = rows[0]
        if (invitation === undefined) return yield* new InvitationNotFound()
        if (invitation.accepted_at !== null) return yield* new InvitationUsed()
        if (invitation.revoked_at !== null) return
        yield* sql`update tenant_invitations set revoked_at = now(), revoked_by = ${by.id} where id = ${invitationId}`.pipe(Effect.orDie)
        yield* recordAudit({
          actor: by.id,
          action: "member.invitation_revoked",
          entityKind: "invitation",
          entityId: invitationId,
          before: { email: invitation.email, role: invitation.role }
        }).pipe(Effect.orDie)
      })

    const changeRole = (memberId: string, role: Role, by: SignedInUser) =>
      Effect.gen(function* () {
        const owners = yield* ownerCount
        const member = yield* find(memberId)
        if (member.role === role) return toMember(member)
        if (member.role === "owner" && owners <= 1) return yield* new LastOwner()
        yield* sql`update tenant_members set role = ${role} where id = ${memberId}`.pipe(Effect.orDie)
        yield* recordAudit({
          actor: by.id,
          action: "member.role_changed",
          entityKind: "member",
          entityId: memberId,
          before: { role: member.role },
          after: { role }
        }).pipe(Effect.orDie)
        return toMember({ ...member, role })
      })

    const remove = (memberId: string, by: SignedInUser) =>
      Effect.gen(function* () {
        const owners = yield* ownerCount
        const member = yield* find(memberId)
        if (member.role === "owner" && owners <= 1) return yield* new LastOwner()
        yield* sql`update tenant_members set status = 'removed' where id = ${memberId}`.pipe(Effect.orDie)
        yield* recordAudit({
          actor: by.id,
          action: "member.removed",
          entityKind: "member",
          entityId: memberId,
          before: { role: member.role, email: member.email }
        }).pipe(Effect.orDie)
        return member
      })

    return { list, find, invite, openInvitations, preview, accept, revoke, changeRole, remove } as const
  })
}) {}
