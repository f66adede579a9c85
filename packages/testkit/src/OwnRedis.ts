import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { freePort } from "./Ports.js"

const run = promisify(execFile)
const cli = (port: number, ...args: Array<string>) => run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])

const waitFor = async (check: () => Promise<boolean>, what: string, timeoutMs = 15_000) => {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** A redis-server of the test's own on a free port, with no persistence: stopping it loses everything. */
export class OwnRedis {
  private process: ChildProcess | undefined
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extra: ReadonlyArray<string>
  ) {}

  static async start(extra: ReadonlyArray<string> = []) {
    const dir = mkdtempSync(join(tmpdir(), "manara-redis-"))
    const redis = new OwnRedis(await freePort(), dir, extra)
    await redis.resume()
    return redis
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts (again) on the same port: a Redis that comes back empty. */
  async resume() {
    this.process = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir, ...this.extra],
      {
        stdio: "ignore"
      }
    )
    await waitFor(async () => (await cli(this.port, "ping")).stdout.trim() === "PONG", `redis on ${this.port}`)
  }

  async stop() {
    const child = this.process
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once("exit", resolve))
    child.kill("SIGKILL")
    await exited
    this.process = undefined
  }

  async dispose() {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Three masters on loopback, joined by `redis-cli --cluster create`, each its own redis-server. */
export class OwnCluster {
  private constructor(readonly nodes: ReadonlyArray<OwnRedis>) {}

  static async start() {
    const nodes: Array<OwnRedis> = []
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await OwnRedis.start(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"])
      )
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes"
    ])
    await waitFor(async () => {
      const infos = await Promise.all(nodes.map((node) => cli(node.port, "cluster", "info")))
      return infos.every((info) => info.stdout.includes("cluster_state:ok"))
    }, "cluster_state:ok")
    return new OwnCluster(nodes)
  }

  /** The port of the master serving `key`'s slot. */
  async ownerOf(key: string): Promise<number> {
    const slot = Number((await cli(this.nodes[0]!.port, "cluster", "keyslot", key)).stdout.trim())
    const ranges = JSON.parse((await cli(this.nodes[0]!.port, "--json", "cluster", "slots")).stdout) as Array<
      [number, number, [string, number, string]]
    >
    const range = ranges.find(([from, to]) => slot >= from && slot <= to)
    if (range === undefined) throw new Error(`no master for slot ${slot}`)
    return range[2][1]
  }

  /** The seed a client starts from (`REDIS_URL` with `REDIS_CLUSTER=true`): one master, the client learns the rest. */
  url(node = 0) {
    return this.nodes[node]!.url
  }

  async dispose() {
    await Promise.all(this.nodes.map((node) => node.dispose()))
  }
}
