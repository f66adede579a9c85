/**
 * Every dashboard page, as the accessibility test visits it. A new page under src/routes/(app)/dashboard
 * (or src/routes/(app)/admin) is added here (its route id and its address from the fixtures); test/a11y.e2e.test.ts fails until it is.
 */
export interface PageFixtures {
  /** The tenant the signed-in owner manages (a second one makes the picker show). */
  readonly slug: string
  /** A project of that tenant's catalog. */
  readonly itemId: string
  /** A donation in its inbox. */
  readonly donationId: string
  /** That tenant's id (the platform admin's tenant page). */
  readonly tenantId: string
  /** A visitor's conversation with its assistant (handed off to staff). */
  readonly conversationId: string
}

export interface DashboardPage {
  /** SvelteKit's route id, e.g. "/(app)/dashboard/[tenant]/inbox". */
  readonly route: string
  /** The address without the locale prefix. */
  readonly path: (fixtures: PageFixtures) => string
  /** Who looks at it: the owner (MFA on, default) or an admin who has not set up MFA yet. */
  readonly as?: "owner" | "mfa-setup"
}

export const DASHBOARD_PAGES: ReadonlyArray<DashboardPage> = [
  { route: "/(app)/dashboard", path: () => "/dashboard" },
  { route: "/(app)/dashboard/mfa", path: () => "/dashboard/mfa" },
  { route: "/(app)/dashboard/mfa", path: () => "/dashboard/mfa", as: "mfa-setup" },
  { route: "/(app)/dashboard/[tenant]", path: ({ slug }) => `/dashboard/${slug}` },
  { route: "/(app)/dashboard/[tenant]/catalog", path: ({ slug }) => `/dashboard/${slug}/catalog` },
  { route: "/(app)/dashboard/[tenant]/catalog/new", path: ({ slug }) => `/dashboard/${slug}/catalog/new` },
  { route: "/(app)/dashboard/[tenant]/catalog/[id]", path: ({ slug, itemId }) => `/dashboard/${slug}/catalog/${itemId}` },
  { route: "/(app)/dashboard/[tenant]/inbox", path: ({ slug }) => `/dashboard/${slug}/inbox` },
  {
    route: "/(app)/dashboard/[tenant]/inbox/[kind]/[id]",
    path: ({ slug, donationId }) => `/dashboard/${slug}/inbox/donation/${donationId}`
  },
  { route: "/(app)/dashboard/[tenant]/members", path: ({ slug }) => `/dashboard/${slug}/members` },
  { route: "/(app)/dashboard/[tenant]/notifications", path: ({ slug }) => `/dashboard/${slug}/notifications` },
  { route: "/(app)/dashboard/[tenant]/my-notifications", path: ({ slug }) => `/dashboard/${slug}/my-notifications` },
  { route: "/(app)/dashboard/[tenant]/kpis", path: ({ slug }) => `/dashboard/${slug}/kpis` },
  { route: "/(app)/dashboard/[tenant]/ai", path: ({ slug }) => `/dashboard/${slug}/ai` },
  // The platform admin console (the test's owner is a platform admin too).
  { route: "/(app)/admin", path: () => "/admin" },
  { route: "/(app)/admin/tenants/new", path: () => "/admin/tenants/new" },
  { route: "/(app)/admin/tenants/[id]", path: ({ tenantId }) => `/admin/tenants/${tenantId}` },
  { route: "/(app)/admin/plans", path: () => "/admin/plans" },
  { route: "/(app)/dashboard/[tenant]/settings", path: ({ slug }) => `/dashboard/${slug}/settings` },
  { route: "/(app)/dashboard/[tenant]/domains", path: ({ slug }) => `/dashboard/${slug}/domains` },
  { route: "/(app)/dashboard/[tenant]/assistant", path: ({ slug }) => `/dashboard/${slug}/assistant` },
  {
    route: "/(app)/dashboard/[tenant]/assistant/[id]",
    path: ({ slug, conversationId }) => `/dashboard/${slug}/assistant/${conversationId}`
  },
  { route: "/(app)/dashboard/[tenant]/assistant/faqs", path: ({ slug }) => `/dashboard/${slug}/assistant/faqs` },
  { route: "/(app)/dashboard/[tenant]/assistant/settings", path: ({ slug }) => `/dashboard/${slug}/assistant/settings` }
  // Add new dashboard pages above this line.
]
