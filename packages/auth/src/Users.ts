import { SqlClient, SqlSchema } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { SignedInUser, UserId } from "@manara/domain"
import { Cache, Duration, Effect, Option, Schema } from "effect"

const UserRow = Schema.Struct({
  id: UserId,
  email: Schema.String,
  display_name: Schema.String,
  locale: Schema.Literal("ar", "en"),
  is_platform_admin: Schema.Boolean,
  mfa_enabled: Schema.Boolean
})

/** The unique index on `lower(email)`: another users row holds the address. */
const isEmailTaken = (error: unknown) => {
  const cause = error instanceof SqlError ? (error.cause as { code?: string; constraint?: string } | undefined) : undefined
  return cause?.code === "23505" && cause.constraint === "users_email_key"
}

const toUser = (row: typeof UserRow.Type) =>
  new SignedInUser({
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    locale: row.locale,
    isPlatformAdmin: row.is_platform_admin,
    mfaEnabled: row.mfa_enabled
  })

/**
 * Our side of identity: a `users` row per Cognito `sub`, made just in time at sign-in, reached only
 * through SECURITY DEFINER functions. Lookups by `sub` are cached briefly so an authenticated
 * request costs no query; every change here invalidates the entry.
 */
export class Users extends Effect.Service<Users>()("Auth/Users", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const signInRow = SqlSchema.single({
      Request: Schema.Struct({ sub: Schema.String, email: Schema.String }),
      Result: UserRow,
      execute: ({ email, sub }) => sql`select * from app.sign_in_user(${sub}, ${email})`
    })
    const bySubRow = SqlSchema.findOne({
      Request: Schema.String,
      Result: UserRow,
      execute: (sub) => sql`select * from app.user_by_sub(${sub})`
    })

    const cache = yield* Cache.make({
      capacity: 50_000,
      timeToLive: Duration.seconds(60),
      lookup: (sub: string) => bySubRow(sub).pipe(Effect.orDie, Effect.map(Option.map(toUser)))
    })

    const signIn = (sub: string, email: string) =>
      signInRow({ sub, email }).pipe(
        // Cognito moved this person to an address a stale row of ours still holds (its Cognito user was
        // deleted or changed address without signing in since): they sign in with the address we have.
        Effect.catchIf(isEmailTaken, () =>
          Effect.logWarning("sign-in: the new email is held by another users row; the old one is kept").pipe(
            Effect.annotateLogs({ sub }),
            Effect.zipRight(bySubRow(sub)),
            // The row of this `sub` exists: only an update of its email can collide.
            Effect.flatMap((row) => row)
          )
        ),
        Effect.orDie,
        Effect.map(toUser),
        Effect.tap(() => cache.invalidate(sub))
      )

    /** None when Cognito knows the person but they never signed in here. */
    const bySub = (sub: string) => cache.get(sub)

    const setMfa = (sub: string, user: SignedInUser, enabled: boolean) =>
      sql`select app.set_user_mfa(${user.id}, ${enabled})`.pipe(Effect.orDie, Effect.zipRight(cache.invalidate(sub)))

    return { signIn, bySub, setMfa } as const
  })
}) {}
