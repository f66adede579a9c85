import type { ApiCall } from "$lib/server/api.js"
import type { MeData } from "$lib/server/auth.js"
import type { PublicVersionAt } from "$lib/server/public-data.js"
import type { Session } from "$lib/server/session.js"
import type { StorefrontData } from "$lib/server/storefront.js"

declare global {
  namespace App {
    interface Locals {
      /** The typed API client for this request, on `event.fetch`, as nobody in particular (the storefront's). */
      api: ApiCall
      /** The server-side session the `__Host-manara_session` cookie names, if any (its tokens never leave the server). */
      session: Session | undefined
      /** `GET /auth/me` for this request, asked at most once (`loadMe`). */
      me?: Promise<MeData>
      /** The tenant behind the request's host; undefined when none answers or the API is down. */
      storefront: StorefrontData | undefined
      /** Why `storefront` is undefined: 404 (no tenant at this host) or 503 (API unreachable). */
      storefrontStatus: 403 | 404 | 503 | undefined
      /** The tenant's public version read before this storefront page's data: its public reads are remembered at it. */
      publicVersion?: PublicVersionAt | undefined
    }
  }
}

export {}
