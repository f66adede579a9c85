import { Data } from "effect"

/** The storefront's assistant is switched off: its chat is a 404, as if it were not there. */
export class AssistantOff extends Data.TaggedError("AssistantOff")<{}> {}

/** No conversation of this tenant with this id and token (a wrong token looks the same: 404). */
export class ConversationNotFound extends Data.TaggedError("ConversationNotFound")<{}> {}

/** Staff replied to, or reopened, a conversation that is closed or resolved. */
export class ConversationClosed extends Data.TaggedError("ConversationClosed")<{}> {}

export class FaqNotFound extends Data.TaggedError("FaqNotFound")<{}> {}

/** Every expected failure of the package, for the API's problem mapping. */
export type AssistantError = AssistantOff | ConversationNotFound | ConversationClosed | FaqNotFound
