import { PgClient } from "@effect/sql-pg"
import { Config, Layer } from "effect"
import { poolSize, runtimeUrl } from "./DbConfig.js"
import { TenantSql } from "./TenantSql.js"

/** The runtime role's pool and the tenant door on it: what the API and worker run on. */
export const RuntimeSqlLive = PgClient.layerConfig({
  url: runtimeUrl,
  maxConnections: poolSize,
  applicationName: Config.succeed("manara")
})

export const TenantSqlLive = TenantSql.Default.pipe(Layer.provideMerge(RuntimeSqlLive))
