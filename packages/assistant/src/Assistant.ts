import { SqlClient } from "@effect/sql"
import { AiPlans, Gateway, type GatewayMessage } from "@manara/ai-gateway"
import { CurrentTenant, TenantSql } from "@manara/db"
import {
  AssistantMessage,
  AssistantSettings,
  type ChatOutcome,
  type ChatRequest,
  Citation,
  ConversationDetail,
  ConversationPage,
  type ConversationQuery,
  type ConversationStatus,
  ConversationSummary,
  type HandoffReason,
  type Locale,
  PublicConversation,
  StaffMessage,
  type TenantId
} from "@manara/domain"
import { Chunk, Effect, Stream } from "effect"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { AssistantOff, ConversationClosed, ConversationNotFound } from "./Errors.js"
import { AssistantEvents } from "./Events.js"
import { checkAnswer } from "./Guardrail.js"
import { retrieve } from "./Knowledge.js"
import { intentOf, languageOf, quoteTenantText, revealsRules, SAYS, systemPrompt, visitorTurn } from "./Prompt.js"

/** What one visitor message came to: the events the chat stream sends, in order. */
export interface ChatResult {
  readonly conversation: { readonly id: string; readonly token?: string }
  readonly text: string
  readonly citations: ReadonlyArray<Citation>
  readonly handoff: HandoffReason | undefined
  readonly outcome: ChatOutcome
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number }
}

/** The storefront a chat is for: its tenant and the name the assistant speaks for. */
export interface ChatStorefront {
  readonly tenantId: TenantId
  readonly name: string
}

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex")

interface ConversationRow {
  readonly id: string
  readonly status: ConversationStatus
  readonly locale: Locale
  readonly turns: number
  readonly visitor_email: string | null
  readonly visit_id: string | null
  readonly created_at: string
  readonly last_message_at: string
}
interface MessageRow {
  readonly id: string
  readonly role: "visitor" | "assistant" | "staff"
  readonly body: string
  readonly citations: ReadonlyArray<Citation>
  readonly outcome: "answered" | "handed_off" | "declined" | "replaced" | null
  readonly replaced_reason: string | null
  readonly member_id: string | null
  readonly created_at: string
}

const at = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
const conversationColumns = `id::text, status, locale, turns, visitor_email, visit_id::text, ${at("created_at")} as created_at, ${at("last_message_at")} as last_message_at`
const messageColumns = `id::text, role, body, citations, outcome, replaced_reason, member_id::text, ${at("created_at")} as created_at`

const publicMessage = (row: MessageRow) =>
  new AssistantMessage({
    id: row.id,
    role: row.role,
    body: row.body,
    citations: row.citations.map((c) => new Citation(c)),
    createdAt: row.created_at
  })
const staffMessage = (row: MessageRow) =>
  new StaffMessage({
    id: row.id,
    role: row.role,
    body: row.body,
    citations: row.citations.map((c) => new Citation(c)),
    outcome: row.outcome,
    replacedReason: row.replaced_reason,
    memberId: row.member_id,
    createdAt: row.created_at
  })

const DEFAULT_SETTINGS = new AssistantSettings({ enabled: true, tone: "warm", handoffEmails: [], handoffTelegram: true })

/** The status a conversation takes after an assistant turn: once staff are asked, it stays with them. */
const nextStatus = (current: ConversationStatus | undefined, outcome: ChatOutcome): ConversationStatus =>
  outcome === "handed_off" || current === "handed_off" ? "handed_off" : outcome

/**
 * The storefront assistant: a visitor's message to an answer from the tenant's published data (through
 * the gateway, metered), the guardrail over it, the conversation stored, handoffs to staff through the
 * outbox; and the staff's side (FAQs, settings, conversations, replies).
 */
export class Assistant extends Effect.Service<Assistant>()("Assistant/Assistant", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const gateway = yield* Gateway
    const plans = yield* AiPlans
    const events = yield* AssistantEvents

    const settings = Effect.map(
      sql<{
        enabled: boolean
        tone: "warm" | "formal"
        handoff_emails: ReadonlyArray<string>
        handoff_telegram: boolean
      }>`select enabled, tone, handoff_emails, handoff_telegram from assistant_settings`,
      (rows) =>
        rows[0] === undefined
          ? DEFAULT_SETTINGS
          : new AssistantSettings({
              enabled: rows[0].enabled,
              tone: rows[0].tone,
              handoffEmails: rows[0].handoff_emails,
              handoffTelegram: rows[0].handoff_telegram
            })
    )

    const updateSettings = (next: AssistantSettings) =>
      Effect.flatMap(CurrentTenant, (tenantId) =>
        sql`insert into assistant_settings (tenant_id, enabled, tone, handoff_emails, handoff_telegram)
          values (${tenantId}, ${next.enabled}, ${next.tone}, array(select jsonb_array_elements_text(${JSON.stringify([...new Set(next.handoffEmails.map((e) => e.toLowerCase()))])}::jsonb)), ${next.handoffTelegram})
          on conflict (tenant_id) do update set enabled = excluded.enabled, tone = excluded.tone,
            handoff_emails = excluded.handoff_emails, handoff_telegram = excluded.handoff_telegram`.pipe(Effect.zipRight(settings))
      )

    /** A conversation by id, for the visitor holding its token (a wrong token is the same 404 as none). */
    const visitorsConversation = (id: string, token: string) =>
      Effect.flatMap(
        sql<ConversationRow>`select ${sql.unsafe(conversationColumns)} from ai_conversations
          where id = ${id} and visitor_token_hash = ${hashToken(token)}`,
        (rows) => (rows[0] === undefined ? Effect.fail(new ConversationNotFound()) : Effect.succeed(rows[0]))
      )

    const conversationById = (id: string) =>
      Effect.flatMap(sql<ConversationRow>`select ${sql.unsafe(conversationColumns)} from ai_conversations where id = ${id}`, (rows) =>
        rows[0] === undefined ? Effect.fail(new ConversationNotFound()) : Effect.succeed(rows[0])
      )

    // Qualified: unqualified, `created_at` is the select's text rendering (to the millisecond), and ties flip.
    const messagesOf = (id: string) =>
      sql<MessageRow>`select ${sql.unsafe(messageColumns)} from ai_messages where conversation_id = ${id}
        order by ai_messages.created_at, ai_messages.id`

    /**
     * Staff hear of a handoff through the outbox, once per conversation: the assistant's handoff
     * addresses, the staff preferences listing `assistant.handoff`, the tenant's Telegram chats when
     * the settings say so; else the tenant's contact email.
     */
    const notifyHandoff = (conversationId: string, reason: HandoffReason, preview: string, locale: Locale) =>
      Effect.flatMap(CurrentTenant, (tenantId) => {
        const payload = JSON.stringify({ kind: "conversation", id: conversationId, reason, preview: preview.slice(0, 300), locale })
        const key = `assistant-handoff:${conversationId}`
        return sql`
          with settings as (select coalesce((select handoff_telegram from assistant_settings), true) as telegram,
              coalesce((select handoff_emails from assistant_settings), '{}') as emails),
          targets as (
            select 'email'::text as channel, e as target, 'ar'::text as locale from settings s cross join unnest(s.emails) e
            union
            select p.channel, p.target, p.locale from notification_preferences p, settings s
            where p.enabled and ('assistant.handoff' = any (p.events) or (p.channel = 'telegram' and s.telegram))
          ),
          everyone as (
            select channel, target, locale from targets
            union all
            select 'email', t.settings -> 'contact' ->> 'email', 'ar' from app.current_tenant_settings() t
            where t.settings -> 'contact' ->> 'email' is not null and not exists (select 1 from targets)
          )
          insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
          select distinct on (channel, target) ${tenantId}::uuid, 'assistant.handoff', ${payload}::jsonb, channel, target, locale,
            ${key} || ':' || channel || ':' || target
          from everyone
          on conflict (tenant_id, dedupe_key) do nothing`
      })

    /** Everything before the model: the settings, the conversation and its recent turns, the passages. */
    const prepare = (request: ChatRequest, locale: Locale) =>
      Effect.gen(function* () {
        const current = yield* settings
        if (!current.enabled) return yield* new AssistantOff()
        const existing =
          request.conversationId === undefined ? undefined : yield* visitorsConversation(request.conversationId, request.token ?? "")
        const history = existing === undefined ? [] : yield* messagesOf(existing.id)
        const retrieval = yield* retrieve(request.message, locale)
        return { settings: current, existing, history, retrieval }
      })

    /** One model call through the gateway, its text gathered: the guardrail must see a whole answer before the visitor does. */
    const ask = (tenantId: TenantId, conversationId: string, ip: string | null, system: string, messages: ReadonlyArray<GatewayMessage>) =>
      gateway.stream({ tenantId, conversationId, ip, system, messages }).pipe(
        Stream.runCollect,
        Effect.map((chunk) => {
          let text = ""
          let usage = { inputTokens: 0, outputTokens: 0 }
          for (const event of Chunk.toReadonlyArray(chunk)) {
            if (event.type === "text") text += event.delta
            else usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens }
          }
          return { text: text.trim(), usage }
        })
      )

    const chat = (storefront: ChatStorefront, request: ChatRequest & { readonly visitId?: string | undefined }, ip: string | null) =>
      Effect.gen(function* () {
        const locale = languageOf(request.message, request.locale)
        const {
          existing,
          history,
          retrieval,
          settings: current
        } = yield* tenantSql.withTenant(storefront.tenantId, prepare(request, locale))
        const conversationId = existing?.id ?? randomUUID()
        const token = existing === undefined ? randomBytes(32).toString("base64url") : undefined
        const turns = (existing?.turns ?? 0) + 1
        const plan = yield* plans.planOf(storefront.tenantId)

        let text: string
        let citations: ReadonlyArray<Citation> = []
        let outcome: ChatOutcome
        let handoff: HandoffReason | undefined
        let replaced: string | undefined
        let usage = { inputTokens: 0, outputTokens: 0 }
        const intent = intentOf(request.message)
        const handOff = (reason: HandoffReason) => {
          handoff = reason
          outcome = "handed_off"
          text = `${SAYS[reason][locale]}${request.email === undefined && existing?.visitor_email == null ? ` ${SAYS.handoffNoEmail[locale]}` : ""}`
        }
        if (intent === "person") handOff("asked")
        else if (turns > plan.maxTurns) handOff("turn-cap")
        else if (intent === "prompt") {
          outcome = "declined"
          text = SAYS.prompt[locale]
        } else if (intent === "unsafe") {
          outcome = "declined"
          text = SAYS.declined[locale]
        } else if (retrieval.passages.length === 0) handOff("unknown")
        else {
          const system = systemPrompt({ tenantName: storefront.name, locale, tone: current.tone, passages: retrieval.passages })
          // The last turns only: enough context for a follow-up, within the plan's input cap.
          const earlier = history
            .filter((message) => message.role !== "staff")
            .slice(-4)
            .map((message): GatewayMessage =>
              message.role === "visitor" ? visitorTurn(message.body) : { role: "assistant", text: message.body }
            )
          // A provider that fails or stalls: staff take the question (what it streamed is metered all the same).
          const answer = yield* ask(storefront.tenantId, conversationId, ip, system, [...earlier, visitorTurn(request.message)]).pipe(
            Effect.catchTags({
              AiProviderFailed: () => Effect.succeed({ text: "", usage: { inputTokens: 0, outputTokens: 0 } }),
              AiTimeout: () => Effect.succeed({ text: "", usage: { inputTokens: 0, outputTokens: 0 } })
            })
          )
          usage = answer.usage
          const verdict = checkAnswer(
            answer.text,
            // What the model was shown: the quoted text, a planted instruction already gone.
            retrieval.passages.map((passage) => `${quoteTenantText(passage.title)}\n${quoteTenantText(passage.body)}`)
          )
          if (answer.text === "") handOff("unknown")
          else if (revealsRules(answer.text)) {
            replaced = `the answer repeated the assistant's instructions; it said: ${answer.text}`
            handOff("guardrail")
          } else if (!verdict.ok) {
            replaced = `not in the passages: ${verdict.missing.join(", ")}; it said: ${answer.text}`
            handOff("guardrail")
          } else {
            outcome = "answered"
            text = answer.text
            citations = retrieval.passages.map((passage) => new Citation(passage.source))
          }
        }
        const finalOutcome = outcome!
        const finalText = text!

        yield* tenantSql.withTenant(
          storefront.tenantId,
          Effect.gen(function* () {
            const tenantId = yield* CurrentTenant
            const status = nextStatus(existing?.status, finalOutcome)
            if (existing === undefined) {
              // A visit of this tenant only (RLS hides the rest): an unknown id links nothing.
              yield* sql`insert into ai_conversations (tenant_id, id, visit_id, locale, status, visitor_email, visitor_token_hash, turns, handoff_reason)
                values (${tenantId}, ${conversationId}, (select id from visits where id = ${request.visitId ?? null}::uuid),
                  ${locale}, ${status}, ${request.email ?? null}, ${hashToken(token!)}, ${turns}, ${handoff ?? null})`
            } else {
              yield* sql`update ai_conversations set status = ${status}, turns = ${turns}, locale = ${locale},
                visitor_email = coalesce(${request.email ?? null}, visitor_email),
                handoff_reason = coalesce(${handoff ?? null}, handoff_reason), last_message_at = now()
                where id = ${conversationId}`
            }
            yield* sql`insert into ai_messages (tenant_id, conversation_id, role, body) values (${tenantId}, ${conversationId}, 'visitor', ${request.message})`
            yield* sql`insert into ai_messages (tenant_id, conversation_id, role, body, citations, outcome, replaced_reason)
              values (${tenantId}, ${conversationId}, 'assistant', ${finalText}, ${JSON.stringify(citations)}::jsonb,
                ${replaced === undefined ? finalOutcome : "replaced"}, ${replaced === undefined ? null : replaced.slice(0, 4000)})`
            if (replaced !== undefined) yield* Effect.logWarning(`Assistant answer replaced by a handoff: ${replaced.slice(0, 300)}`)
            if (handoff !== undefined) yield* notifyHandoff(conversationId, handoff, request.message, locale)
          })
        )
        return {
          conversation: token === undefined ? { id: conversationId } : { id: conversationId, token },
          text: finalText,
          citations,
          handoff,
          outcome: finalOutcome,
          usage
        } satisfies ChatResult
      })

    const publicConversation = (id: string) =>
      Effect.gen(function* () {
        const conversation = yield* conversationById(id)
        const messages = yield* messagesOf(id)
        return new PublicConversation({ id, status: conversation.status, messages: messages.map(publicMessage) })
      })

    /** The visitor asks for a person from the widget's button. */
    const handoff = (id: string, token: string, email: string | undefined) =>
      Effect.gen(function* () {
        const conversation = yield* visitorsConversation(id, token)
        yield* sql`update ai_conversations set status = 'handed_off', handoff_reason = coalesce(handoff_reason, 'asked'),
          visitor_email = coalesce(${email ?? null}, visitor_email), last_message_at = now() where id = ${id}`
        const [first] = yield* sql<{
          body: string
        }>`select body from ai_messages where conversation_id = ${id} and role = 'visitor' order by created_at limit 1`
        yield* notifyHandoff(id, "asked", first?.body ?? "", conversation.locale)
        return yield* publicConversation(id)
      })

    const detail = (id: string) =>
      Effect.gen(function* () {
        const row = yield* conversationById(id)
        const messages = yield* messagesOf(id)
        return new ConversationDetail({
          id: row.id,
          status: row.status,
          locale: row.locale,
          visitorEmail: row.visitor_email,
          visitId: row.visit_id,
          turns: row.turns,
          createdAt: row.created_at,
          lastMessageAt: row.last_message_at,
          messages: messages.map(staffMessage)
        })
      })

    const list = (query: ConversationQuery) =>
      Effect.gen(function* () {
        const limit = query.limit ?? 30
        const [cursorAt, cursorId] = query.cursor === undefined ? [undefined, undefined] : query.cursor.split("|")
        const rows = yield* sql<ConversationRow & { preview: string | null; cursor: string }>`
          select ${sql.unsafe(conversationColumns)},
            (select left(m.body, 140) from ai_messages m where m.conversation_id = c.id and m.role = 'visitor' order by m.created_at limit 1) as preview,
            to_char(c.last_message_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|' || c.id as cursor
          from ai_conversations c
          where ${query.status === undefined ? sql`true` : sql`c.status = ${query.status}`}
            and ${cursorAt === undefined ? sql`true` : sql`(c.last_message_at, c.id) < (${cursorAt}::timestamp at time zone 'UTC', ${cursorId!}::uuid)`}
          order by c.last_message_at desc, c.id desc limit ${limit + 1}`
        const page = rows.slice(0, limit)
        return new ConversationPage({
          conversations: page.map(
            (row) =>
              new ConversationSummary({
                id: row.id,
                status: row.status,
                locale: row.locale,
                preview: row.preview ?? "",
                turns: row.turns,
                lastMessageAt: row.last_message_at
              })
          ),
          nextCursor: rows.length > limit ? page.at(-1)!.cursor : null
        })
      })

    /**
     * A staff reply: stored, sent to the open widget after commit, and emailed through the outbox when
     * the visitor left an address. A closed or resolved conversation takes no more replies (409).
     */
    const reply = (id: string, memberId: string, body: string) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const conversation = yield* conversationById(id)
        if (conversation.status === "closed" || conversation.status === "resolved") return yield* new ConversationClosed()
        const [row] = yield* sql<MessageRow>`insert into ai_messages (tenant_id, conversation_id, role, body, member_id)
          values (${tenantId}, ${id}, 'staff', ${body}, ${memberId}) returning ${sql.unsafe(messageColumns)}`
        yield* sql`update ai_conversations set last_message_at = now() where id = ${id}`
        if (conversation.visitor_email !== null) {
          const payload = JSON.stringify({ conversationId: id, body: body.slice(0, 4000) })
          yield* sql`insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            values (${tenantId}, 'assistant.reply', ${payload}::jsonb, 'email', ${conversation.visitor_email}, ${conversation.locale},
              ${`assistant-reply:${row!.id}`}) on conflict (tenant_id, dedupe_key) do nothing`
        }
        return staffMessage(row!)
      })

    /** After the reply's transaction committed: the widget hears it. */
    const announce = (tenantId: TenantId, conversationId: string, message: StaffMessage) =>
      events.publish({
        tenantId,
        conversationId,
        message: new AssistantMessage({
          id: message.id,
          role: message.role,
          body: message.body,
          citations: message.citations,
          createdAt: message.createdAt
        })
      })

    const setStatus = (id: string, status: "closed" | "resolved") =>
      Effect.gen(function* () {
        yield* conversationById(id)
        yield* sql`update ai_conversations set status = ${status} where id = ${id}`
        return yield* detail(id)
      })

    return {
      settings,
      updateSettings,
      chat,
      publicConversation: (id: string, token: string) => Effect.zipRight(visitorsConversation(id, token), publicConversation(id)),
      verifyVisitor: (id: string, token: string) => Effect.asVoid(visitorsConversation(id, token)),
      handoff,
      list,
      detail,
      reply,
      announce,
      setStatus,
      liveMessages: events.forConversation
    } as const
  }),
  dependencies: [AssistantEvents.Default]
}) {}
