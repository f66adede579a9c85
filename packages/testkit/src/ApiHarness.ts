import { randomBytes } from "node:crypto"
import type { CognitoPool } from "./Cognito.js"
import { type S3Server, s3Env } from "./S3.js"
import type { TestDatabaseUrls } from "./urls.js"

// Made once per module instance: vitest loads the testkit afresh for each test file (isolated files).
const fileKey = randomBytes(4).toString("hex")

/**
 * This test file's Redis keys, inside the run's: rate limits keyed by a fixed address (every request from
 * loopback) or a fixed email start at zero in each file, whichever files ran before it in the run.
 */
export const testRedisKeyPrefix = (urls: TestDatabaseUrls) => `${urls.database}:${fileKey}:`

/**
 * The API's configuration for one test run: its database, Redis, Cognito pool and, given
 * `inject("manaraS3")`, its media bucket (not injected here: testkit is also loaded outside vitest).
 */
export const apiEnv = (
  urls: TestDatabaseUrls,
  pool: CognitoPool,
  overrides: Record<string, string> = {},
  s3?: S3Server
): Record<string, string> => ({
  DATABASE_URL: urls.runtimeUrl,
  REDIS_URL: urls.redisUrl,
  // Counters and caches of this run and test file only: other runs, sessions and files share the Redis.
  REDIS_KEY_PREFIX: testRedisKeyPrefix(urls),
  PLATFORM_DOMAIN: "manara.test",
  COGNITO_ENDPOINT: pool.endpoint,
  COGNITO_USER_POOL_ID: pool.userPoolId,
  COGNITO_CLIENT_ID: pool.clientId,
  // Every test file shares the run's outbox: only the notification tests drain it, for their own tenants.
  NOTIFY_DELIVERY: "false",
  // The AI counters' rebuild at start reads every tenant's usage in the background: tests that count
  // statements or hold the pool must not see it (the gateway tests rebuild explicitly).
  AI_REBUILD_AT_START: "false",
  // Summing closed traffic days walks every tenant's past visits: the analytics tests sum explicitly.
  TRAFFIC_SUM: "false",
  ...(s3 === undefined ? {} : s3Env(s3)),
  ...overrides
})
