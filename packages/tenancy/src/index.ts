export * from "./Storefronts.js"
export * from "./TenantChanges.js"
export * from "./CustomDomains.js"
export * from "./Memberships.js"
export * from "./Members.js"
export * from "./PlatformTenants.js"

import type {
  AlreadyMember,
  InvitationExpired,
  InvitationNotFound,
  InvitationRevoked,
  InvitationUsed,
  LastOwner,
  MemberNotFound
} from "./Members.js"
import type { NotAMember } from "./Memberships.js"
import type { InvalidFiguresRange, NotPlatformAdmin, PlanNotFound, PlatformTenantNotFound, TenantSlugTaken } from "./PlatformTenants.js"
import type { TenantNotFound, TenantSuspended } from "./Storefronts.js"
import type { InvalidSettings, SettingsChanged } from "./TenantSettings.js"
import type {
  CustomDomainInvalid,
  CustomDomainNotFound,
  CustomDomainNotVerified,
  CustomDomainRefused,
  CustomDomainTaken
} from "./CustomDomains.js"
/** Every expected failure of tenants and their teams: the API maps each to a problem. */
export type TenancyError =
  | TenantNotFound
  | NotAMember
  | MemberNotFound
  | InvitationNotFound
  | InvitationUsed
  | InvitationExpired
  | InvitationRevoked
  | AlreadyMember
  | LastOwner
  | NotPlatformAdmin
  | PlatformTenantNotFound
  | TenantSlugTaken
  | PlanNotFound
  | InvalidFiguresRange
  | TenantSuspended
  // Tenant settings
  | InvalidSettings
  | SettingsChanged
  // Custom domains
  | CustomDomainInvalid
  | CustomDomainRefused
  | CustomDomainTaken
  | CustomDomainNotFound
  | CustomDomainNotVerified
export * from "./TenantSettings.js"
