import type { Money, PaymentInstructions, PaymentMethod } from "@manara/domain"
import { Data, Effect } from "effect"

/** The tenant has not set up this way of paying (no IBAN, no pay link). */
export class PaymentMethodUnavailable extends Data.TaggedError("PaymentMethodUnavailable")<{ readonly method: PaymentMethod }> {}

/** The payment part of a tenant's settings. */
export interface PaymentSettings {
  readonly bankTransfer?: { readonly bank?: string; readonly iban?: string; readonly beneficiary?: string }
  readonly payLink?: { readonly url?: string }
}

/** Whether the tenant has set this way of paying up: an IBAN, or an https pay link. */
const available = (method: PaymentMethod, settings: PaymentSettings): boolean =>
  method === "bank_transfer" ? (settings.bankTransfer?.iban ?? "") !== "" : /^https:\/\//.test(settings.payLink?.url ?? "")

/**
 * How a visitor pays for a capture. Bank transfer and pay link now; a KNET-capable PSP is another
 * implementation of the same service (a checkout URL here, a signed webhook that marks it received).
 */
export class PaymentProvider extends Effect.Service<PaymentProvider>()("Capture/PaymentProvider", {
  succeed: {
    /** Before anything is written: can the tenant take this way of paying at all? */
    check: (method: PaymentMethod, settings: PaymentSettings): Effect.Effect<void, PaymentMethodUnavailable> =>
      available(method, settings) ? Effect.void : Effect.fail(new PaymentMethodUnavailable({ method })),
    instructions: (
      method: PaymentMethod,
      settings: PaymentSettings,
      beneficiary: string,
      reference: string,
      amount: Money
    ): Effect.Effect<PaymentInstructions, PaymentMethodUnavailable> => {
      if (!available(method, settings)) return Effect.fail(new PaymentMethodUnavailable({ method }))
      if (method === "bank_transfer") {
        const bank = settings.bankTransfer!
        return Effect.succeed({
          _tag: "BankTransfer",
          bank: bank.bank ?? "",
          iban: bank.iban!,
          beneficiary: bank.beneficiary ?? beneficiary,
          reference,
          amount
        } as const)
      }
      const url = new URL(settings.payLink!.url!)
      url.searchParams.set("reference", reference)
      return Effect.succeed({ _tag: "PayLink", url: url.toString(), reference, amount } as const)
    }
  }
}) {}
