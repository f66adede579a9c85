import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Health, Liveness } from "./Health.js"
import { Problems } from "./Problem.js"
import { HostHeader, Storefront } from "./Storefront.js"

export class HealthApi extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("check", "/health").addSuccess(Health))
  .add(HttpApiEndpoint.get("live", "/health/live").addSuccess(Liveness))
  .annotate(OpenApi.Description, "Postgres and Redis reachability; 503 when either is down")
{}

/** The tenant comes from the storefront host; the web server forwards it as `X-Forwarded-Host`. */
export const StorefrontHeaders = Schema.Struct({
  host: Schema.optional(HostHeader),
  "x-forwarded-host": Schema.optional(HostHeader)
})

export class StorefrontApi extends HttpApiGroup.make("storefront")
  .add(HttpApiEndpoint.get("storefront", "/storefront").setHeaders(StorefrontHeaders).addSuccess(Storefront))
  .prefix("/public")
  .annotate(OpenApi.Description, "What visitors see: resolved from the storefront host, published data only")
{}

export class ManaraApi extends HttpApi.make("manara")
  .add(HealthApi)
  .add(StorefrontApi)
  .addError(Problems.BadRequest)
  .addError(Problems.NotFound)
  .addError(Problems.Internal)
  .addError(Problems.Unavailable)
  .prefix("/api/v1")
  .annotate(OpenApi.Title, "Manara API")
  .annotate(OpenApi.Version, "1")
{}
