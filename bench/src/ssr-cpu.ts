/**
 * `pnpm --filter @manara/bench ssr:cpu`: the CPU one uncached storefront page costs, web server and API
 * apart, with the minimal SvelteKit page (`bench/shell`) beside them. Unlike `pnpm bench` it does not
 * measure throughput, so it holds on a shared, loaded machine: it sends `BENCH_SSR_REQUESTS` (2,000) pages
 * per line, `BENCH_SSR_CONCURRENCY` (8) at a time, after a warmup of as many, and divides each process's
 * CPU time (`/proc/<pid>/stat`) by the pages answered. `BENCH_PROFILE=dir` writes each server's V8 CPU
 * profile when it stops. The same fixture as `pnpm bench`: a tenant with 25 public projects.
 */
import { createTenant, createTestDatabase, dropTestDatabase, type TestDatabaseUrls, withOwner } from "@manara/testkit"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { fileURLToPath } from "node:url"
import pg from "pg"

const count = (name: string, fallback: number) => {
  const value = Number(process.env[name] || fallback)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}
const REQUESTS = count("BENCH_SSR_REQUESTS", 2000)
const CONCURRENCY = count("BENCH_SSR_CONCURRENCY", 8)
const benchDirectory = fileURLToPath(new URL("..", import.meta.url))
const clockTicks = 100
const log = (message: string) => process.stderr.write(`▸ ${message}\n`)

const cpuMicros = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6
}

interface Server {
  readonly child: ChildProcess
  readonly url: string
}
const children: Array<ChildProcess> = []

const start = (name: string, script: string, env: Record<string, string>): Promise<Server> =>
  new Promise((resolve, reject) => {
    const profile = process.env["BENCH_PROFILE"] ? ["--cpu-prof", "--cpu-prof-dir", process.env["BENCH_PROFILE"]] : []
    const child = spawn(process.execPath, [...profile, "--import", "tsx", script], {
      cwd: benchDirectory,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"]
    })
    children.push(child)
    let output = ""
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 300 s\n${output}`)), 300_000)
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const match = /^BENCH_URL (\S+)$/m.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve({ child, url: match[1]! })
      }
    })
    child.on("exit", (code) => reject(new Error(`${name} exited (${code})\n${output}`)))
  })

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
const get = (url: string, host: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { "x-forwarded-host": host } }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (body += chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on("error", reject)
    req.end()
  })

/** `n` pages, `CONCURRENCY` at a time; every answer must be a 200. */
const send = async (url: string, host: string, n: number) => {
  let next = 0
  const worker = async () => {
    while (next < n) {
      next++
      const { status, body } = await get(url, host)
      if (status !== 200) throw new Error(`${url} answered ${status}: ${body.slice(0, 300)}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

let urls: TestDatabaseUrls | undefined
const main = async () => {
  urls = await createTestDatabase("manara_bench")
  const owner = new pg.Pool({ connectionString: urls.ownerUrl, max: 1 })
  const tenant = await withOwner(urls, createTenant())
  await owner.query("begin")
  await owner.query("select set_config('app.current_tenant', $1, true)", [tenant.id])
  await owner.query(
    `insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, summary_ar, summary_en, goal_amount, raised_amount,
       pledged_amount, category, status, sort, published_at)
     select $1, 'project', 'project-' || i, 'مشروع خيري رقم ' || i, 'Charity project ' || i, 'ماء وتعليم وغذاء للأسر', 'Water, schooling and food for families',
       1000 + i, 250.5 + i, 100, 'sadaqah', 'active', i % 3, now()
     from generate_series(1, 25) i`,
    [tenant.id]
  )
  await owner.query("commit")
  await owner.end()
  const host = `${tenant.slug}.bench.test`
  const api = await start("api", "src/serve-manara.ts", {
    PLATFORM_DOMAIN: "bench.test",
    REDIS_URL: urls.redisUrl,
    REDIS_KEY_PREFIX: `${urls.database}:`,
    DATABASE_URL: urls.runtimeUrl,
    TENANT_CACHE_TTL: "30 seconds",
    PUBLIC_CACHE_TTL: "5 seconds",
    // Not used by public pages; startApi wants them.
    COGNITO_ENDPOINT: "http://127.0.0.1:9",
    COGNITO_USER_POOL_ID: "local_bench",
    COGNITO_CLIENT_ID: "bench"
  })
  if (!existsSync(`${process.env["BENCH_WEB_BUILD"] ?? fileURLToPath(new URL("../../apps/web/build", import.meta.url))}/index.js`))
    throw new Error("build the web app first: pnpm --filter @manara/web build")
  const web = await start("web", "src/serve-web.ts", {
    API_URL: api.url,
    REDIS_URL: urls.redisUrl,
    REDIS_KEY_PREFIX: `${urls.database}:`,
    VISITS_RECORDING: "off",
    PAGE_CACHE: "off"
  })
  const shell = await start("shell", "src/serve-web.ts", { BENCH_WEB_ENTRY: "shell" })
  const lines = [
    { label: "baseline: minimal SvelteKit page", server: shell, path: "/" },
    { label: "storefront home page, uncached", server: web, path: "/" },
    { label: "item page, uncached", server: web, path: "/catalog/project-1" }
  ]
  log(`${REQUESTS} pages per line, ${CONCURRENCY} at a time, after a warmup of as many`)
  for (const line of lines) {
    await send(`${line.server.url}${line.path}`, host, REQUESTS)
    const before = { web: cpuMicros(line.server.child.pid!), api: cpuMicros(api.child.pid!) }
    const started = performance.now()
    await send(`${line.server.url}${line.path}`, host, REQUESTS)
    const seconds = (performance.now() - started) / 1000
    const webPerPage = (cpuMicros(line.server.child.pid!) - before.web) / REQUESTS
    const apiPerPage = line.server === shell ? 0 : (cpuMicros(api.child.pid!) - before.api) / REQUESTS
    process.stdout.write(
      `${line.label.padEnd(36)} web ${Math.round(webPerPage).toString().padStart(6)} µs/page, API ${Math.round(apiPerPage)
        .toString()
        .padStart(6)} µs/page, together ${Math.round(webPerPage + apiPerPage)
        .toString()
        .padStart(6)} µs/page (${Math.round(REQUESTS / seconds)} pages/s here)\n`
    )
  }
}

const stop = async () => {
  for (const child of children) child.kill("SIGTERM")
  await new Promise((resolve) => setTimeout(resolve, 2000))
  if (urls !== undefined) await dropTestDatabase(urls)
}
main().then(
  () => stop().then(() => process.exit(0)),
  (error: unknown) => {
    process.stderr.write(`ssr:cpu failed: ${String(error)}\n`)
    void stop().then(() => process.exit(1))
  }
)
