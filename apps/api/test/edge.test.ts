import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, type Person } from "@manara/testkit"
import { request as httpRequest } from "node:http"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
let port: number
let someone: Person
const { person } = apiPeople(() => api.url, urls, pool)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
  port = Number(new URL(api.url).port)
  someone = await person("edge")
})
afterAll(async () => {
  await api?.close()
})

/** Writes bytes to the server as they are and reads everything it answers until it closes. */
const raw = (bytes: string | Buffer) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk) => chunks.push(chunk))
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")))
    socket.on("error", reject)
    socket.write(bytes)
    setTimeout(() => socket.destroy(), 5_000)
  })

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1])
const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4)) as { status: number; type: string }

describe("headers", () => {
  it("two Host headers are a 400 problem", async () => {
    const response = await raw(
      "GET /api/v1/public/storefront HTTP/1.1\r\nHost: a.manara.test\r\nHost: b.manara.test\r\nConnection: close\r\n\r\n"
    )
    expect(statusOf(response)).toBe(400)
    expect(response.toLowerCase()).toContain("content-type: application/problem+json")
    expect(bodyOf(response).type).toBe("https://manara.app/problems/duplicate-host")
  })

  it("oversized headers get a 431 problem+json answer", async () => {
    const response = await raw(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`)
    expect(statusOf(response)).toBe(431)
    expect(response.toLowerCase()).toContain("content-type: application/problem+json")
    expect(bodyOf(response).status).toBe(431)
  })

  it("a request that is not HTTP gets a 400 problem+json answer", async () => {
    const response = await raw("HELLO THERE\r\n\r\n")
    expect(statusOf(response)).toBe(400)
    expect(bodyOf(response).type).toBe("https://manara.app/problems/malformed-request")
  })
})

describe("Authorization scheme", () => {
  const me = (authorization: string) => fetch(`${api.url}/api/v1/auth/me`, { headers: { authorization } })

  it("a valid token under any scheme but Bearer is a 401; Bearer in any case is accepted", async () => {
    expect((await me(`Bearer ${someone.token}`)).status).toBe(200)
    expect((await me(`bearer ${someone.token}`)).status).toBe(200)
    expect((await me(`BEARER ${someone.token}`)).status).toBe(200)
    // 6 letters and a space: the platform alone would have taken the token after the 7th character.
    for (const scheme of ["Digest", "Basic ", "Token ", "Beaver", "MAC   "]) {
      const response = await me(`${scheme} ${someone.token}`)
      expect(response.status, scheme).toBe(401)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
    }
    expect((await me(someone.token)).status).toBe(401)
    expect((await me(`Bearer${someone.token}`)).status).toBe(401)
  })
})

describe("body limits", () => {
  /** Sends up to `total` bytes chunked (one reused buffer, so the client itself does not grow), until the server answers. */
  const chunked = (path: string, total: number, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; sent: number; ms: number }>((resolve, reject) => {
      const started = performance.now()
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      let sent = 0
      let answered = false
      const request = httpRequest({
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked", host: "x.manara.test", ...headers }
      })
      request.on("response", (response) => {
        answered = true
        const parts: Array<Buffer> = []
        response.on("data", (part) => parts.push(part))
        response.on("end", () => {
          resolve({ status: response.statusCode!, body: Buffer.concat(parts).toString("utf8"), sent, ms: performance.now() - started })
          request.destroy()
        })
      })
      request.on("error", (error) => (answered ? undefined : reject(error)))
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length
          if (!request.write(chunk)) return void request.once("drain", pump)
        }
        if (!answered) request.end()
      }
      request.write('{"a":')
      pump()
    })

  it("a 64 MiB chunked body is refused with 413 while it is still arriving, and the server's memory does not grow with it", async () => {
    global.gc?.()
    const before = process.memoryUsage().rss
    const result = await chunked("/api/v1/auth/login", 64 * 1024 * 1024)
    const grown = process.memoryUsage().rss - before
    expect(result.status).toBe(413)
    expect(JSON.parse(result.body).type).toBe("https://manara.app/problems/payload-too-large")
    // Answered after about the 1 MiB limit, not after the 64 MiB were sent.
    expect(result.sent).toBeLessThan(16 * 1024 * 1024)
    // What was sent proves the early answer; the time only rules out waiting for all 64 MiB (loose on a loaded machine).
    expect(result.ms).toBeLessThan(15_000)
    expect(grown).toBeLessThan(48 * 1024 * 1024)
  })

  it("a chunked capture past 16 KiB is a 413 before it is read whole", async () => {
    const result = await chunked("/api/v1/public/donations", 16 * 1024 * 1024)
    expect(result.status).toBe(413)
    expect(result.sent).toBeLessThan(8 * 1024 * 1024)
  })

  it("a chunked body within the limit still reaches the handler", async () => {
    const response = await fetch(`${api.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(JSON.stringify({ email: someone.email, password: "wrong-Passw0rd!" })))
          controller.close()
        }
      }),
      duplex: "half"
    } as RequestInit)
    expect(response.status).toBe(401)
  })

  it("a declared Content-Length past the limit is a 413 problem without reading the body", async () => {
    const response = await raw(
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n{`
    )
    expect(statusOf(response)).toBe(413)
    expect(bodyOf(response).type).toBe("https://manara.app/problems/payload-too-large")
  })
})
