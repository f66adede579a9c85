/** The Postgres and Redis harnesses live in the testkit (the TLS, rotation and cluster tests use them too). */
export { freePort, OwnPostgres, OwnRedis } from "@manara/testkit"
