import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"

/** A free loopback port, as the OS hands it out. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

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

const PG_BIN = "/usr/lib/postgresql/15/bin"

/** initdb and postgres refuse to run as root: as root, they run as the `postgres` user. */
const asPostgres = (program: string, args: Array<string>) =>
  process.getuid?.() === 0
    ? promisify(execFile)("runuser", ["-u", "postgres", "--", `${PG_BIN}/${program}`, ...args])
    : promisify(execFile)(`${PG_BIN}/${program}`, args)

/** A Postgres cluster of the test's own (initdb + pg_ctl) on a free port, trust auth, stopped and started at will. */
export class OwnPostgres {
  private constructor(
    readonly directory: string,
    readonly port: number
  ) {}

  static async start(): Promise<OwnPostgres> {
    const directory = await mkdtemp(join(tmpdir(), "manara-pg-"))
    if (process.getuid?.() === 0) await promisify(execFile)("chown", ["postgres:postgres", directory])
    await asPostgres("initdb", ["-D", join(directory, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
    const cluster = new OwnPostgres(directory, await freePort())
    await cluster.resume()
    return cluster
  }

  get adminUrl() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  private ctl = (...args: Array<string>) => asPostgres("pg_ctl", ["-D", join(this.directory, "data"), ...args])

  async resume(): Promise<void> {
    await this.ctl(
      "-w",
      "-t",
      "30",
      "-l",
      join(this.directory, "log"),
      "-o",
      `-p ${this.port} -k ${this.directory} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start"
    )
  }

  async stop(): Promise<void> {
    await this.ctl("-w", "-t", "30", "-m", "fast", "stop").catch(() => undefined)
  }

  async destroy(): Promise<void> {
    await this.ctl("-w", "-t", "30", "-m", "immediate", "stop").catch(() => undefined)
    await rm(this.directory, { recursive: true, force: true })
  }
}
