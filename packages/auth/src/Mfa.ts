import type { SignedInUser } from "@manara/domain"
import { Data, Effect } from "effect"
import { AccessTokens } from "./AccessTokens.js"
import { Cognito } from "./Cognito.js"
import { LoginLimits } from "./LoginLimits.js"
import { Sessions } from "./Sessions.js"
import { Users } from "./Users.js"

/** A one-time code already used: Cognito would take it twice within its window, we do not. */
export class CodeReused extends Data.TaggedError("CodeReused")<{}> {}

/**
 * The MFA steps: answering a sign-in's challenge (rate-limited like passwords; a wrong or reused code
 * counts as a failure), and setting up an authenticator app (begin, then confirm with a first code).
 */
export class Mfa extends Effect.Service<Mfa>()("Auth/Mfa", {
  effect: Effect.gen(function* () {
    const cognito = yield* Cognito
    const tokens = yield* AccessTokens
    const users = yield* Users
    const limits = yield* LoginLimits
    const sessions = yield* Sessions

    /** Completes a sign-in that answered `MfaChallenge`: Cognito's fresh tokens. */
    const answerChallenge = (ip: string, email: string, session: string, code: string) =>
      limits.guard(
        ip,
        email,
        Effect.gen(function* () {
          if (!(yield* sessions.firstUseOfCode(email.toLowerCase(), code))) return yield* new CodeReused()
          return yield* cognito.answerMfa(email, session, code)
        }),
        (error) => error._tag === "BadCode" || error._tag === "CodeReused"
      )

    const otpauthUri = (email: string, secret: string) =>
      `otpauth://totp/${encodeURIComponent(`Manara:${email}`)}?secret=${secret}&issuer=Manara&algorithm=SHA1&digits=6&period=30`

    /** A new TOTP secret and its `otpauth://` URI; nothing changes until `confirmApp`. */
    const beginApp = (user: SignedInUser, accessToken: string) =>
      Effect.map(cognito.beginTotp(accessToken), (secret) => ({ secret, otpauthUri: otpauthUri(user.email, secret) }))

    /** A sign-in that answered `MfaSetupChallenge`: a new TOTP secret for that person, and the session to confirm it with. */
    const beginFirstApp = (email: string, session: string) =>
      Effect.map(cognito.beginTotpInChallenge(session), (begun) => ({ ...begun, otpauthUri: otpauthUri(email, begun.secret) }))

    /**
     * The first code of the app set up in the challenge: Cognito verifies it and answers the challenge with tokens,
     * and TOTP is the person's factor from then on. Rate-limited like passwords; a wrong or reused code is a failure.
     */
    const answerFirstApp = (ip: string, email: string, session: string, code: string) =>
      limits.guard(
        ip,
        email,
        Effect.gen(function* () {
          if (!(yield* sessions.firstUseOfCode(email.toLowerCase(), code))) return yield* new CodeReused()
          const issued = yield* cognito.answerMfaSetup(email, session, code)
          yield* cognito.preferTotp(issued.accessToken)
          return issued
        }),
        (error) => error._tag === "BadCode" || error._tag === "CodeReused"
      )

    /** A first code from the app being set up: on success MFA is on for this person. */
    const confirmApp = (user: SignedInUser, accessToken: string, code: string) =>
      Effect.gen(function* () {
        if (!(yield* sessions.firstUseOfCode(user.id, code))) return yield* new CodeReused()
        yield* cognito.confirmTotp(accessToken, code)
        const claims = yield* tokens.verify(accessToken)
        yield* users.setMfa(claims.sub, user, true)
      })

    return { answerChallenge, beginApp, confirmApp, beginFirstApp, answerFirstApp } as const
  })
}) {}
