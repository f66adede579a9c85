import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Context, Schema } from "effect"
import { UserId } from "./Ids.js"
import { Locale } from "./Locale.js"
import { Problems } from "./Problem.js"
import { Bilingual } from "./Storefront.js"
import { Text } from "./Text.js"

export const Email = Text.pipe(
  Schema.trimmed(),
  Schema.maxLength(254),
  Schema.pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: () => "an email address" })
)

export const Role = Schema.Literal("owner", "admin", "member")
export type Role = typeof Role.Type

/** A signed-in person, as our database knows them (identity is Cognito's; the rest is ours). */
export class SignedInUser extends Schema.Class<SignedInUser>("SignedInUser")({
  id: UserId,
  email: Schema.String,
  displayName: Schema.String,
  locale: Locale,
  isPlatformAdmin: Schema.Boolean,
  mfaEnabled: Schema.Boolean
}) {}

export class CurrentUser extends Context.Tag("Auth/CurrentUser")<CurrentUser, SignedInUser>() {}

/** Bearer access token -> verified claims -> our user. Fails 401 before any database query. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Auth/Authentication", {
  failure: Problems.Unauthorized,
  provides: CurrentUser,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

export const LoginRequest = Schema.Struct({
  email: Email,
  password: Text.pipe(Schema.minLength(1), Schema.maxLength(256))
})

export const TotpCode = Schema.String.pipe(Schema.pattern(/^[0-9]{6}$/, { message: () => "a 6-digit code" }))

export const MfaChallengeRequest = Schema.Struct({
  email: Email,
  session: Text.pipe(Schema.minLength(1), Schema.maxLength(4096)),
  code: TotpCode
})

export class SignedIn extends Schema.TaggedClass<SignedIn>()("SignedIn", {
  accessToken: Schema.String,
  expiresIn: Schema.Int
}) {}

/** The password was right; now the authenticator app's code. */
export class MfaChallenge extends Schema.TaggedClass<MfaChallenge>()("MfaChallenge", {
  session: Schema.String
}) {}

/** The password was right, MFA is required and this person has no authenticator yet: set one up to finish signing in. */
export class MfaSetupChallenge extends Schema.TaggedClass<MfaSetupChallenge>()("MfaSetupChallenge", {
  session: Schema.String
}) {}

export const LoginResult = Schema.Union(SignedIn, MfaChallenge, MfaSetupChallenge)

const ChallengeSession = Text.pipe(Schema.minLength(1), Schema.maxLength(4096))

export const MfaFirstSetupRequest = Schema.Struct({ email: Email, session: ChallengeSession })

/** The authenticator to add during sign-in, and the challenge's session to confirm it with. */
export class MfaFirstSetup extends Schema.Class<MfaFirstSetup>("MfaFirstSetup")({
  secret: Schema.String,
  otpauthUri: Schema.String,
  session: Schema.String
}) {}

export const MfaFirstSetupVerifyRequest = Schema.Struct({ email: Email, session: ChallengeSession, code: TotpCode })

export class MfaSetup extends Schema.Class<MfaSetup>("MfaSetup")({
  secret: Schema.String,
  otpauthUri: Schema.String
}) {}

export const MfaVerifyRequest = Schema.Struct({ code: TotpCode })

export class Membership extends Schema.Class<Membership>("Membership")({
  tenantSlug: Schema.String,
  tenantName: Bilingual,
  role: Role
}) {}

export class Me extends Schema.Class<Me>("Me")({
  user: SignedInUser,
  memberships: Schema.Array(Membership),
  /** Owners and admins must set up an authenticator before anything else. */
  mfaSetupRequired: Schema.Boolean
}) {}

/** The refresh token travels only in this cookie, only to the refresh endpoint. */
export const REFRESH_COOKIE = "manara_refresh"
export const REFRESH_COOKIE_PATH = "/api/v1/auth/refresh"

/**
 * Cognito's default password policy, checked before Cognito is asked (the emulator does not check it):
 * 8 to 256 characters with a lower-case and an upper-case letter, a digit and a symbol.
 */
export const passwordIsStrong = (password: string): boolean =>
  password.length >= 8 &&
  password.length <= 256 &&
  /[a-z]/.test(password) &&
  /[A-Z]/.test(password) &&
  /[0-9]/.test(password) &&
  /[^A-Za-z0-9]/.test(password)

const NewPassword = Text.pipe(Schema.minLength(1), Schema.maxLength(256))

/** The code Cognito emails to confirm an address or reset a password. */
export const EmailedCode = Schema.String.pipe(Schema.pattern(/^[0-9]{6}$/, { message: () => "a 6-digit code" }))

export const SignUpRequest = Schema.Struct({
  email: Email,
  password: NewPassword,
  locale: Schema.optional(Locale)
})

export class SignUpStarted extends Schema.Class<SignUpStarted>("SignUpStarted")({
  /** False until the emailed code is confirmed (`/auth/signup/confirm`). */
  confirmed: Schema.Boolean
}) {}

export const ConfirmSignUpRequest = Schema.Struct({ email: Email, code: EmailedCode })

export const EmailOnlyRequest = Schema.Struct({ email: Email })

export const ResetPasswordRequest = Schema.Struct({ email: Email, code: EmailedCode, password: NewPassword })
