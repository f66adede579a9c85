import { type Money, type PaymentInstructions, type PaymentMethod, paymentMethodsSetUp, type StoredSettings } from "@manara/domain"
import { Data, Effect } from "effect"

/** The tenant has not set up this way of paying (no IBAN, no pay link). */
export class PaymentMethodUnavailable extends Data.TaggedError("PaymentMethodUnavailable")<{ readonly method: PaymentMethod }> {}

/** The payment part of a tenant's settings (the one schema: `@manara/domain` Settings). */
export type PaymentSettings = Pick<StoredSettings, "bankTransfer" | "payLink">

/** Whether the tenant has set this way of paying up: a valid Kuwaiti IBAN, or an https pay link. */
const available = (method: PaymentMethod, settings: PaymentSettings): boolean => paymentMethodsSetUp(settings).includes(method)

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
