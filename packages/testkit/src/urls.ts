import type {} from "vitest"

/** Connection strings for one test run's own database, as the owner and as the runtime role. */
export interface TestDatabaseUrls {
  readonly database: string
  readonly ownerUrl: string
  readonly runtimeUrl: string
  readonly adminUrl: string
  readonly redisUrl: string
}

declare module "vitest" {
  export interface ProvidedContext {
    manaraDatabase: TestDatabaseUrls
    manaraCognito: import("./Cognito.js").CognitoPool
    manaraS3: import("./S3.js").S3Server
    /** aws-ses-v2-local's endpoint. */
    manaraSes: string
  }
}

const env = (name: string, fallback: string) => process.env[name] ?? fallback

export const baseUrls = () => ({
  adminUrl: env("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
  ownerUrl: env("DATABASE_OWNER_URL", "postgres://manara_owner:manara_owner@127.0.0.1:5432/manara"),
  runtimeUrl: env("DATABASE_URL", "postgres://manara_app:manara_app@127.0.0.1:5432/manara"),
  redisUrl: env("REDIS_URL", "redis://127.0.0.1:6379")
})

export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}
