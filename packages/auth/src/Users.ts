import { SqlClient, SqlSchema } from "@effect/sql"
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
