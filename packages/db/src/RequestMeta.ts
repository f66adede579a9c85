import { Effect, FiberRef } from "effect"
import { globalValue } from "effect/GlobalValue"

/** Who is asking, for logs and the audit log: set once per request by the API's request middleware. */
export interface RequestMeta {
  readonly requestId: string
  readonly ip: string | null
  /** Filled in as the request is resolved (the tenant and user middlewares), for its log line. */
  readonly who?: RequestWho
}

/** Who the request turned out to be for: mutable, one object per request. */
export interface RequestWho {
  tenantId?: string
  userId?: string
}

export const currentRequestMeta = globalValue("manara/currentRequestMeta", () =>
  FiberRef.unsafeMake<RequestMeta>({ requestId: "", ip: null })
)

/** Notes the request's tenant or user for its log line (a no-op outside a request). */
export const noteRequestWho = (who: RequestWho) =>
  Effect.map(FiberRef.get(currentRequestMeta), (meta) => {
    if (meta.who !== undefined) Object.assign(meta.who, who)
  })
