import { Config, Redacted } from "effect"

/**
 * Three doors to one Postgres: the runtime role the API and worker use (no RLS bypass, owns nothing),
 * the owner role that runs migrations, and an administrator that creates roles and databases.
 * Defaults are the embedded development setup (local Postgres, trust auth).
 */
export const runtimeUrl = Config.redacted("DATABASE_URL").pipe(
  Config.withDefault(redactedDefault("postgres://manara_app:manara_app@127.0.0.1:5432/manara"))
)
export const ownerUrl = Config.redacted("DATABASE_OWNER_URL").pipe(
  Config.withDefault(redactedDefault("postgres://manara_owner:manara_owner@127.0.0.1:5432/manara"))
)
export const adminUrl = Config.redacted("DATABASE_ADMIN_URL").pipe(
  Config.withDefault(redactedDefault("postgres://postgres@127.0.0.1:5432/postgres"))
)
export const poolSize = Config.integer("DATABASE_POOL_SIZE").pipe(Config.withDefault(10))

function redactedDefault(url: string) {
  return Redacted.make(url)
}
