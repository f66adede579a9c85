import { startApi } from "@manara/api/server"
import { apiEnv } from "@manara/testkit"
import { connect } from "node:net"
import { describe, expect, inject, it } from "vitest"
import { donate, donationTenant, holdCounter, lockWaiters } from "./harness.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

/** True once the server refuses new connections: the drain began. */
const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(false)
    })
    socket.once("error", () => resolve(true))
  })

describe("a request arriving during the drain", () => {
  it("is answered 503 with Retry-After and Connection: close, while the request in flight still gets its 201", async () => {
    const api = await startApi(apiEnv(urls, pool, { SHUTDOWN_GRACE: "15 seconds" }))
    const port = Number(new URL(api.url).port)
    const tenant = await donationTenant(urls)
    const release = await holdCounter(urls, tenant.id)
    let closed: Promise<void> | undefined
    try {
      const inFlight = donate(api.url, tenant, "before-drain")
      await lockWaiters(urls, 1)
      // A request whose headers are still arriving when the drain begins: its socket is not idle.
      const socket = connect(port, "127.0.0.1")
      await new Promise((resolve) => socket.once("connect", resolve))
      let answer = ""
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString()))
      const ended = new Promise((resolve) => socket.once("close", resolve))
      socket.write("GET /api/v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
      await new Promise((resolve) => setTimeout(resolve, 200))

      closed = api.close()
      const deadline = Date.now() + 10_000
      while (!(await refusesConnections(port))) {
        if (Date.now() > deadline) throw new Error("the server still accepts connections")
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      socket.write("\r\n")
      await ended
      expect(answer).toMatch(/^HTTP\/1\.1 503 /)
      expect(answer).toMatch(/\r\nretry-after: \d+\r\n/i)
      expect(answer).toMatch(/\r\nconnection: close\r\n/i)
      expect(answer).toContain("https://manara.app/problems/shutting-down")

      await release()
      const response = await inFlight
      expect(response.status).toBe(201)
      expect(response.headers.get("connection")).toBe("close")
    } finally {
      await release()
      await closed
    }
  }, 60_000)
})
