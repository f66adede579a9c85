import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const apiDirectory = fileURLToPath(new URL("..", import.meta.url))

describe("the API process", () => {
  it("logs JSON lines, serves, and exits cleanly on SIGTERM", async () => {
    // Port 0: the process reports the port it got, so no other test can take it in between.
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: apiDirectory,
      env: {
        ...process.env,
        API_PORT: "0",
        DATABASE_URL: urls.runtimeUrl,
        REDIS_URL: urls.redisUrl,
        LOG_LEVEL: "Debug",
        NOTIFY_DELIVERY: "false"
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const listening = new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk) => {
        output += chunk
        const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
        if (match) resolve(match[1]!)
      })
      child.once("exit", (code) => reject(new Error(`exited early with ${code}: ${output}`)))
    })
    child.stderr.on("data", (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      const base = await listening
      const health = await fetch(`${base}/api/v1/health`, { signal: AbortSignal.timeout(10_000) })
      expect(health.status).toBe(200)
      await fetch(`${base}/api/v1/health/live`, { headers: { "x-request-id": "main-test-1" }, signal: AbortSignal.timeout(10_000) })
      child.kill("SIGTERM")
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000))])
      expect(code, output).toBe(0)
      const lines = output
        .trim()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line))
      expect(lines).toContainEqual(
        expect.objectContaining({
          message: "request",
          annotations: expect.objectContaining({ requestId: "main-test-1", status: 200, url: "/api/v1/health/live" })
        })
      )
    } finally {
      child.kill("SIGKILL")
    }
  }, 90_000)
})
