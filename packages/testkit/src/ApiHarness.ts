import type { CognitoPool } from "./Cognito.js"
import type { TestDatabaseUrls } from "./urls.js"

/** The API's configuration for one test run: its database, Redis and Cognito pool. */
export const apiEnv = (
  urls: TestDatabaseUrls,
  pool: CognitoPool,
  overrides: Record<string, string> = {}
): Record<string, string> => ({
  DATABASE_URL: urls.runtimeUrl,
  REDIS_URL: urls.redisUrl,
  PLATFORM_DOMAIN: "manara.test",
  COGNITO_ENDPOINT: pool.endpoint,
  COGNITO_USER_POOL_ID: pool.userPoolId,
  COGNITO_CLIENT_ID: pool.clientId,
  ...overrides
})
