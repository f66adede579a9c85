import { Data } from "effect"

/** The input is longer than the tenant's plan allows (characters, system text included). */
export class AiInputTooLong extends Data.TaggedError("AiInputTooLong")<{ readonly limit: number }> {}

/** The conversation has more user turns than the plan allows. */
export class AiTooManyTurns extends Data.TaggedError("AiTooManyTurns")<{ readonly limit: number }> {}

/** Too many calls from one address, in one conversation or at one tenant within the window. */
export class AiRateLimited extends Data.TaggedError("AiRateLimited")<{
  readonly scope: "tenant" | "conversation" | "ip"
  readonly retryAfterSeconds: number
}> {}

/** The call's estimate does not fit what is left of the month's budget (tokens or cost). */
export class AiBudgetExhausted extends Data.TaggedError("AiBudgetExhausted")<{
  readonly reason: "tokens" | "cost"
  /** Until the next budget month begins (Kuwait's calendar). */
  readonly retryAfterSeconds: number
}> {}

/** The quota store (Redis) cannot be reached, or the model has no price: refused, never unmetered. */
export class AiUnavailable extends Data.TaggedError("AiUnavailable")<{ readonly retryAfterSeconds: number }> {}

/** The provider failed mid-call (its error is logged; the caller is told no more). */
export class AiProviderFailed extends Data.TaggedError("AiProviderFailed")<{ readonly detail: string }> {}

/** The provider sent nothing for longer than the idle timeout. */
export class AiTimeout extends Data.TaggedError("AiTimeout")<{ readonly idleSeconds: number }> {}

/** The tenant is suspended or unknown: it has no AI. */
export class AiTenantInactive extends Data.TaggedError("AiTenantInactive")<{}> {}

/** Platform usage for someone who is not a platform admin (a 404, like the rest of that area). */
export class AiNotPlatformAdmin extends Data.TaggedError("AiNotPlatformAdmin")<{}> {}

/** A budget override for a tenant that does not exist. */
export class AiTenantNotFound extends Data.TaggedError("AiTenantNotFound")<{}> {}

/** What a call through the gateway can be refused or fail with. */
export type GatewayError =
  AiInputTooLong | AiTooManyTurns | AiRateLimited | AiBudgetExhausted | AiUnavailable | AiProviderFailed | AiTimeout | AiTenantInactive

/** Every expected failure of the package, for the API's problem mapping. */
export type AiGatewayError = GatewayError | AiNotPlatformAdmin | AiTenantNotFound
