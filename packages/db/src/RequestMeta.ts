import { FiberRef } from "effect"
import { globalValue } from "effect/GlobalValue"

/** Who is asking, for logs and the audit log: set once per request by the API's request middleware. */
export interface RequestMeta {
  readonly requestId: string
  readonly ip: string | null
}

export const currentRequestMeta = globalValue("manara/currentRequestMeta", () =>
  FiberRef.unsafeMake<RequestMeta>({ requestId: "", ip: null })
)
