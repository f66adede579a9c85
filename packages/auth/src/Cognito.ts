import {
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand
} from "@aws-sdk/client-cognito-identity-provider"
import { Data, Effect, Option } from "effect"
import { AuthConfig } from "./AuthConfig.js"

/** Wrong email or password, or an unknown account: one answer, so accounts cannot be enumerated. */
export class BadCredentials extends Data.TaggedError("BadCredentials")<{}> {}
export class BadCode extends Data.TaggedError("BadCode")<{}> {}
/** Cognito itself did not answer (down, misconfigured): a 503, not the caller's fault. */
export class CognitoUnavailable extends Data.TaggedError("CognitoUnavailable")<{ readonly cause: unknown }> {}

export interface Tokens {
  readonly accessToken: string
  readonly refreshToken: Option.Option<string>
  readonly expiresIn: number
}
export type Authentication =
  { readonly _tag: "Tokens"; readonly tokens: Tokens } | { readonly _tag: "MfaRequired"; readonly session: string }

const CLIENT_ERRORS = new Set([
  "NotAuthorizedException",
  "UserNotFoundException",
  "UserNotConfirmedException",
  "PasswordResetRequiredException",
  "InvalidParameterException",
  "InvalidPasswordException" // what cognito-local says for a wrong password
])
const CODE_ERRORS = new Set(["CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException"])

/**
 * The Cognito user-pool API, through the AWS SDK. The endpoint is configuration: cognito-local in
 * dev and tests, Cognito in production; the code path is the same.
 */
export class Cognito extends Effect.Service<Cognito>()("Auth/Cognito", {
  effect: Effect.gen(function* () {
    const config = yield* AuthConfig
    const client = new CognitoIdentityProviderClient({
      region: config.region,
      ...Option.match(config.endpoint, {
        onNone: () => ({}),
        onSome: (endpoint) => ({ endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } })
      })
    })

    const call = <A>(send: () => Promise<A>, onCode: "credentials" | "code") =>
      Effect.tryPromise({
        try: send,
        catch: (error) => {
          const name = (error as { name?: string }).name ?? ""
          if (CLIENT_ERRORS.has(name)) return onCode === "code" && name === "NotAuthorizedException" ? new BadCode() : new BadCredentials()
          if (CODE_ERRORS.has(name)) return new BadCode()
          return new CognitoUnavailable({ cause: error })
        }
      })

    const toTokens = (
      result: { AccessToken?: string | undefined; RefreshToken?: string | undefined; ExpiresIn?: number | undefined } | undefined
    ) =>
      result?.AccessToken === undefined
        ? Effect.fail(new BadCredentials())
        : Effect.succeed<Tokens>({
            accessToken: result.AccessToken,
            refreshToken: Option.fromNullable(result.RefreshToken),
            expiresIn: result.ExpiresIn ?? 3600
          })

    const login = (email: string, password: string) =>
      call(
        () =>
          client.send(
            new InitiateAuthCommand({
              ClientId: config.clientId,
              AuthFlow: "USER_PASSWORD_AUTH",
              AuthParameters: { USERNAME: email, PASSWORD: password }
            })
          ),
        "credentials"
      ).pipe(
        Effect.flatMap((out): Effect.Effect<Authentication, BadCredentials> =>
          out.ChallengeName === "SOFTWARE_TOKEN_MFA" && out.Session !== undefined
            ? Effect.succeed({ _tag: "MfaRequired", session: out.Session })
            : Effect.map(toTokens(out.AuthenticationResult), (tokens) => ({ _tag: "Tokens", tokens }))
        )
      )

    const answerMfa = (email: string, session: string, code: string) =>
      call(
        () =>
          client.send(
            new RespondToAuthChallengeCommand({
              ClientId: config.clientId,
              ChallengeName: "SOFTWARE_TOKEN_MFA",
              Session: session,
              ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: code }
            })
          ),
        "code"
      ).pipe(Effect.flatMap((out) => toTokens(out.AuthenticationResult)))

    const refresh = (refreshToken: string) =>
      call(
        () =>
          client.send(
            new InitiateAuthCommand({
              ClientId: config.clientId,
              AuthFlow: "REFRESH_TOKEN_AUTH",
              AuthParameters: { REFRESH_TOKEN: refreshToken }
            })
          ),
        "credentials"
      ).pipe(Effect.flatMap((out) => toTokens(out.AuthenticationResult)))

    const revoke = (refreshToken: string) =>
      call(() => client.send(new RevokeTokenCommand({ ClientId: config.clientId, Token: refreshToken })), "credentials").pipe(Effect.asVoid)

    const emailOf = (accessToken: string) =>
      call(() => client.send(new GetUserCommand({ AccessToken: accessToken })), "credentials").pipe(
        Effect.map((out) => out.UserAttributes?.find((attribute) => attribute.Name === "email")?.Value ?? out.Username ?? "")
      )

    const beginTotp = (accessToken: string) =>
      call(() => client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken })), "credentials").pipe(
        Effect.flatMap((out) => (out.SecretCode === undefined ? Effect.fail(new BadCredentials()) : Effect.succeed(out.SecretCode)))
      )

    /** Verifies the first code from the app, then makes TOTP the preferred (and required) factor. */
    const confirmTotp = (accessToken: string, code: string) =>
      call(() => client.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code })), "code").pipe(
        Effect.flatMap((out) => (out.Status === "SUCCESS" ? Effect.void : Effect.fail(new BadCode()))),
        Effect.zipRight(
          call(
            () =>
              client.send(
                new SetUserMFAPreferenceCommand({
                  AccessToken: accessToken,
                  SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true }
                })
              ),
            "code"
          )
        )
      )

    return { login, answerMfa, refresh, revoke, emailOf, beginTotp, confirmTotp } as const
  })
}) {}
