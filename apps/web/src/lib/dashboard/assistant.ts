import type { ConversationStatus } from "@manara/domain"
import { m } from "$lib/paraglide/messages.js"
import { problemKind, type ProblemLike } from "./problems.js"

/** The statuses the conversations list filters by (issue 16): the rest are reached from "all". */
export const FILTERS = ["open", "answered", "handed_off", "declined"] as const satisfies ReadonlyArray<ConversationStatus>

export const statusName = (status: ConversationStatus): string =>
  ({
    open: m.assistant_dash_status_open(),
    answered: m.assistant_dash_status_answered(),
    handed_off: m.assistant_dash_status_handed_off(),
    declined: m.assistant_dash_status_declined(),
    closed: m.assistant_dash_status_closed(),
    resolved: m.assistant_dash_status_resolved()
  })[status]

export const languageName = (locale: "ar" | "en"): string =>
  locale === "ar" ? m.assistant_dash_language_ar() : m.assistant_dash_language_en()

/** Words for a refused assistant action: the contract's own problem kinds first, else what `actAs` said. */
export const assistantRefusal = (
  failure: { readonly message: string; readonly problem?: ProblemLike },
  status?: ConversationStatus
): string => {
  const kind = failure.problem ? problemKind(failure.problem) : ""
  if (kind === "conversation-closed") return m.assistant_dash_ended({ status: status ? statusName(status) : "" })
  if (kind === "invalid-request" || failure.problem?.status === 400) return failure.message
  return failure.message
}
