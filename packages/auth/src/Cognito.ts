import {
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SetUserMFAPreferenceCommand,
  SignUpCommand,
  VerifySoftwareTokenCommand
} from "@aws-sdk/client-cognito-identity-provider"
import { Data, Effect, Option } from "effect"
import { AuthConfig } from "./AuthConfig.js"

/** Wrong email or password, or an unknown account: one answer, so accounts cannot be enumerated. */
export class BadCredentials extends Data.TaggedError("BadCredentials")<{}> {}
export class BadCode extends Data.TaggedError("BadCode")<{}> {}
/** Cognito itself did not answer (down, misconfigured): a 503, not the caller's fault. */
export class CognitoUnavailable extends Data.TaggedError("CognitoUnavailable")<{ readonly cause: unknown }> {}

/** Sign-up: this email already has an account (Cognito's usernames are emails, unique in the pool). */
export class EmailTaken extends Data.TaggedError("EmailTaken")<{}> {}
/** The password does not meet the pool's policy. */
export class WeakPassword extends Data.TaggedError("WeakPassword")<{}> {}
/** An emailed code (sign-up or password reset) that is not the one sent. */
export class WrongCode extends Data.TaggedError("WrongCode")<{}> {}
/** An emailed code that was right once but is no longer valid (expired, or already used). */
export class CodeExpired extends Data.TaggedError("CodeExpired")<{}> {}
/** Cognito's own limits (codes sent, attempts) were reached: try later. */
export class CognitoThrottled extends Data.TaggedError("CognitoThrottled")<{ readonly retryAfterSeconds: number }> {}

/** Cognito refused the request as such (InvalidParameterException): a resend to a confirmed account, a reset of an unverified one. */
export class AccountNotEligible extends Data.TaggedError("AccountNotEligible")<{}> {}

/** What the account calls (sign-up, codes, reset) may fail with, besides Cognito being down. */
export type AccountError = EmailTaken | WeakPassword | WrongCode | CodeExpired | CognitoThrottled | AccountNotEligible

const ACCOUNT_ERRORS: Record<string, () => AccountError> = {
  UsernameExistsException: () => new EmailTaken(),
  AliasExistsException: () => new EmailTaken(),
  InvalidPasswordException: () => new WeakPassword(),
  InvalidParameterException: () => new AccountNotEligible(),
  CodeMismatchException: () => new WrongCode(),
  // An unknown account answers like a wrong code: a code form must not tell who has an account.
  UserNotFoundException: () => new WrongCode(),
  ExpiredCodeException: () => new CodeExpired(),
  // ConfirmSignUp of an account already confirmed.
  NotAuthorizedException: () => new CodeExpired(),
  LimitExceededException: () => new CognitoThrottled({ retryAfterSeconds: 60 }),
  TooManyRequestsException: () => new CognitoThrottled({ retryAfterSeconds: 60 }),
  TooManyFailedAttemptsException: () => new CognitoThrottled({ retryAfterSeconds: 60 }),
  CodeDeliveryFailureException: () => new CognitoThrottled({ retryAfterSeconds: 60 })
}

export interface Tokens {
  readonly accessToken: string
  readonly refreshToken: Option.Option<string>
  readonly expiresIn: number
}
export type Authentication =
  | { readonly _tag: "Tokens"; readonly tokens: Tokens }
  | { readonly _tag: "MfaRequired"; readonly session: string }
  /** The pool requires MFA and this person has none yet: Cognito's MFA_SETUP challenge. */
  | { readonly _tag: "MfaSetupRequired"; readonly session: string }

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
            : out.ChallengeName === "MFA_SETUP" && out.Session !== undefined
              ? Effect.succeed({ _tag: "MfaSetupRequired", session: out.Session })
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

    /** TOTP the preferred (and required) factor of the person this token is for. */
    const preferTotp = (accessToken: string) =>
      call(
        () =>
          client.send(
            new SetUserMFAPreferenceCommand({ AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } })
          ),
        "code"
      ).pipe(Effect.asVoid)

    /** Verifies the first code from the app, then makes TOTP the preferred (and required) factor. */
    const confirmTotp = (accessToken: string, code: string) =>
      call(() => client.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code })), "code").pipe(
        Effect.flatMap((out) => (out.Status === "SUCCESS" ? Effect.void : Effect.fail(new BadCode()))),
        Effect.zipRight(preferTotp(accessToken))
      )

    /** MFA_SETUP, first step: a new TOTP secret for the person the challenge's session names, and the session to go on with. */
    const beginTotpInChallenge = (session: string) =>
      call(() => client.send(new AssociateSoftwareTokenCommand({ Session: session })), "code").pipe(
        Effect.flatMap((out) =>
          out.SecretCode === undefined
            ? Effect.fail(new BadCode())
            : Effect.succeed({ secret: out.SecretCode, session: out.Session ?? session })
        )
      )

    /** MFA_SETUP, last step: the app's first code, then the challenge answered with the session that verification gave: tokens. */
    const answerMfaSetup = (email: string, session: string, code: string) =>
      call(() => client.send(new VerifySoftwareTokenCommand({ Session: session, UserCode: code })), "code").pipe(
        Effect.flatMap((out) => (out.Status === "SUCCESS" ? Effect.succeed(out.Session ?? session) : Effect.fail(new BadCode()))),
        Effect.flatMap((verified) =>
          call(
            () =>
              client.send(
                new RespondToAuthChallengeCommand({
                  ClientId: config.clientId,
                  ChallengeName: "MFA_SETUP",
                  Session: verified,
                  ChallengeResponses: { USERNAME: email }
                })
              ),
            "code"
          )
        ),
        Effect.flatMap((out) => toTokens(out.AuthenticationResult))
      )

    const account = <A>(send: () => Promise<A>) =>
      Effect.tryPromise({
        try: send,
        catch: (error): AccountError | CognitoUnavailable => {
          const name = (error as { name?: string }).name ?? ""
          return ACCOUNT_ERRORS[name]?.() ?? new CognitoUnavailable({ cause: error })
        }
      })

    /** A new, unconfirmed account; Cognito emails the confirmation code. */
    const signUp = (email: string, password: string, locale: string) =>
      account(() =>
        client.send(
          new SignUpCommand({
            ClientId: config.clientId,
            Username: email,
            Password: password,
            UserAttributes: [
              { Name: "email", Value: email },
              { Name: "locale", Value: locale }
            ]
          })
        )
      ).pipe(Effect.map((out) => ({ confirmed: out.UserConfirmed === true })))

    const confirmSignUp = (email: string, code: string) =>
      account(() => client.send(new ConfirmSignUpCommand({ ClientId: config.clientId, Username: email, ConfirmationCode: code }))).pipe(
        Effect.asVoid
      )

    const resendConfirmation = (email: string) =>
      account(() => client.send(new ResendConfirmationCodeCommand({ ClientId: config.clientId, Username: email }))).pipe(Effect.asVoid)

    const forgotPassword = (email: string) =>
      account(() => client.send(new ForgotPasswordCommand({ ClientId: config.clientId, Username: email }))).pipe(Effect.asVoid)

    const confirmForgotPassword = (email: string, code: string, password: string) =>
      account(() =>
        client.send(
          new ConfirmForgotPasswordCommand({ ClientId: config.clientId, Username: email, ConfirmationCode: code, Password: password })
        )
      ).pipe(Effect.asVoid)

    return {
      login,
      answerMfa,
      refresh,
      revoke,
      emailOf,
      beginTotp,
      confirmTotp,
      beginTotpInChallenge,
      answerMfaSetup,
      preferTotp,
      signUp,
      confirmSignUp,
      resendConfirmation,
      forgotPassword,
      confirmForgotPassword
    } as const
  })
}) {}
