/**
 * `pnpm bench`: the Manara API against a hand-written `node:http` (+ `pg`) baseline, in one run, so the
 * ratios between them mean something even where absolute figures drift (see docs/performance.md).
 *
 * 1. a fresh migrated database of its own, two tenants plus BENCH_HOSTS more (dropped at the end,
 *    also on failure/SIGINT);
 * 2. each server in its own process, pinned to core 0 when `taskset` exists: bare, Manara with the
 *    default caches, Manara with TENANT_CACHE_TTL and PUBLIC_CACHE_TTL "0 seconds", and the built
 *    SvelteKit storefront in front of the cached API; cognito-local for a signed-in staff member;
 * 3. each server checked (status, tenant, same JSON as the baseline, cache on/off) before any load;
 * 4. autocannon in another process (core 1): a warmup per case (which also counts the database
 *    transactions per request), then BENCH_ROUNDS interleaved rounds of BENCH_SECONDS per case;
 *    medians; ratios against the bare case of the same group, per round;
 * 5. a table on stdout and everything as JSON in bench/results/latest.json.
 */
import {
  addMember,
  createCognitoUser,
  createPool,
  createTenant,
  createTestDatabase,
  dropTestDatabase,
  type RunningCognito,
  startCognitoLocal,
  type TestDatabaseUrls,
  withOwner
} from "@manara/testkit"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import os from "node:os"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { isDeepStrictEqual } from "node:util"
import pg, { type Pool } from "pg"
import type { BenchResults, CaseGroup, CaseSummary, RunResult } from "./index.js"

// ---------------------------------------------------------------- configuration

const positiveNumber = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`)
  return value
}

const config = {
  seconds: positiveNumber("BENCH_SECONDS", 4),
  rounds: Math.round(positiveNumber("BENCH_ROUNDS", 5)),
  // Shorter, and the JIT is still warming during the first rounds (Manara gained 20 % from round 1 to 5).
  warmupSeconds: positiveNumber("BENCH_WARMUP_SECONDS", 10),
  connections: Math.round(positiveNumber("BENCH_CONNECTIONS", 50)),
  hosts: Math.round(positiveNumber("BENCH_HOSTS", 1000)),
  platformDomain: "bench.test",
  poolSize: 10,
  /** Public items of the main tenant: a page of the catalog is 20 of them. */
  catalogItems: 25
}

const resultsDirectory = fileURLToPath(new URL("../results/", import.meta.url))
const resultsFile = `${resultsDirectory}latest.json`
const hostsFile = `${resultsDirectory}hosts.json`
const benchDirectory = fileURLToPath(new URL("..", import.meta.url))
const autocannonJs = createRequire(import.meta.url).resolve("autocannon")
const webBuild = fileURLToPath(new URL("../../apps/web/build/index.js", import.meta.url))
const shellBuild = fileURLToPath(new URL("../shell/build/index.js", import.meta.url))
/** The item page the SSR group loads (one of the main tenant's public projects). */
const itemPath = "/catalog/project-1"

const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-c", "1", "true"], { stdio: "ignore" })
    return os.cpus().length >= 2
  } catch {
    return false
  }
})()
/** Servers on core 0, the load generator on core 1 (when there are two cores and taskset). */
const pinned = (core: number, command: string, args: Array<string>): [string, Array<string>] =>
  hasTaskset ? ["taskset", ["-c", String(core), command, ...args]] : [command, args]

const log = (message: string) => process.stderr.write(`▸ ${message}\n`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------- child processes

type ServerKey = "bare" | "manaraCached" | "manaraUncached" | "web" | "webNoVisits" | "webUncached" | "shell"

interface Server {
  readonly key: ServerKey
  readonly child: ChildProcess
  readonly url: string
}

const children = new Set<ChildProcess>()
let stopping = false

const startServer = (key: ServerKey, script: string, env: Record<string, string>): Promise<Server> =>
  new Promise((resolve, reject) => {
    // BENCH_PROFILE=dir writes a V8 CPU profile of each server into dir when it stops.
    const profile = process.env["BENCH_PROFILE"] ? ["--cpu-prof", "--cpu-prof-dir", process.env["BENCH_PROFILE"]] : []
    const [command, args] = pinned(0, process.execPath, [...profile, "--import", "tsx", script])
    const child = spawn(command, args, {
      cwd: benchDirectory,
      env: { ...process.env, ...env },
      // stdin stays open: the server exits when it closes, so it cannot outlive this process.
      stdio: ["pipe", "pipe", "pipe"]
    })
    children.add(child)
    let output = ""
    let settled = false
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      reject(new Error(`${key} server ${why}\n${output}`))
    }
    // Generous: on a loaded 2-core machine, servers pinned to one core start slowly.
    const timer = setTimeout(() => fail("did not announce its url within 180 s"), 180_000)
    child.stderr!.on("data", (chunk: Buffer) => {
      if (settled) process.stderr.write(`[${key}] ${chunk.toString()}`)
      else output += chunk.toString()
    })
    child.stdout!.on("data", (chunk: Buffer) => {
      if (settled) return void process.stderr.write(`[${key}] ${chunk.toString()}`)
      output += chunk.toString()
      const match = /^BENCH_URL (\S+)$/m.exec(output)
      if (match !== null) {
        settled = true
        clearTimeout(timer)
        resolve({ key, child, url: match[1]! })
      }
    })
    child.on("error", (error) => fail(error.message))
    child.on("exit", (code, signal) => {
      children.delete(child)
      if (!settled) fail(`exited early (${signal ?? code})`)
      else if (!stopping) process.stderr.write(`[${key}] exited unexpectedly (${signal ?? code})\n`)
    })
  })

const stopChildren = async () => {
  stopping = true
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
          child.once("exit", () => {
            clearTimeout(timer)
            resolve()
          })
          child.kill("SIGTERM")
        })
    )
  )
}

/** Runs a load generator process to its end and parses the JSON it prints. */
const runLoader = (command: string, args: Array<string>): Promise<AutocannonResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: benchDirectory, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("exit", (code, signal) => {
      children.delete(child)
      if (code !== 0) return reject(new Error(`the load generator exited ${signal ?? code}\n${stderr}`))
      try {
        resolve(JSON.parse(stdout) as AutocannonResult)
      } catch {
        reject(new Error(`the load generator printed no JSON\n${stdout}\n${stderr}`))
      }
    })
  })

// ---------------------------------------------------------------- checks before load

interface Tenant {
  readonly id: string
  readonly slug: string
}

const hostOf = (slug: string) => `${slug}.${config.platformDomain}`

const get = async (url: string, host?: string) => {
  const response = await fetch(url, { headers: host === undefined ? {} : { "x-forwarded-host": host } })
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  return { status: response.status, body }
}

const expectThat = (condition: boolean, message: string, detail?: unknown) => {
  if (!condition) throw new Error(`check failed: ${message}${detail === undefined ? "" : `\n${JSON.stringify(detail)}`}`)
}

const storefrontUrl = (server: Server) => `${server.url}/api/v1/public/storefront`
const liveUrl = (server: Server) => `${server.url}/api/v1/health/live`

/** Every server answers 200 with the right tenant for each host, 404 for an unknown one, the same JSON. */
const verifyServers = async (servers: ReadonlyArray<Server>, slugs: ReadonlyArray<string>) => {
  for (const slug of slugs) {
    const bodies = new Map<ServerKey, unknown>()
    for (const server of servers) {
      const { body, status } = await get(storefrontUrl(server), hostOf(slug))
      expectThat(status === 200, `${server.key} storefront for ${hostOf(slug)} answered ${status}`, body)
      expectThat(
        typeof body === "object" && body !== null && (body as { slug?: unknown }).slug === slug,
        `${server.key} storefront for ${hostOf(slug)} is not tenant ${slug}`,
        body
      )
      bodies.set(server.key, body)
    }
    const baseline = bodies.get("bare")
    for (const [key, body] of bodies) {
      expectThat(isDeepStrictEqual(body, baseline), `${key} and bare answer different JSON`, { [key]: body, bare: baseline })
    }
  }
  for (const server of servers) {
    const unknown = await get(storefrontUrl(server), `nobody-here.${config.platformDomain}`)
    expectThat(unknown.status === 404, `${server.key} storefront for an unknown host answered ${unknown.status}`, unknown.body)
    const live = await get(liveUrl(server))
    expectThat(live.status === 200 && isDeepStrictEqual(live.body, { status: "ok" }), `${server.key} /api/v1/health/live`, live)
  }
}

/** The cache is what the name says: after a rename, uncached servers show it at once, the cached one not yet. */
const verifyCaching = async (admin: Pool, servers: Record<ServerKey, Server>, tenant: Tenant) => {
  const nameEn = (body: unknown) => (body as { name?: { en?: unknown } }).name?.en
  const before = nameEn((await get(storefrontUrl(servers.manaraCached), hostOf(tenant.slug))).body)
  const renamed = `Renamed ${tenant.slug}`
  await admin.query("update tenants set name_en = $1 where id = $2", [renamed, tenant.id])
  try {
    await sleep(5) // the in-process cache's clock has millisecond ticks
    for (const key of ["bare", "manaraUncached"] as const) {
      const seen = nameEn((await get(storefrontUrl(servers[key]), hostOf(tenant.slug))).body)
      expectThat(seen === renamed, `${key} is expected to read the tenant from the database`, seen)
    }
    const cached = nameEn((await get(storefrontUrl(servers.manaraCached), hostOf(tenant.slug))).body)
    expectThat(cached === before, "Manara with TENANT_CACHE_TTL 30 seconds is expected to answer from its cache", cached)
  } finally {
    await admin.query("update tenants set name_en = $1 where id = $2", [before, tenant.id])
  }
}

/** The catalog: same 20 cards from bare and both Manara servers; the signed-in read works; the SSR page renders. */
const verifyCatalog = async (servers: Record<ServerKey, Server>, tenant: Tenant) => {
  const bodies = await Promise.all(
    (["bare", "manaraCached", "manaraUncached"] as const).map((key) => get(`${servers[key].url}${publicCatalog}`, hostOf(tenant.slug)))
  )
  for (const { body, status } of bodies) {
    expectThat(status === 200, "public catalog status", body)
    expectThat((body as { items: Array<unknown> }).items.length === 20, "public catalog has 20 items", body)
    expectThat(isDeepStrictEqual(body, bodies[0]!.body), "Manara and bare answer different catalog JSON", {
      manara: body,
      bare: bodies[0]!.body
    })
  }
  const staff = await fetch(`${servers.manaraUncached.url}${staffCatalog}`, {
    headers: { authorization: `Bearer ${staffToken}`, "x-tenant": tenant.slug }
  })
  const staffBody = (await staff.json()) as { items: Array<unknown> }
  expectThat(staff.status === 200 && staffBody.items.length === 20, `the signed-in catalog read answered ${staff.status}`, staffBody)
  for (const key of ["bare", "manaraCached"] as const) {
    const donated = await fetch(`${servers[key].url}${donations}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant.slug) },
      body: JSON.stringify(donationBody)
    })
    const receipt = (await donated.json()) as { reference?: string }
    expectThat(
      donated.status === 201 && /^DON-\d{4}-\d{6}$/.test(receipt.reference ?? ""),
      `${key} donation answered ${donated.status}`,
      receipt
    )
  }
  const page = await fetch(`${servers.web.url}/`, { headers: { "x-forwarded-host": hostOf(tenant.slug) } })
  const html = await page.text()
  expectThat(page.status === 200 && html.includes('dir="rtl"'), `the SSR home page answered ${page.status}`, html.slice(0, 500))
}

/** A page of a web server as a visitor gets it (no cookie, no compression asked for), with where it came from. */
const webPage = async (server: Server, path: string, host?: string) => {
  const response = await fetch(`${server.url}${path}`, { headers: host === undefined ? {} : { "x-forwarded-host": host } })
  const html = await response.text()
  return { status: response.status, type: response.headers.get("content-type"), cache: response.headers.get("x-page-cache"), html }
}

/**
 * The SSR group: the baseline is the shell alone; the page-cache server answers a miss then hits with the
 * page (home: the tenant's projects; item: its title and donate form); the uncached one renders every time.
 */
const verifySsr = async (servers: Record<ServerKey, Server>, tenant: Tenant) => {
  const shell = await webPage(servers.shell, "/")
  expectThat(
    shell.status === 200 &&
      shell.type?.startsWith("text/html") === true &&
      shell.html.includes("data-bench-shell") &&
      shell.html.includes('dir="rtl"'),
    `the baseline shell page answered ${shell.status}`,
    shell.html.slice(0, 500)
  )
  expectThat(!shell.html.includes("<script"), "the baseline shell ships a script (the storefront ships none)", shell.html.slice(0, 2000))
  const host = hostOf(tenant.slug)
  const pages = [
    { path: "/", shows: ['dir="rtl"', 'data-testid="home-projects"', "مشروع خيري رقم "] },
    { path: itemPath, shows: ['dir="rtl"', "<h1", "مشروع خيري رقم 1", 'data-testid="donate-form"'] }
  ]
  for (const { path, shows } of pages) {
    const seen: Array<string | null> = []
    for (const [key, times] of [
      ["webNoVisits", 4],
      ["webUncached", 2]
    ] as const) {
      for (let i = 0; i < times; i++) {
        const page = await webPage(servers[key], path, host)
        expectThat(
          page.status === 200 && page.type?.startsWith("text/html") === true,
          `${key} ${path} answered ${page.status}`,
          page.html.slice(0, 500)
        )
        for (const text of shows) expectThat(page.html.includes(text), `${key} ${path} does not show ${text}`, page.html.slice(0, 2000))
        expectThat(!page.html.includes("<script"), `${key} ${path} ships a script`, page.html.slice(0, 2000))
        seen.push(`${key}:${page.cache}`)
      }
    }
    // The first answers render (a host not yet known is not cached; then a miss); from then on, hits.
    expectThat(seen[2] === "webNoVisits:hit" && seen[3] === "webNoVisits:hit", `${path} is not served from the page cache`, seen)
    expectThat(seen[4] !== "webUncached:hit" && seen[5] !== "webUncached:hit", `${path} came from a cache with PAGE_CACHE=off`, seen)
  }
}

// ---------------------------------------------------------------- cases

interface Case {
  readonly key: string
  readonly label: string
  readonly group: CaseGroup
  readonly server: ServerKey
  readonly path: string
  readonly baseline: boolean
  /** One fixed host (autocannon's CLI), or the next of BENCH_HOSTS hosts on every request (load-hosts.ts). */
  readonly hosts: "one" | "many"
  /** A signed-in staff member's request: Bearer token and X-Tenant. */
  readonly signedIn?: boolean
  /** A JSON body to POST instead of a GET. */
  readonly post?: unknown
}

const storefront = "/api/v1/public/storefront"
const live = "/api/v1/health/live"
const publicCatalog = "/api/v1/public/catalog"
const staffCatalog = "/api/v1/tenant/catalog?status=active"
const donations = "/api/v1/public/donations"
const donationBody = {
  amount: "10.000",
  project: "project-1",
  donor: { name: "متبرع", phone: "+96550000000" },
  paymentMethod: "bank_transfer"
}
const allCases: ReadonlyArray<Case> = [
  {
    key: "storefront-bare",
    label: "storefront (tenant transaction) bare node:http+pg",
    group: "storefront",
    server: "bare",
    path: storefront,
    baseline: true,
    hosts: "one"
  },
  {
    key: "storefront-manara-cached",
    label: "storefront Manara cached",
    group: "storefront",
    server: "manaraCached",
    path: storefront,
    baseline: false,
    hosts: "one"
  },
  {
    key: "storefront-manara-uncached",
    label: "storefront Manara uncached (TTL 0)",
    group: "storefront",
    server: "manaraUncached",
    path: storefront,
    baseline: false,
    hosts: "one"
  },
  {
    key: "hosts-bare",
    label: `storefront, ${config.hosts} hosts, bare node:http+pg`,
    group: "storefront-hosts",
    server: "bare",
    path: storefront,
    baseline: true,
    hosts: "many"
  },
  {
    key: "hosts-manara-uncached",
    label: `storefront, ${config.hosts} hosts, Manara TTL 0`,
    group: "storefront-hosts",
    server: "manaraUncached",
    path: storefront,
    baseline: false,
    hosts: "many"
  },
  {
    key: "catalog-bare",
    label: "public catalog, 20 items, bare node:http+pg",
    group: "catalog",
    server: "bare",
    path: publicCatalog,
    baseline: true,
    hosts: "one"
  },
  {
    key: "catalog-manara-cached",
    label: "public catalog, 20 items, Manara cached",
    group: "catalog",
    server: "manaraCached",
    path: publicCatalog,
    baseline: false,
    hosts: "one"
  },
  {
    key: "catalog-manara-uncached",
    label: "public catalog, 20 items, Manara uncached",
    group: "catalog",
    server: "manaraUncached",
    path: publicCatalog,
    baseline: false,
    hosts: "one"
  },
  {
    key: "auth-public",
    label: "catalog read, not signed in (Manara uncached)",
    group: "auth",
    server: "manaraUncached",
    path: publicCatalog,
    baseline: true,
    hosts: "one"
  },
  {
    key: "auth-staff",
    label: "catalog read, signed in: JWT + membership (Manara uncached)",
    group: "auth",
    server: "manaraUncached",
    path: staffCatalog,
    baseline: false,
    hosts: "one",
    signedIn: true
  },
  {
    key: "donate-bare",
    label: "donation capture, bare node:http+pg (one CTE)",
    group: "capture",
    server: "bare",
    path: donations,
    baseline: true,
    hosts: "one",
    post: donationBody
  },
  {
    key: "donate-manara",
    label: "donation capture, Manara",
    group: "capture",
    server: "manaraCached",
    path: donations,
    baseline: false,
    hosts: "one",
    post: donationBody
  },
  { key: "trivial-bare", label: "trivial JSON bare node:http", group: "trivial", server: "bare", path: live, baseline: true, hosts: "one" },
  {
    key: "trivial-manara",
    label: "trivial JSON Manara /api/v1/health/live",
    group: "trivial",
    server: "manaraCached",
    path: live,
    baseline: false,
    hosts: "one"
  },
  // The SSR group: no visit recording on any line (the baseline records none), so it measures pages alone.
  {
    key: "ssr-shell",
    label: "SSR baseline: minimal SvelteKit adapter-node page (same shell, no data)",
    group: "ssr",
    server: "shell",
    path: "/",
    baseline: true,
    hosts: "one"
  },
  {
    key: "ssr-home-cached",
    label: "SSR storefront home page, from the page cache",
    group: "ssr",
    server: "webNoVisits",
    path: "/",
    baseline: false,
    hosts: "one"
  },
  {
    key: "ssr-item-cached",
    label: "SSR item page, from the page cache",
    group: "ssr",
    server: "webNoVisits",
    path: itemPath,
    baseline: false,
    hosts: "one"
  },
  {
    key: "ssr-home-uncached",
    label: "SSR storefront home page, uncached (PAGE_CACHE=off, over Manara cached)",
    group: "ssr",
    server: "webUncached",
    path: "/",
    baseline: false,
    hosts: "one"
  },
  {
    key: "ssr-item-uncached",
    label: "SSR item page, uncached (PAGE_CACHE=off, over Manara cached)",
    group: "ssr",
    server: "webUncached",
    path: itemPath,
    baseline: false,
    hosts: "one"
  },
  // No cookie is sent: every page view is a session's first and records a visit (the worst case).
  {
    key: "visits-off",
    label: "SSR home page, visit recording off",
    group: "visits",
    server: "webNoVisits",
    path: "/",
    baseline: true,
    hosts: "one"
  },
  {
    key: "visits-on",
    label: "SSR home page, every view a new visit (recorded, batched)",
    group: "visits",
    server: "web",
    path: "/",
    baseline: false,
    hosts: "one"
  }
]

/** BENCH_CASES=catalog,capture runs those groups only (with their baselines). */
const onlyGroups = (process.env["BENCH_CASES"] ?? "")
  .split(",")
  .map((group) => group.trim())
  .filter((group) => group !== "")
const cases = onlyGroups.length === 0 ? allCases : allCases.filter((testCase) => onlyGroups.includes(testCase.group))

// ---------------------------------------------------------------- measuring

interface AutocannonResult {
  readonly requests: { readonly total: number }
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number }
  readonly duration: number
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  readonly "2xx": number
}

const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()
/** CPU time (user + system, all threads) of a process so far, in µs, from /proc. */
const processCpuMicros = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6
  } catch {
    return undefined
  }
}
/** Busy and total jiffies of the whole machine so far, from /proc/stat. */
const machineTicks = (): { busy: number; total: number } | undefined => {
  try {
    const values = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    const total = values.reduce((a, b) => a + b, 0)
    return { busy: total - values[3]! - values[4]!, total }
  } catch {
    return undefined
  }
}

/**
 * Transactions the bench database has committed or rolled back so far. Backends report their counts
 * lazily (up to seconds later), so the database's sessions are ended first: a backend flushes its
 * statistics on exit, and the pools reconnect on their next request. Asked from another database.
 */
const databaseTransactions = async (admin: Pool, database: string): Promise<number> => {
  await admin.query("select pg_terminate_backend(pid, 5000) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [
    database
  ])
  const rows = (
    await admin.query<{ n: string }>("select xact_commit + xact_rollback as n from pg_stat_database where datname = $1", [database])
  ).rows
  return Number(rows[0]!.n)
}

/**
 * Waits until no server burns CPU any more: when a run ends, requests already read from the closed
 * connections are still being answered, and they must neither lose their database sessions nor
 * steal CPU from the next run.
 */
const settle = async (servers: ReadonlyArray<Server>) => {
  const deadline = Date.now() + 15_000
  let previous = servers.map((server) => processCpuMicros(server.child.pid) ?? 0)
  while (Date.now() < deadline) {
    await sleep(100)
    const now = servers.map((server) => processCpuMicros(server.child.pid) ?? 0)
    const busiest = Math.max(...now.map((cpu, i) => cpu - previous[i]!))
    previous = now
    if (busiest <= 3_000) return
  }
  log("a server was still busy 15 s after the load stopped")
}

/** The tenant every single-host case asks for, and the staff member's token for it. */
let mainSlug = ""
let staffToken = ""

const load = (testCase: Case, server: Server, seconds: number): Promise<AutocannonResult> => {
  const url = `${server.url}${testCase.path}`
  const connections = String(config.connections)
  const headers = [
    `x-forwarded-host=${hostOf(mainSlug)}`,
    ...(testCase.signedIn === true ? [`authorization=Bearer ${staffToken}`, `x-tenant=${mainSlug}`] : []),
    ...(testCase.post === undefined ? [] : ["content-type=application/json"])
  ]
    .flatMap((header) => ["-H", header])
    .concat(testCase.post === undefined ? [] : ["-m", "POST", "-b", JSON.stringify(testCase.post)])
  const [command, args] =
    testCase.hosts === "one"
      ? pinned(1, process.execPath, [autocannonJs, "-j", "-n", "-c", connections, "-d", String(seconds), ...headers, url])
      : pinned(1, process.execPath, ["--import", "tsx", "src/load-hosts.ts", url, hostsFile, connections, String(seconds)])
  return runLoader(command, args)
}

const runCase = async (testCase: Case, server: Server, seconds: number, round: number): Promise<RunResult> => {
  const cpuBefore = processCpuMicros(server.child.pid)
  const machineBefore = machineTicks()
  const result = await load(testCase, server, seconds)
  const cpuAfter = processCpuMicros(server.child.pid)
  const machineAfter = machineTicks()
  if (result.non2xx !== 0 || result.errors !== 0 || result.timeouts !== 0) {
    throw new Error(
      `${testCase.label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts (of ${result.requests.total})`
    )
  }
  if (result["2xx"] === 0 || result.requests.total === 0) throw new Error(`${testCase.label}: no successful request at all`)
  const cpuMicros = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore
  const machine =
    machineBefore === undefined || machineAfter === undefined
      ? undefined
      : (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)
  return {
    case: testCase.key,
    round,
    requestsPerSecond: result.requests.total / result.duration,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    meanMs: result.latency.average,
    // The server's CPU over the whole load generator's life, per answered request / per second of load.
    serverCpuMicrosPerRequest: cpuMicros === undefined ? null : cpuMicros / result.requests.total,
    serverCpuShare: cpuMicros === undefined ? null : cpuMicros / (result.duration * 1e6),
    // All cores, 1 = every core busy (includes Postgres, the load generator and this process).
    machineCpuShare: machine ?? null
  }
}

// ---------------------------------------------------------------- summary

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const medianOrNull = (values: ReadonlyArray<number | null>): number | null => {
  const present = values.filter((value): value is number => value !== null)
  return present.length === 0 ? null : median(present)
}

const summarize = (runs: ReadonlyArray<RunResult>, transactions: ReadonlyMap<string, number>): Array<CaseSummary> =>
  cases.map((testCase) => {
    const mine = runs.filter((run) => run.case === testCase.key)
    const baseline = cases.find((other) => other.group === testCase.group && other.baseline)!
    // Ratios are taken round by round (both sides measured seconds apart), then the median.
    const ratios = mine.map((run) => {
      const base = runs.find((other) => other.case === baseline.key && other.round === run.round)!
      return run.requestsPerSecond / base.requestsPerSecond
    })
    const cpu = medianOrNull(mine.map((run) => run.serverCpuMicrosPerRequest))
    const baselineCpu = medianOrNull(runs.filter((run) => run.case === baseline.key).map((run) => run.serverCpuMicrosPerRequest))
    return {
      case: testCase.key,
      label: testCase.label,
      group: testCase.group,
      baseline: baseline.key,
      requestsPerSecond: median(mine.map((run) => run.requestsPerSecond)),
      p50Ms: median(mine.map((run) => run.p50Ms)),
      p99Ms: median(mine.map((run) => run.p99Ms)),
      meanMs: median(mine.map((run) => run.meanMs)),
      serverCpuMicrosPerRequest: cpu,
      serverCpuShare: medianOrNull(mine.map((run) => run.serverCpuShare)),
      machineCpuShare: medianOrNull(mine.map((run) => run.machineCpuShare)),
      databaseTransactionsPerRequest: transactions.get(testCase.key) ?? null,
      ratio: median(ratios),
      ratios,
      cpuRatio: cpu === null || baselineCpu === null ? null : baselineCpu / cpu
    }
  })

const formatTable = (summaries: ReadonlyArray<CaseSummary>): string => {
  const percent = (share: number | null) => (share === null ? "-" : `${Math.round(share * 100)} %`)
  const header = ["case", "req/s", "p50 ms", "p99 ms", "server CPU µs/req", "server CPU", "machine CPU", "DB tx/req", "ratio", "CPU ratio"]
  const rows = summaries.map((s) => [
    s.label,
    Math.round(s.requestsPerSecond).toLocaleString("en-US"),
    s.p50Ms.toFixed(0),
    s.p99Ms.toFixed(0),
    s.serverCpuMicrosPerRequest === null ? "-" : s.serverCpuMicrosPerRequest.toFixed(0),
    percent(s.serverCpuShare),
    percent(s.machineCpuShare),
    s.databaseTransactionsPerRequest === null ? "-" : s.databaseTransactionsPerRequest.toFixed(2),
    `${s.ratio.toFixed(2)}x`,
    s.cpuRatio === null ? "-" : `${s.cpuRatio.toFixed(2)}x`
  ])
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")
  const separator = widths.map((w) => "-".repeat(w)).join("  ")
  const lines = [line(header), separator]
  summaries.forEach((s, i) => {
    if (i > 0 && summaries[i - 1]!.group !== s.group) lines.push("")
    lines.push(line(rows[i]!))
  })
  return lines.join("\n")
}

// ---------------------------------------------------------------- main

let urls: TestDatabaseUrls | undefined
let admin: Pool | undefined
let cognito: RunningCognito | undefined
let cleaning: Promise<void> | undefined
const cleanup = (): Promise<void> =>
  (cleaning ??= (async () => {
    await stopChildren()
    await cognito?.stop().catch(() => {})
    await admin?.end().catch(() => {})
    if (urls !== undefined) {
      log(`dropping ${urls.database}`)
      await dropTestDatabase(urls).catch((error) => log(`could not drop ${urls!.database}: ${error}`))
    }
  })())

let interrupted = false
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true
    log(`${signal}: stopping`)
    void cleanup().finally(() => process.exit(130))
  })
}

/** How busy the machine is before any load: other work on it makes every figure of this run noisier. */
const backgroundCpu = async (): Promise<number | null> => {
  const before = machineTicks()
  await sleep(2_000)
  const after = machineTicks()
  return before === undefined || after === undefined ? null : (after.busy - before.busy) / (after.total - before.total)
}

/** The outbox line (`src/outbox.ts`), in a process of its own once the servers above are stopped. */
const outboxLine = () => {
  if (onlyGroups.length > 0 && !onlyGroups.includes("outbox")) return
  log("outbox: rows per second to the loopback fakes, and capture-to-send delay at 100 captures/s (src/outbox.ts)")
  execFileSync(process.execPath, ["--import", "tsx", "src/outbox.ts"], { cwd: benchDirectory, stdio: ["ignore", "inherit", "inherit"] })
}

/** The noisy-neighbour line (`src/noisy.ts`): 50 tenants, one at 20x the others' rate; quiet p99 against alone. */
const noisyLine = () => {
  if (onlyGroups.length > 0 && !onlyGroups.includes("noisy")) return
  log("noisy: 50 tenants' donations, one at 20x the others' rate, quiet tenants' p99 against alone (src/noisy.ts)")
  execFileSync(process.execPath, ["--import", "tsx", "src/noisy.ts"], { cwd: benchDirectory, stdio: ["ignore", "inherit", "inherit"] })
}

/** The gateway line (`src/gateway.ts`): overhead of the AI gateway around a zero-latency fake model, with the API image's GC flags. */
const gatewayLine = () => {
  if (onlyGroups.length > 0 && !onlyGroups.includes("gateway")) return
  log("gateway: the AI gateway's overhead around a zero-latency fake model, p50/p99 at a fixed rate (src/gateway.ts)")
  execFileSync(process.execPath, ["--max-semi-space-size=64", "--no-allocation-site-pretenuring", "--import", "tsx", "src/gateway.ts"], {
    cwd: benchDirectory,
    stdio: ["ignore", "inherit", "inherit"]
  })
}

const main = async () => {
  if (cases.length === 0) {
    outboxLine()
    noisyLine()
    return gatewayLine()
  }
  const rounds = config.rounds
  log(
    `${rounds} rounds x ${cases.length} cases x ${config.seconds} s, ${config.connections} connections, ` +
      `warmup ${config.warmupSeconds} s per case; ${hasTaskset ? "servers on core 0, load generator on core 1" : "no CPU pinning"}`
  )
  const background = await backgroundCpu()
  if (background !== null && background > 0.1) {
    log(`the machine is already ${Math.round(background * 100)} % busy before the bench: expect noisy figures`)
  }
  urls = await createTestDatabase("manara_bench")
  log(`database ${urls.database}`)
  // The administrator, on its own database: ends the bench database's sessions, reads its statistics.
  admin = new pg.Pool({ connectionString: urls.adminUrl, max: 1 })
  const owner = new pg.Pool({ connectionString: urls.ownerUrl, max: 1 })
  // Sessions ended on purpose (statistics, dropping the database) are not this process's failure.
  owner.on("error", () => {})
  admin.on("error", () => {})

  const tenant: Tenant = await withOwner(urls, createTenant())
  const other: Tenant = await withOwner(urls, createTenant())
  mainSlug = tenant.slug
  // BENCH_HOSTS more tenants (same shape as the fixture's), for the case that asks for a new host each time.
  const slugs = (
    await owner.query<{ slug: string }>(
      `insert into tenants (slug, kind, name_ar, name_en, branding)
     select 'bench-' || lpad(i::text, 5, '0'), 'charity', 'جمعية ' || i, 'Charity ' || i, $2::jsonb
     from generate_series(1, $1::int) i
     returning slug`,
      [config.hosts, JSON.stringify({ primaryColour: "#0f5e4d", accentColour: "#c8a24a", tagline: { ar: "خير", en: "Good" } })]
    )
  ).rows.map((row) => row.slug)
  await owner.query("analyze tenants")
  mkdirSync(resultsDirectory, { recursive: true })
  writeFileSync(hostsFile, JSON.stringify(slugs.map(hostOf)))

  // The main tenant's catalog: 25 public projects, so a page (20) is full and has a next cursor.
  await owner.query("begin")
  await owner.query("select set_config('app.current_tenant', $1, true)", [tenant.id])
  await owner.query(
    `insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, summary_ar, summary_en, goal_amount, raised_amount,
       pledged_amount, category, status, sort, published_at)
     select $1, 'project', 'project-' || i, 'مشروع خيري رقم ' || i, 'Charity project ' || i, 'ماء وتعليم وغذاء للأسر', 'Water, schooling and food for families',
       1000 + i, 250.5 + i, 100, 'sadaqah', 'active', i % 3, now()
     from generate_series(1, $2::int) i`,
    [tenant.id, config.catalogItems]
  )
  // Staff who hear of captures (both servers write their outbox row), and a bank account to pay into.
  await owner.query("insert into notification_preferences (tenant_id, channel, target) values ($1, 'telegram', '123456')", [tenant.id])
  await owner.query("commit")
  await owner.query("update tenants set settings = $2::jsonb where id = $1", [
    tenant.id,
    JSON.stringify({ bankTransfer: { bank: "KFH", iban: "KW81CBKU0000000000001234560101" } })
  ])
  await owner.query("analyze catalog_items")

  // A staff member (role member: no MFA needed) signed in through cognito-local, for the signed-in read.
  cognito = await startCognitoLocal()
  const pool = await createPool(cognito.endpoint, "bench")
  const staffEmail = "staff@bench.test"
  const staffSub = await createCognitoUser(pool, staffEmail, "Bench-Passw0rd!")

  const common = {
    PLATFORM_DOMAIN: config.platformDomain,
    REDIS_URL: urls.redisUrl,
    REDIS_KEY_PREFIX: `${urls.database}:`,
    DATABASE_URL: urls.runtimeUrl,
    DATABASE_POOL_SIZE: String(config.poolSize),
    COGNITO_ENDPOINT: pool.endpoint,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: pool.clientId
  }
  const [bare, manaraCached, manaraUncached] = await Promise.all([
    startServer("bare", "src/serve-bare.ts", { ...common, BENCH_TENANT_ID: tenant.id }),
    // The visits group sends every page view as a new visit: no per-tenant traffic limit in the way.
    startServer("manaraCached", "src/serve-manara.ts", {
      ...common,
      TENANT_CACHE_TTL: "30 seconds",
      PUBLIC_CACHE_TTL: "5 seconds",
      TRAFFIC_LIMIT_PER_TENANT: "100000000"
    }),
    startServer("manaraUncached", "src/serve-manara.ts", { ...common, TENANT_CACHE_TTL: "0 seconds", PUBLIC_CACHE_TTL: "0 seconds" })
  ])
  if (!existsSync(webBuild)) {
    log("building the web app (apps/web/build is missing)")
    execFileSync("pnpm", ["--filter", "@manara/web", "build"], { stdio: "inherit" })
  }
  if (!existsSync(shellBuild)) {
    log("building the SSR baseline (bench/shell/build is missing)")
    execFileSync("pnpm", ["--filter", "@manara/bench", "build:shell"], { stdio: "inherit" })
  }
  // The page cache reads the public versions the API bumps: the same Redis and key prefix as the API.
  const webCommon = { API_URL: manaraCached.url, REDIS_URL: common.REDIS_URL, REDIS_KEY_PREFIX: common.REDIS_KEY_PREFIX }
  // The visits group's worst case: no flood limit, so every view of the run is recorded.
  const [web, webNoVisits, webUncached, shell] = await Promise.all([
    startServer("web", "src/serve-web.ts", { ...webCommon, TRAFFIC_LIMIT_PER_SOURCE: "100000000" }),
    startServer("webNoVisits", "src/serve-web.ts", { ...webCommon, VISITS_RECORDING: "off" }),
    startServer("webUncached", "src/serve-web.ts", { ...webCommon, VISITS_RECORDING: "off", PAGE_CACHE: "off" }),
    startServer("shell", "src/serve-web.ts", { BENCH_WEB_ENTRY: "shell" })
  ])
  const servers = { bare, manaraCached, manaraUncached, web, webNoVisits, webUncached, shell }
  log(`servers: bare ${bare.url}, Manara cached ${manaraCached.url}, Manara uncached ${manaraUncached.url}, web ${web.url}`)

  const login = await fetch(`${manaraUncached.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: staffEmail, password: "Bench-Passw0rd!" })
  })
  expectThat(login.status === 200, `the staff member's sign-in answered ${login.status}`)
  staffToken = ((await login.json()) as { accessToken: string }).accessToken
  const staffId = (await owner.query<{ id: string }>("select id from users where cognito_sub = $1", [staffSub])).rows[0]!.id
  await withOwner(urls, addMember(tenant.id as never, staffId, "member"))

  const sample = [0, 1, 2].map(() => slugs[Math.floor(Math.random() * slugs.length)]!)
  await verifyServers([bare, manaraCached, manaraUncached], [tenant.slug, other.slug, ...sample])
  await verifyCaching(owner, servers, tenant)
  await verifyCatalog(servers, tenant)
  await verifySsr(servers, tenant)
  await owner.end()
  log(
    "checked: 200 and the right tenant from every server, same JSON, 404 for an unknown host, caches on/off, catalog, signed-in read, SSR pages cached and not, the SSR baseline"
  )

  // Warmup, one per case; it also counts the database transactions each request costs.
  const transactions = new Map<string, number>()
  const all = [bare, manaraCached, manaraUncached, web, webNoVisits, webUncached, shell]
  for (const testCase of cases) {
    await settle(all)
    const before = await databaseTransactions(admin, urls.database)
    const run = await runCase(testCase, servers[testCase.server], config.warmupSeconds, 0)
    await settle(all)
    const after = await databaseTransactions(admin, urls.database)
    transactions.set(testCase.key, (after - before) / run.requests)
    log(`warmup ${testCase.label}: ${Math.round(run.requestsPerSecond)} req/s, ${((after - before) / run.requests).toFixed(3)} DB tx/req`)
  }

  const runs: Array<RunResult> = []
  for (let round = 1; round <= rounds; round++) {
    // Interleaved, and the order turns each round so that no case always follows the same one.
    const order = cases.map((_, i) => cases[(i + round - 1) % cases.length]!)
    for (const testCase of order) {
      await settle(all)
      const run = await runCase(testCase, servers[testCase.server], config.seconds, round)
      runs.push(run)
      log(
        `round ${round}/${rounds} ${testCase.label}: ${Math.round(run.requestsPerSecond)} req/s, ` +
          `p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms`
      )
    }
  }

  const summaries = summarize(runs, transactions)
  const cpus = os.cpus()
  const postgres = (await admin.query<{ server_version: string }>("show server_version")).rows[0]!.server_version
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgres,
      pinning: hasTaskset ? "servers taskset -c 0, load generator taskset -c 1" : "none",
      backgroundCpuShare: background
    },
    config: {
      seconds: config.seconds,
      rounds,
      warmupSeconds: config.warmupSeconds,
      connections: config.connections,
      hosts: config.hosts,
      poolSize: config.poolSize,
      loadGenerator: "autocannon 8.0.0"
    },
    summary: summaries,
    runs
  }
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`)

  process.stdout.write(
    `\nManara bench, ${results.date}, ${cpus.length} x ${results.machine.cpuModel}, Node ${process.version}, ` +
      `PostgreSQL ${postgres}; machine ${background === null ? "?" : Math.round(background * 100)} % busy before the bench\n` +
      `${rounds} interleaved rounds x ${config.seconds} s, ${config.connections} connections, medians; ` +
      `ratio = req/s against the first (bare) line of its group, round by round, median;\n` +
      `CPU ratio = the bare line's server CPU µs/req divided by this line's\n\n` +
      `${formatTable(summaries)}\n\nwritten to ${resultsFile}\n\n`
  )
  await stopChildren()
  outboxLine()
  noisyLine()
  gatewayLine()
}

let failed = false
try {
  await main()
} catch (error) {
  failed = true
  if (!interrupted) process.stderr.write(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
} finally {
  await cleanup()
}
process.exit(failed ? 1 : 0)
