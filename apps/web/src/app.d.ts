import type { ApiCall } from "$lib/server/api.js"
import type { StorefrontData } from "$lib/server/storefront.js"

declare global {
  namespace App {
    interface Locals {
      /** The typed API client for this request, on `event.fetch`. */
      api: ApiCall
      /** The tenant behind the request's host; undefined when none answers or the API is down. */
      storefront: StorefrontData | undefined
      /** Why `storefront` is undefined: 404 (no tenant at this host) or 503 (API unreachable). */
      storefrontStatus: 404 | 503 | undefined
    }
  }
}

export {}
