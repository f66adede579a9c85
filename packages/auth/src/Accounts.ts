import { passwordIsStrong } from "@manara/domain"
import { Effect } from "effect"
import { Cognito, WeakPassword } from "./Cognito.js"
import { LoginLimits } from "./LoginLimits.js"

/**
 * Creating an account and recovering one, through Cognito, which emails the codes. Every email sent
 * counts against the code-email limits; every code checked counts like a sign-in attempt (a wrong or
 * expired code is a failure). The forgotten-password request never tells whether the email has an account.
 */
export class Accounts extends Effect.Service<Accounts>()("Auth/Accounts", {
  effect: Effect.gen(function* () {
    const cognito = yield* Cognito
    const limits = yield* LoginLimits

    const strong = (password: string) => (passwordIsStrong(password) ? Effect.void : Effect.fail(new WeakPassword()))
    const isCodeFailure = (error: { readonly _tag: string }) => error._tag === "WrongCode" || error._tag === "CodeExpired"

    /** A new account, unconfirmed until the emailed code comes back. */
    const signUp = (ip: string, email: string, password: string, locale: string) =>
      strong(password).pipe(Effect.zipRight(limits.sending(ip, email, cognito.signUp(email, password, locale))))

    const confirmSignUp = (ip: string, email: string, code: string) =>
      limits.guard(ip, email, cognito.confirmSignUp(email, code), isCodeFailure)

    /** Another confirmation code. The same answer whether or not the account exists or is confirmed already. */
    const resendConfirmation = (ip: string, email: string) =>
      limits.sending(
        ip,
        email,
        cognito
          .resendConfirmation(email)
          .pipe(Effect.catchTags({ WrongCode: () => Effect.void, CodeExpired: () => Effect.void, AccountNotEligible: () => Effect.void }))
      )

    /** A reset code by email, if the account exists: the answer is the same either way. */
    const forgotPassword = (ip: string, email: string) =>
      limits.sending(
        ip,
        email,
        // Unknown, unconfirmed or unverified accounts all answer as a sent code would.
        cognito.forgotPassword(email).pipe(
          Effect.catchTags({
            WrongCode: () => Effect.void,
            CodeExpired: () => Effect.void,
            WeakPassword: () => Effect.void,
            AccountNotEligible: () => Effect.void
          })
        )
      )

    const resetPassword = (ip: string, email: string, code: string, password: string) =>
      strong(password).pipe(Effect.zipRight(limits.guard(ip, email, cognito.confirmForgotPassword(email, code, password), isCodeFailure)))

    return { signUp, confirmSignUp, resendConfirmation, forgotPassword, resetPassword } as const
  })
}) {}
