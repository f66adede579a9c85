/**
 * The real Manara API in a process of its own (started by `main.ts`): `startApi` with the runtime
 * role's DATABASE_URL, the cache TTLs under test and the bench's cognito-local, on a free loopback port.
 */
import { startApi } from "@manara/api/server"
import { requiredEnv, serveUntilStopped } from "./child.js"

const api = await startApi({
  DATABASE_URL: requiredEnv("DATABASE_URL"),
  REDIS_URL: requiredEnv("REDIS_URL"),
  REDIS_KEY_PREFIX: requiredEnv("REDIS_KEY_PREFIX"),
  PLATFORM_DOMAIN: requiredEnv("PLATFORM_DOMAIN"),
  TENANT_CACHE_TTL: requiredEnv("TENANT_CACHE_TTL"),
  PUBLIC_CACHE_TTL: requiredEnv("PUBLIC_CACHE_TTL"),
  COGNITO_ENDPOINT: requiredEnv("COGNITO_ENDPOINT"),
  COGNITO_USER_POOL_ID: requiredEnv("COGNITO_USER_POOL_ID"),
  COGNITO_CLIENT_ID: requiredEnv("COGNITO_CLIENT_ID"),
  DATABASE_POOL_SIZE: process.env["DATABASE_POOL_SIZE"] ?? "10",
  // The load generator is one address: the per-IP capture limit would measure the limiter, not the capture.
  CAPTURE_LIMIT_PER_IP: "100000000",
  CAPTURE_LIMIT_PER_TENANT: "100000000",
  // Capture is measured against a bare server that sends nothing; the outbox has its own case.
  NOTIFY_DELIVERY: process.env["NOTIFY_DELIVERY"] ?? "false",
  LOG_LEVEL: process.env["LOG_LEVEL"] ?? "Warn"
})
serveUntilStopped(api.url, api.close)
