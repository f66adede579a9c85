import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"

/** One sendMessage the fake received, with the idempotency key the sender attached. */
export interface ReceivedTelegramMessage {
  readonly token: string
  readonly chatId: string
  readonly text: string
  readonly parseMode: string | undefined
  readonly idempotencyKey: string | undefined
  readonly answeredWith: number | "hang"
  /** When it arrived (ms since the epoch). */
  readonly at: number
}

/** What to answer a chat's next messages with: an HTTP status and, for 429, Telegram's `retry_after`. */
export type TelegramAnswer =
  | { readonly status: 200 }
  | { readonly status: 429; readonly retryAfter: number }
  | { readonly status: 500 | 502 | 503 }
  /** Never answers: the sender is mid-send until it gives up or dies (recorded as "hang"). */
  | { readonly status: "hang" }

export interface TelegramFake {
  readonly url: string
  readonly received: () => ReadonlyArray<ReceivedTelegramMessage>
  /** Answers for a chat, used in order; when they run out, `otherwise` (200 unless set). */
  readonly script: (chatId: string, answers: ReadonlyArray<TelegramAnswer>, otherwise?: TelegramAnswer) => void
  /** The webhook a bot registered through `setWebhook` (its URL and secret token), if any. */
  readonly webhook: (token: string) => { readonly url: string; readonly secretToken: string | undefined } | undefined
  /**
   * What Telegram does when someone writes to the bot: POSTs the update to the bot's webhook with the
   * `X-Telegram-Bot-Api-Secret-Token` header it registered. Answers the webhook's HTTP status.
   */
  readonly userSends: (token: string, chat: { readonly id: number; readonly firstName?: string }, text: string) => Promise<number>
  readonly close: () => Promise<void>
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/**
 * A loopback HTTP server that speaks the Bot API's `sendMessage` (`POST /bot<token>/sendMessage`):
 * it records what it receives and answers 200, 429 with `retry_after`, or 5xx as scripted per chat.
 * It also keeps each bot's `setWebhook`, and plays a Telegram user writing to a bot (`userSends`): the
 * update is POSTed to that webhook with its secret header, as Telegram does.
 */
export const startTelegramFake = async (): Promise<TelegramFake> => {
  const received: Array<ReceivedTelegramMessage> = []
  const scripts = new Map<string, { answers: Array<TelegramAnswer>; otherwise: TelegramAnswer }>()
  let nextId = 1
  const hanging = new Set<ServerResponse>()
  const webhooks = new Map<string, { url: string; secretToken: string | undefined }>()
  let nextUpdate = 1
  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request)
    const setWebhook = /^\/bot([^/]+)\/setWebhook$/.exec(request.url ?? "")
    if (request.method === "POST" && setWebhook !== null) {
      const payload = JSON.parse(body) as { url?: string; secret_token?: string }
      if (typeof payload.url !== "string" || payload.url === "") webhooks.delete(decodeURIComponent(setWebhook[1]!))
      else webhooks.set(decodeURIComponent(setWebhook[1]!), { url: payload.url, secretToken: payload.secret_token })
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ ok: true, result: true, description: "Webhook was set" }))
      return
    }
    const match = /^\/bot([^/]+)\/sendMessage$/.exec(request.url ?? "")
    if (request.method !== "POST" || match === null) {
      response
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ ok: false, error_code: 404, description: "Not Found" }))
      return
    }
    const payload = JSON.parse(body) as { chat_id: string | number; text: string; parse_mode?: string }
    const chatId = String(payload.chat_id)
    const script = scripts.get(chatId)
    const answer = script?.answers.shift() ?? script?.otherwise ?? { status: 200 }
    const key = request.headers["x-manara-idempotency-key"]
    received.push({
      token: decodeURIComponent(match[1]!),
      chatId,
      text: payload.text,
      parseMode: payload.parse_mode,
      idempotencyKey: typeof key === "string" ? key : undefined,
      answeredWith: answer.status,
      at: Date.now()
    })
    if (answer.status === "hang") return void hanging.add(response)
    const json = (status: number, value: unknown) =>
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value))
    if (answer.status === 200) return json(200, { ok: true, result: { message_id: nextId++, chat: { id: chatId }, text: payload.text } })
    if (answer.status === 429) {
      return json(429, {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${answer.retryAfter}`,
        parameters: { retry_after: answer.retryAfter }
      })
    }
    return json(answer.status, { ok: false, error_code: answer.status, description: "Internal Server Error" })
  }
  const server: Server = createServer((request, response) => void respond(request, response))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address !== "object") throw new Error("the Telegram fake is not on TCP")
  return {
    url: `http://127.0.0.1:${address.port}`,
    received: () => [...received],
    script: (chatId, answers, otherwise = { status: 200 }) => void scripts.set(chatId, { answers: [...answers], otherwise }),
    webhook: (token) => webhooks.get(token),
    userSends: async (token, chat, text) => {
      const hook = webhooks.get(token)
      if (hook === undefined) throw new Error("this bot has no webhook")
      const date = Math.floor(Date.now() / 1000)
      const response = await fetch(hook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(hook.secretToken === undefined ? {} : { "x-telegram-bot-api-secret-token": hook.secretToken })
        },
        body: JSON.stringify({
          update_id: nextUpdate++,
          message: {
            message_id: nextId++,
            date,
            text,
            chat: { id: chat.id, type: "private", first_name: chat.firstName ?? "Member" },
            from: { id: chat.id, is_bot: false, first_name: chat.firstName ?? "Member" }
          }
        })
      })
      await response.arrayBuffer()
      return response.status
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
