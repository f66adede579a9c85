import type { ProblemKind } from "@manara/domain"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Duplex } from "node:stream"

/**
 * What the HTTP edge refuses before the app sees a request, in Node's own terms: two `Host` headers,
 * a body past its limit (by `Content-Length`, or counted as it streams in, chunked or not), and the
 * requests Node's parser itself gives up on (oversized headers, timeouts, malformed requests).
 */

/** Bodies a person's form can produce: captures are small; everything else fits in 1 MiB. */
export const bodyLimitFor = (path: string) =>
  /^\/api\/v1\/public\/(orders|donations|pledges|assistant\/chat)$/.test(path) ? 16 * 1024 : 1024 * 1024

const TITLES: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large"
}

const problemJson = (status: number, slug: ProblemKind, detail: string, instance?: string) =>
  JSON.stringify({
    type: `https://manara.app/problems/${slug}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    ...(instance === undefined ? {} : { instance })
  })

/** Answers and closes the connection: the rest of the request is never read. */
const refuse = (response: ServerResponse, status: number, slug: ProblemKind, detail: string, path: string) => {
  if (response.headersSent || response.writableEnded) return
  const body = problemJson(status, slug, detail, path)
  response.writeHead(status, {
    "content-type": "application/problem+json",
    "content-length": Buffer.byteLength(body),
    connection: "close"
  })
  response.end(body)
}

const hostHeaders = (request: IncomingMessage) => {
  let count = 0
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === "host") count++
  }
  return count
}

/**
 * Checks a request before the app gets it; false when it was answered here. A body is counted as
 * Node's parser hands it over, so nothing past the limit is ever buffered: the request is answered
 * 413 at once, and what the app would read ends with a NUL byte, which no JSON body can decode.
 */
export const admitRequest = (request: IncomingMessage, response: ServerResponse): boolean => {
  const path = (request.url ?? "/").split("?")[0]!
  // Node keeps the first Host and drops the second: a proxy in front may have routed by the other one.
  if (hostHeaders(request) > 1) {
    refuse(response, 400, "duplicate-host", "The request has more than one Host header", path)
    return false
  }
  const limit = bodyLimitFor(path)
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > limit) {
    refuse(response, 413, "payload-too-large", `The body is larger than ${limit / 1024} KiB`, path)
    return false
  }
  let received = 0
  let refused = false
  const push = request.push.bind(request)
  request.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (refused) return true
    if (chunk !== null && chunk !== undefined) {
      received += (chunk as { length: number }).length
      if (received > limit) {
        refused = true
        refuse(response, 413, "payload-too-large", `The body is larger than ${limit / 1024} KiB`, path)
        push(Buffer.from([0]))
        return push(null)
      }
    }
    return push(chunk, encoding)
  }
  return true
}

const RAW_TITLES: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" }

/**
 * What Node's parser refuses never reaches the app: answer it as a problem wherever the socket can
 * still be written to (it cannot after a reset, or once a response has started).
 */
export const answerClientErrors = (server: Server) => {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === "ECONNRESET" || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy()
      return
    }
    const [status, slug, detail] =
      error.code === "HPE_HEADER_OVERFLOW"
        ? ([431, "headers-too-large", "The request headers are larger than 16 KiB"] as const)
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ERR_HTTP_HEADERS_TIMEOUT"
          ? ([408, "request-timeout", "The request did not arrive in time"] as const)
          : ([400, "malformed-request", "The request is not valid HTTP"] as const)
    const body = problemJson(status, slug, detail)
    socket.end(
      `HTTP/1.1 ${status} ${RAW_TITLES[status]}\r\ncontent-type: application/problem+json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
    )
  })
}
