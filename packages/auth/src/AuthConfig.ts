import { Config, Option } from "effect"

/**
 * Where Cognito is. In production only the pool, client and region are set and the issuer is
 * Cognito's own; in dev and tests `COGNITO_ENDPOINT` points at cognito-local, same code path.
 */
export const AuthConfig = Config.all({
  region: Config.string("COGNITO_REGION").pipe(Config.withDefault("me-south-1")),
  userPoolId: Config.string("COGNITO_USER_POOL_ID").pipe(Config.withDefault("local_manara")),
  clientId: Config.string("COGNITO_CLIENT_ID").pipe(Config.withDefault("manara-web")),
  endpoint: Config.option(Config.string("COGNITO_ENDPOINT")),
  /** Production must refuse the emulator's issuer: its signing key is public. */
  allowEmulator: Config.boolean("COGNITO_ALLOW_EMULATOR").pipe(Config.withDefault(true))
}).pipe(
  Config.map((config) => {
    const issuer = Option.match(config.endpoint, {
      onNone: () => `https://cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`,
      onSome: (endpoint) => `${endpoint.replace(/\/$/, "")}/${config.userPoolId}`
    })
    return { ...config, issuer, jwksUrl: `${issuer}/.well-known/jwks.json` }
  })
)
export type AuthConfig = Config.Config.Success<typeof AuthConfig>
