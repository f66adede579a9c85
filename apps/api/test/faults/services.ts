import { freePort } from "@manara/testkit"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { promisify } from "node:util"

/** The Postgres harness lives in the testkit (the TLS and rotation tests use it too). */
export { freePort, OwnPostgres } from "@manara/testkit"

const until = async (what: string, ms: number, check: () => Promise<boolean>) => {
  const deadline = Date.now() + ms
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A redis-server of the test's own (never the machine's), stopped and started again on the same port. */
export class OwnRedis {
  private process: ChildProcess | undefined
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort())
    await redis.resume()
    return redis
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  async resume(): Promise<void> {
    this.process = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore"
    })
    await until(
      "redis-server answers",
      10_000,
      async () => (await promisify(execFile)("redis-cli", ["-p", String(this.port), "ping"])).stdout.trim() === "PONG"
    )
  }

  async stop(): Promise<void> {
    const child = this.process
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once("exit", resolve))
    child.kill("SIGKILL")
    await exited
  }
}
