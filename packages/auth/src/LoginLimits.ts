import { RedisClient } from "@manara/db"
import { Config, Data, Effect } from "effect"
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible"

/** Too many failed sign-ins: the caller may try again after `retryAfterSeconds`. */
export class RateLimited extends Data.TaggedError("RateLimited")<{
  readonly limit: number
  readonly retryAfterSeconds: number
  readonly windowSeconds: number
}> {}

const LimitsConfig = Config.all({
  perIp: Config.integer("LOGIN_LIMIT_PER_IP").pipe(Config.withDefault(30)),
  perAccount: Config.integer("LOGIN_LIMIT_PER_ACCOUNT").pipe(Config.withDefault(5)),
  windowSeconds: Config.integer("LOGIN_LIMIT_WINDOW_SECONDS").pipe(Config.withDefault(900)),
  // Emails with a code (sign-up, resend, forgotten password): every request counts, not only failures.
  codesPerIp: Config.integer("CODE_EMAIL_LIMIT_PER_IP").pipe(Config.withDefault(20)),
  codesPerAccount: Config.integer("CODE_EMAIL_LIMIT_PER_ACCOUNT").pipe(Config.withDefault(5))
})

/**
 * Failed sign-in attempts, counted in Redis per IP and per account (email), over a fixed window.
 * A blocked caller is refused before Cognito is asked; a success clears the account's count. While
 * Redis is unreachable an in-process limiter (rate-limiter-flexible's insurance) counts instead.
 */
export class LoginLimits extends Effect.Service<LoginLimits>()("Auth/LoginLimits", {
  effect: Effect.gen(function* () {
    const { client } = yield* RedisClient
    const config = yield* LimitsConfig
    // Redis down: the same limits, counted in this process (fail-safe, never a 500); back to Redis when it returns.
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterRedis({
        storeClient: client,
        useRedisPackage: false,
        keyPrefix,
        points,
        duration: config.windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: config.windowSeconds })
      })
    const byIp = limiter("rl:login:ip", config.perIp)
    const byAccount = limiter("rl:login:account", config.perAccount)
    const codesByIp = limiter("rl:codes:ip", config.codesPerIp)
    const codesByAccount = limiter("rl:codes:account", config.codesPerAccount)
    // Links looked at without signing in (an invitation's preview): a wrong token counts like a failed sign-in.
    const linksByIp = limiter("rl:links:ip", config.perIp)

    const refusal = (
      ipLimiter: RateLimiterRedis,
      accountLimiter: RateLimiterRedis,
      ipLimit: number,
      accountLimit: number,
      ip: string,
      account: string
    ) =>
      Effect.gen(function* () {
        const [ip_, account_] = yield* Effect.promise(() => Promise.all([ipLimiter.get(ip), accountLimiter.get(account)]))
        for (const [res, limit] of [
          [ip_, ipLimit],
          [account_, accountLimit]
        ] as const) {
          if (res !== null && res.consumedPoints >= limit) {
            return yield* new RateLimited({
              limit,
              retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
              windowSeconds: config.windowSeconds
            })
          }
        }
      })

    const blocked = (ip: string, account: string) => refusal(byIp, byAccount, config.perIp, config.perAccount, ip, account)

    const failed = (ip: string, account: string) =>
      Effect.promise(() => Promise.allSettled([byIp.consume(ip), byAccount.consume(account)])).pipe(Effect.asVoid)

    const succeeded = (account: string) => Effect.promise(() => byAccount.delete(account)).pipe(Effect.asVoid)

    /** Runs a sign-in attempt under the limits; `isFailure` says which errors count against them. */
    const guard = <A, E, R>(ip: string, email: string, attempt: Effect.Effect<A, E, R>, isFailure: (error: E) => boolean) => {
      const account = email.toLowerCase()
      return blocked(ip, account).pipe(
        Effect.zipRight(attempt),
        Effect.tapBoth({
          onFailure: (error) => (error instanceof RateLimited || !isFailure(error as E) ? Effect.void : failed(ip, account)),
          onSuccess: () => succeeded(account)
        })
      )
    }

    /** An email with a code is sent at most so often per IP and per address: each request counts, refused ones too. */
    const sending = <A, E, R>(ip: string, email: string, attempt: Effect.Effect<A, E, R>) => {
      const account = email.toLowerCase()
      return refusal(codesByIp, codesByAccount, config.codesPerIp, config.codesPerAccount, ip, account).pipe(
        Effect.zipRight(Effect.promise(() => Promise.allSettled([codesByIp.consume(ip), codesByAccount.consume(account)]))),
        Effect.zipRight(attempt)
      )
    }

    /** An anonymous look-up by a secret token, per IP: `isFailure` says which answers count (an unknown token). */
    const probing = <A, E, R>(ip: string, attempt: Effect.Effect<A, E, R>, isFailure: (error: E) => boolean) =>
      Effect.tryPromise(() => linksByIp.get(ip)).pipe(
        Effect.orElseSucceed(() => null),
        Effect.flatMap((res) =>
          res !== null && res.consumedPoints >= config.perIp
            ? Effect.fail(
                new RateLimited({
                  limit: config.perIp,
                  retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
                  windowSeconds: config.windowSeconds
                })
              )
            : Effect.void
        ),
        Effect.zipRight(attempt),
        Effect.tapError((error) =>
          error instanceof RateLimited || !isFailure(error as E)
            ? Effect.void
            : Effect.promise(() => linksByIp.consume(ip).catch(() => undefined))
        )
      )

    return { guard, sending, probing } as const
  })
}) {}
