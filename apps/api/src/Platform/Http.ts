import { HttpApiBuilder } from "@effect/platform"
import { AiReports } from "@manara/ai-gateway"
import { planUsage } from "@manara/db"
import { CurrentUser, ManaraApi, PlanUsagePolicy, type Problem, problem, TenantId } from "@manara/domain"
import { PublicCache } from "@manara/catalog"
import { PlatformTenants } from "@manara/tenancy"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inTenant } from "../Tenancy/Middleware.js"

/**
 * A platform admin without an authenticator app: 403 `mfa-setup-required`, as for a tenant's owners.
 * Anyone else goes on to the service, which answers them 404.
 */
const mfaFirst = <A, R>(effect: Effect.Effect<A, Problem, R>): Effect.Effect<A, Problem, R | CurrentUser> =>
  Effect.flatMap(CurrentUser, (user) =>
    user.isPlatformAdmin && !user.mfaEnabled
      ? Effect.fail(problem(403, "mfa-setup-required", "Set up an authenticator app before using the platform console"))
      : effect
  )

/** `/admin/*`: the signed-in user, then the service, which answers 404 to anyone but a platform admin. */
export const PlatformLive = HttpApiBuilder.group(
  ManaraApi,
  "platform",
  (handlers) =>
    Effect.gen(function* () {
      const tenants = yield* PlatformTenants
      const reports = yield* AiReports
      const cache = yield* PublicCache
      // A suspension or reactivation bumps the tenant's public version: kept pages (web page cache, CDN revalidation) go at once.
      const setStatus = (tenantId: string, status: "active" | "suspended") =>
        Effect.flatMap(CurrentUser, (user) => tenants.setStatus(user, tenantId, status)).pipe(
          Effect.tap((detail) => cache.invalidate(TenantId.make(detail.id), detail.slug))
        )
      return handlers
        .handle("tenants", () => Effect.flatMap(CurrentUser, tenants.list).pipe(asProblem, mfaFirst))
        .handle("aiUsage", ({ urlParams }) =>
          Effect.flatMap(CurrentUser, (user) => reports.platformUsage(user, urlParams.month)).pipe(asProblem, mfaFirst)
        )
        .handle("setAiBudget", ({ path, payload }) =>
          Effect.flatMap(CurrentUser, (user) => reports.setBudget(user, TenantId.make(path.tenantId), payload)).pipe(asProblem, mfaFirst)
        )
        .handle("searchTenants", ({ urlParams }) =>
          Effect.flatMap(CurrentUser, (user) => tenants.search(user, urlParams)).pipe(asProblem, mfaFirst)
        )
        .handle("createTenant", ({ payload }) =>
          Effect.flatMap(CurrentUser, (user) => tenants.create(user, payload)).pipe(asProblem, mfaFirst)
        )
        .handle("tenant", ({ path }) =>
          Effect.flatMap(CurrentUser, (user) => tenants.detail(user, path.tenantId)).pipe(asProblem, mfaFirst)
        )
        .handle("suspendTenant", ({ path }) => setStatus(path.tenantId, "suspended").pipe(asProblem, mfaFirst))
        .handle("reactivateTenant", ({ path }) => setStatus(path.tenantId, "active").pipe(asProblem, mfaFirst))
        .handle("setTenantPlan", ({ path, payload }) =>
          Effect.flatMap(CurrentUser, (user) => tenants.setPlan(user, path.tenantId, payload)).pipe(asProblem, mfaFirst)
        )
        .handle("plans", () => Effect.flatMap(CurrentUser, tenants.plans).pipe(asProblem, mfaFirst))
        .handle("savePlan", ({ path, payload }) =>
          Effect.flatMap(CurrentUser, (user) => tenants.savePlan(user, path.code, payload)).pipe(asProblem, mfaFirst)
        )
        .handle("figures", ({ urlParams }) =>
          Effect.flatMap(CurrentUser, (user) => tenants.figures(user, urlParams)).pipe(asProblem, mfaFirst)
        )
    })
  // `PlatformTenants` announces suspensions through `TenantChanges`: every process's host and slug caches forget them.
).pipe(Layer.provide(PlatformTenants.Default), Layer.provide(PublicCache.Default))

/** The tenant's plan usage against its limits (any member). */
export const PlanUsageLive = HttpApiBuilder.group(ManaraApi, "planUsage", (handlers) =>
  Effect.succeed(handlers.handle("usage", () => planUsage.pipe(inTenant(PlanUsagePolicy.read), asProblem)))
)
