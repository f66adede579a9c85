import { Data, type Duration } from "effect"

/**
 * A send that did not go through. `message` is what the delivery log shows: never a token, a key or a
 * provider's whole answer. `permanent`: trying again cannot help (a refused address, an unknown chat).
 * `retryAfter`: the provider said when to come back (Telegram's 429).
 */
export class DeliveryFailed extends Data.TaggedError("DeliveryFailed")<{
  readonly message: string
  readonly permanent: boolean
  readonly retryAfter?: Duration.Duration | undefined
}> {}
