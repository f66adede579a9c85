import { spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const apiDirectory = fileURLToPath(new URL("..", import.meta.url))

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("the API process", () => {
  it("logs JSON lines, serves, and exits cleanly on SIGTERM", async () => {
    const port = await freePort()
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: apiDirectory,
      env: { ...process.env, API_PORT: String(port), DATABASE_URL: urls.runtimeUrl, REDIS_URL: urls.redisUrl, LOG_LEVEL: "Debug" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      let status = 0
      for (let attempt = 0; attempt < 300 && status !== 200; attempt++) {
        status = await fetch(`http://127.0.0.1:${port}/api/v1/health`).then((r) => r.status, () => 0)
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      if (status !== 200) console.log("OUTPUT", output)
      expect(status).toBe(200)
      await fetch(`http://127.0.0.1:${port}/api/v1/health/live`, { headers: { "x-request-id": "main-test-1" } })
      child.kill("SIGTERM")
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("timeout"), 15_000))])
      if (code !== 0) console.log("OUTPUT", code, output)
      expect(code).toBe(0)
      const lines = output.trim().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
      expect(lines.some((line) => String(line.message).includes(`Listening on http://127.0.0.1:${port}`))).toBe(true)
      expect(lines).toContainEqual(expect.objectContaining({
        message: "request",
        annotations: expect.objectContaining({ requestId: "main-test-1", status: 200, url: "/api/v1/health/live" })
      }))
    } finally {
      child.kill("SIGKILL")
    }
  }, 90_000)
})
