import { Schema } from "effect"
import { Email } from "./Auth.js"
import { isRealMicroTimestamp } from "./Keyset.js"
import { Locale } from "./Locale.js"
import type { Policy } from "./Tenancy.js"
import { MultilineText, Text } from "./Text.js"
import { Timestamp } from "./Timestamp.js"

/** The storefront assistant (issue 16): FAQs, settings, conversations with visitors, handoff to staff. */

/** FAQs and settings are edited by every member; settings (on/off, who hears of handoffs) by owners and admins. */
export const AssistantPolicy = {
  read: ["owner", "admin", "member"],
  faqs: ["owner", "admin", "member"],
  reply: ["owner", "admin", "member"],
  settings: ["owner", "admin"]
} as const satisfies Record<string, Policy>

/** The longest message a visitor may send (characters): longer is a 400 before any model is called. */
export const ASSISTANT_MAX_MESSAGE = 2000

export class Faq extends Schema.Class<Faq>("Faq")({
  id: Schema.UUID,
  questionAr: Schema.String,
  questionEn: Schema.String,
  answerAr: Schema.String,
  answerEn: Schema.String,
  category: Schema.String,
  published: Schema.Boolean,
  position: Schema.Int,
  updatedAt: Timestamp
}) {}

/** A published FAQ as the storefront's FAQ page shows it (`/faq#faq-<id>`, where the assistant's citations point). */
export class PublicFaq extends Schema.Class<PublicFaq>("PublicFaq")({
  id: Schema.UUID,
  questionAr: Schema.String,
  questionEn: Schema.String,
  answerAr: Schema.String,
  answerEn: Schema.String,
  category: Schema.String,
  position: Schema.Int
}) {}

const FaqQuestion = Text.pipe(Schema.trimmed(), Schema.maxLength(300))
const FaqAnswer = MultilineText.pipe(Schema.maxLength(4000))
const FaqCategory = Text.pipe(
  Schema.trimmed(),
  Schema.pattern(/^[\p{L}\p{N} _-]{1,60}$/u, { message: () => "a category of up to 60 letters or digits" })
)
const FaqPosition = Schema.Int.pipe(Schema.between(0, 100_000))

/** A new FAQ: the Arabic question and answer are required, English may be left empty. */
export const NewFaq = Schema.Struct({
  questionAr: FaqQuestion.pipe(Schema.minLength(1)),
  questionEn: Schema.optionalWith(FaqQuestion, { default: () => "" }),
  answerAr: FaqAnswer.pipe(Schema.minLength(1)),
  answerEn: Schema.optionalWith(FaqAnswer, { default: () => "" }),
  category: Schema.optionalWith(FaqCategory, { default: () => "general" }),
  published: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  position: Schema.optional(FaqPosition)
})
export type NewFaq = typeof NewFaq.Type

export const FaqChanges = Schema.Struct({
  questionAr: Schema.optional(FaqQuestion.pipe(Schema.minLength(1))),
  questionEn: Schema.optional(FaqQuestion),
  answerAr: Schema.optional(FaqAnswer.pipe(Schema.minLength(1))),
  answerEn: Schema.optional(FaqAnswer),
  category: Schema.optional(FaqCategory),
  published: Schema.optional(Schema.Boolean),
  position: Schema.optional(FaqPosition)
})
export type FaqChanges = typeof FaqChanges.Type

export const AssistantTone = Schema.Literal("warm", "formal")
export type AssistantTone = typeof AssistantTone.Type

export class AssistantSettings extends Schema.Class<AssistantSettings>("AssistantSettings")({
  enabled: Schema.Boolean,
  tone: AssistantTone,
  /** Who hears of a handoff by email (besides the staff preferences listing `assistant.handoff`). */
  handoffEmails: Schema.Array(Email).pipe(Schema.maxItems(10)),
  /** Whether handoffs also go to the tenant's Telegram chats. */
  handoffTelegram: Schema.Boolean
}) {}

export const ConversationStatus = Schema.Literal("open", "answered", "handed_off", "declined", "closed", "resolved")
export type ConversationStatus = typeof ConversationStatus.Type

export const MessageRole = Schema.Literal("visitor", "assistant", "staff")
export type MessageRole = typeof MessageRole.Type

export const CitationKind = Schema.Literal("faq", "item", "proof")
export type CitationKind = typeof CitationKind.Type

/** Where a passage of an answer came from: a link the widget shows. */
export class Citation extends Schema.Class<Citation>("Citation")({
  kind: CitationKind,
  id: Schema.String,
  title: Schema.String,
  url: Schema.String
}) {}

/** A message as the visitor sees it (and the `message` event of the conversation's stream). */
export class AssistantMessage extends Schema.Class<AssistantMessage>("AssistantMessage")({
  id: Schema.UUID,
  role: MessageRole,
  body: Schema.String,
  citations: Schema.Array(Citation),
  createdAt: Timestamp
}) {}

export class PublicConversation extends Schema.Class<PublicConversation>("PublicConversation")({
  id: Schema.UUID,
  status: ConversationStatus,
  messages: Schema.Array(AssistantMessage)
}) {}

/** The visitor's secret for their conversation: given once on the `conversation` event, stored only hashed. */
export const VisitorToken = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{32,64}$/, { message: () => "a conversation token" }))

export const ChatRequest = Schema.Struct({
  message: MultilineText.pipe(Schema.minLength(1), Schema.maxLength(ASSISTANT_MAX_MESSAGE)),
  locale: Locale,
  conversationId: Schema.optional(Schema.UUID),
  token: Schema.optional(VisitorToken),
  email: Schema.optional(Email),
  /** The storefront visit (the web server reads its cookie): the conversation is linked to it. */
  visitId: Schema.optional(Schema.UUID)
})
export type ChatRequest = typeof ChatRequest.Type

export const TokenQuery = Schema.Struct({ token: VisitorToken })

export const HandoffRequest = Schema.Struct({ token: VisitorToken, email: Schema.optional(Email) })

/** The chat stream's events, in order (`text/event-stream`): conversation, text+, citations, handoff?, done. */
export const ChatConversationEvent = Schema.Struct({ id: Schema.UUID, token: Schema.optional(VisitorToken) })
export const ChatTextEvent = Schema.Struct({ delta: Schema.String })
export const ChatCitationsEvent = Schema.Array(Citation)
export const HandoffReason = Schema.Literal("asked", "guardrail", "turn-cap", "unknown")
export type HandoffReason = typeof HandoffReason.Type
export const ChatHandoffEvent = Schema.Struct({ reason: HandoffReason })
export const ChatOutcome = Schema.Literal("answered", "handed_off", "declined")
export type ChatOutcome = typeof ChatOutcome.Type
export const ChatDoneEvent = Schema.Struct({
  outcome: ChatOutcome,
  usage: Schema.Struct({ inputTokens: Schema.Int, outputTokens: Schema.Int })
})

/** One line of the staff's conversations list. */
export class ConversationSummary extends Schema.Class<ConversationSummary>("ConversationSummary")({
  id: Schema.UUID,
  status: ConversationStatus,
  locale: Locale,
  /** The visitor's first message, cut to 140 characters. */
  preview: Schema.String,
  turns: Schema.Int,
  lastMessageAt: Timestamp
}) {}

export class ConversationPage extends Schema.Class<ConversationPage>("ConversationPage")({
  conversations: Schema.Array(ConversationSummary),
  nextCursor: Schema.NullOr(Schema.String)
}) {}

/** `last_message_at|id` of the last conversation shown (UTC, microseconds), or a 400. */
const ConversationCursor = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: () => "a cursor from a previous page"
  }),
  Schema.filter((cursor) => isRealMicroTimestamp(cursor.split("|")[0] ?? ""), { message: () => "a cursor from a previous page" })
)

export const ConversationQuery = Schema.Struct({
  status: Schema.optional(ConversationStatus),
  cursor: Schema.optional(ConversationCursor),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100)))
})
export type ConversationQuery = typeof ConversationQuery.Type

export const MessageOutcome = Schema.Literal("answered", "handed_off", "declined", "replaced")

/** A message as staff see it: with the guardrail's verdict and who replied. */
export class StaffMessage extends Schema.Class<StaffMessage>("StaffMessage")({
  id: Schema.UUID,
  role: MessageRole,
  body: Schema.String,
  citations: Schema.Array(Citation),
  outcome: Schema.NullOr(MessageOutcome),
  /** Why the guardrail replaced the model's answer (what it said is kept in this reason). */
  replacedReason: Schema.NullOr(Schema.String),
  memberId: Schema.NullOr(Schema.UUID),
  createdAt: Timestamp
}) {}

export class ConversationDetail extends Schema.Class<ConversationDetail>("ConversationDetail")({
  id: Schema.UUID,
  status: ConversationStatus,
  locale: Locale,
  visitorEmail: Schema.NullOr(Schema.String),
  /** Whether the conversation came from a recorded storefront visit. */
  visitId: Schema.NullOr(Schema.UUID),
  turns: Schema.Int,
  createdAt: Timestamp,
  lastMessageAt: Timestamp,
  messages: Schema.Array(StaffMessage)
}) {}

export const StaffReplyRequest = Schema.Struct({ body: MultilineText.pipe(Schema.trimmed(), Schema.minLength(1), Schema.maxLength(4000)) })

export const ConversationStatusRequest = Schema.Struct({ status: Schema.Literal("closed", "resolved") })
