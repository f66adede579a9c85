export * from "./AccessTokens.js"
export * from "./Accounts.js"
export * from "./AuthConfig.js"
export * from "./Cognito.js"
export * from "./LoginLimits.js"
export * from "./Mfa.js"
export * from "./Revocations.js"
export * from "./Sessions.js"
export * from "./Users.js"

import type { InvalidToken } from "./AccessTokens.js"
import type { AccountError, BadCode, BadCredentials, CognitoUnavailable } from "./Cognito.js"
import type { SessionStoreUnavailable } from "./Sessions.js"
import type { RateLimited } from "./LoginLimits.js"
import type { CodeReused } from "./Mfa.js"
/** Every expected failure of signing in: the API maps each to a problem. */
export type AuthError =
  AccountError | InvalidToken | BadCredentials | BadCode | CodeReused | CognitoUnavailable | RateLimited | SessionStoreUnavailable
