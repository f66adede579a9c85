import { HttpApiMiddleware } from "@effect/platform"
import { Context, Schema } from "effect"
import type { Role } from "./Auth.js"
import { TenantId } from "./Ids.js"
import { Locale } from "./Locale.js"
import { Problems } from "./Problem.js"
import { Slug } from "./Slug.js"
import { Bilingual, Branding, TenantKind } from "./Storefront.js"

/** A tenant as the storefront sees it: enough to render the shell and to open its `TenantSql` door. */
export class ResolvedTenant extends Schema.Class<ResolvedTenant>("ResolvedTenant")({
  id: TenantId,
  slug: Slug,
  kind: TenantKind,
  name: Bilingual,
  defaultLocale: Locale,
  branding: Branding
}) {}

/** The storefront a public request is for, found from its host. */
export class CurrentStorefront extends Context.Tag("Tenancy/CurrentStorefront")<CurrentStorefront, ResolvedTenant>() {}

/**
 * Host -> tenant, once per public request, before its handler: the web server forwards the visitor's
 * host as `X-Forwarded-Host`, else `Host` is used. 404 when no tenant answers there; 403
 * `tenant-suspended` when the platform suspended it (no capture, no chat, the storefront's notice page).
 */
export class StorefrontHost extends HttpApiMiddleware.Tag<StorefrontHost>()("Tenancy/StorefrontHost", {
  failure: Schema.Union(Problems.NotFound, Problems.Forbidden),
  provides: CurrentStorefront
}) {}

/** The caller's membership of the tenant the request names. */
export interface TenantAccess {
  readonly tenantId: TenantId
  readonly slug: string
  readonly memberId: string
  readonly role: Role
}
export class CurrentAccess extends Context.Tag("Tenancy/CurrentAccess")<CurrentAccess, TenantAccess>() {}

/**
 * `X-Tenant` -> membership, once per dashboard request, after authentication: the slug must name a
 * tenant the caller belongs to, else 404 (never 403: a stranger learns nothing). The role is checked
 * by the endpoint's policy.
 */
export class TenantMembership extends HttpApiMiddleware.Tag<TenantMembership>()("Tenancy/TenantMembership", {
  failure: Problems.NotFound,
  provides: CurrentAccess
}) {}

/** Who may do what, in one place: the API enforces it, the dashboard hides what a role cannot do. */
export type Policy = ReadonlyArray<Role>

/** A tenant's team: everyone lists; owners and admins invite; owners change roles and remove. */
export const TeamPolicy = {
  list: ["owner", "admin", "member"],
  invitations: ["owner", "admin"],
  invite: ["owner", "admin"],
  revokeInvitation: ["owner", "admin"],
  changeRole: ["owner"],
  remove: ["owner"]
} as const satisfies Record<string, Policy>

/** A tenant's catalog: every member edits drafts, uploads and adds proofs; owners and admins publish. */
export const CatalogPolicy = {
  read: ["owner", "admin", "member"],
  edit: ["owner", "admin", "member"],
  publish: ["owner", "admin"]
} as const satisfies Record<string, Policy>

/** Every member works the inbox; money (payment received, refunds) is for owners and admins. */
export const InboxPolicy = {
  read: ["owner", "admin", "member"],
  status: ["owner", "admin", "member"],
  payment: ["owner", "admin"]
} as const satisfies Record<string, Policy>

/** Where a tenant's notifications go and what became of them: owners and admins. */
export const NotificationsPolicy = {
  read: ["owner", "admin"],
  manage: ["owner", "admin"]
} as const satisfies Record<string, Policy>

/** A member's own notifications (events per channel, the Telegram link): every member. */
export const MyNotificationsPolicy = {
  own: ["owner", "admin", "member"]
} as const satisfies Record<string, Policy>

/** The KPIs (visits, campaigns, amounts): any member. */
export const AnalyticsPolicy = {
  read: ["owner", "admin", "member"]
} as const satisfies Record<string, Policy>

/** The tenant's AI usage against its budget: owners and admins. */
export const AiPolicy = {
  read: ["owner", "admin"]
} as const satisfies Record<string, Policy>

/** The plan's usage against its limits: every member sees it (the dashboard's notice of a limit reached). */
export const PlanUsagePolicy = {
  read: ["owner", "admin", "member"]
} as const satisfies Record<string, Policy>

/** Whether a role may do what a policy allows. */
export const allows = (policy: Policy, role: Role): boolean => policy.includes(role)

/** Owners and admins manage a tenant only with an authenticator app set up. */
export const needsMfa = (role: Role): boolean => role === "owner" || role === "admin"
