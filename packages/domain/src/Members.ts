import { Schema } from "effect"
import { Email, Role } from "./Auth.js"
import { Timestamp } from "./Timestamp.js"

export class Member extends Schema.Class<Member>("Member")({
  id: Schema.UUID,
  userId: Schema.UUID,
  email: Schema.String,
  displayName: Schema.String,
  role: Role,
  mfaEnabled: Schema.Boolean,
  joinedAt: Timestamp
}) {}

export class Invitation extends Schema.Class<Invitation>("Invitation")({
  id: Schema.UUID,
  email: Schema.String,
  role: Role,
  expiresAt: Timestamp
}) {}

/** Only returned once, to the inviter: the link carries the token, the database only its hash. */
export class CreatedInvitation extends Schema.Class<CreatedInvitation>("CreatedInvitation")({
  invitation: Invitation,
  token: Schema.String
}) {}

export const InviteRequest = Schema.Struct({ email: Email, role: Role })
export const AcceptInvitationRequest = Schema.Struct({
  token: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{20,128}$/, { message: () => "an invitation token" }))
})
/**
 * What an invitation's link shows before anyone signs in: who invites, to which role, for which email.
 * The token (32 random bytes) is the secret, so its holder may see the address it was sent to.
 */
export class InvitationPreview extends Schema.Class<InvitationPreview>("InvitationPreview")({
  tenant: Schema.Struct({ slug: Schema.String, name: Schema.Struct({ ar: Schema.String, en: Schema.String }) }),
  email: Schema.String,
  role: Role,
  expiresAt: Timestamp
}) {}

export const ChangeRoleRequest = Schema.Struct({ role: Role })

export class PlatformTenant extends Schema.Class<PlatformTenant>("PlatformTenant")({
  id: Schema.UUID,
  slug: Schema.String,
  name: Schema.Struct({ ar: Schema.String, en: Schema.String }),
  kind: Schema.String,
  status: Schema.String,
  planCode: Schema.String,
  members: Schema.Int
}) {}
