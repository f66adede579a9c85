import { error } from "@sveltejs/kit"
import { HostHeader, normalizeHost, Storefront } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import type { ApiCall } from "./api.js"

/** The storefront as plain data: what `load` may return and the browser may see. */
export type StorefrontData = typeof Storefront.Encoded

export type StorefrontLookup =
  { readonly storefront: StorefrontData; readonly status?: never } | { readonly storefront?: never; readonly status: 403 | 404 | 503 }

const isHost = Schema.is(HostHeader)

/** Which tenant answers at `host` (the browser's `Host`, port included), asked of the API. */
export const lookupStorefront = async (api: ApiCall, host: string): Promise<StorefrontLookup> => {
  // A Host that is not a DNS name cannot belong to a tenant: no need to ask.
  if (!isHost(host)) return { status: 404 }
  const result = await api((client) =>
    client.storefront.storefront({ headers: { "x-forwarded-host": host } }).pipe(Effect.timeout("5 seconds"))
  )
  if (Either.isRight(result)) return { storefront: Schema.encodeSync(Storefront)(result.right) }
  // Suspended by the platform: the bilingual notice page instead of the storefront.
  const left = result.left as { readonly _tag: string; readonly status?: unknown; readonly type?: unknown }
  if (left._tag === "Problem" && left.status === 403 && left.type === "https://manara.app/problems/tenant-suspended") return { status: 403 }
  return { status: missingOrDown(result.left) }
}

/**
 * A failed public read as the page's status: 404 (not there) or 503 (the API is down, not the
 * thing gone). A 400/500 problem or an undecodable answer is a bug on one side of the contract: thrown.
 */
export const missingOrDown = (failure: { readonly _tag: string; readonly status?: unknown }): 404 | 503 => {
  switch (failure._tag) {
    case "Problem":
      if (failure.status === 404) return 404
      if (failure.status === 503) return 503
      break
    // Unreachable, answering garbage, or too slow.
    case "RequestError":
    case "ResponseError":
    case "TimeoutException":
      return 503
  }
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- the client's own failure, rethrown as it came
  throw failure
}

/** For storefront routes: the tenant, or the 404/503 error page in the visitor's language. */
export const requireStorefront = (locals: App.Locals): StorefrontData =>
  locals.storefront ??
  error(
    locals.storefrontStatus ?? 503,
    locals.storefrontStatus === 404
      ? "No storefront at this address"
      : locals.storefrontStatus === 403
        ? "This site is suspended"
        : "Storefront unavailable"
  )

/** The platform's own host (`PLATFORM_DOMAIN`, any port): its home is the landing page, not a storefront. */
export const isPlatformHost = (host: string, platformDomain: string): boolean => normalizeHost(host) === normalizeHost(platformDomain)
