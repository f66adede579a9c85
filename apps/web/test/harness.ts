// testkit's S3.ts imports s3rver, whose types live beside it: svelte-check sees them only when named.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient module declaration has nothing to import
/// <reference path="../../../packages/testkit/src/s3rver.d.ts" />
import { startApi, type StartedApi } from "@manara/api/server"
import {
  addMember,
  apiEnv,
  freePort,
  type apiPeople,
  type Person,
  type TenantFixture,
  TEST_PASSWORD,
  testRedisKeyPrefix,
  withOwner
} from "@manara/testkit"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { existsSync, mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { crc32, deflateSync } from "node:zlib"
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, expect, inject } from "vitest"

const serverEntry = fileURLToPath(new URL("../build/index.js", import.meta.url))

/** Where screenshots go (kept as test artifacts). */
export const results = fileURLToPath(new URL("../test-results/", import.meta.url))

/** The browser tests run the built server: refuse to start without it. */
export const requireBuild = () => {
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: run \`pnpm --filter @manara/web build\` first`)
  mkdirSync(results, { recursive: true })
}

/** The testkit's claimed ports: nothing else takes one between the pick and the server's bind. */
export { freePort } from "@manara/testkit"

export interface WebServer {
  readonly port: number
  readonly process: ChildProcess
}

/** The built adapter-node server as production runs it: `node build/index.js`, configured by env. */
export const startWeb = async (apiUrl: string, extra: Record<string, string> = {}): Promise<WebServer> => {
  const port = await freePort()
  const { ORIGIN: _, ...env } = process.env
  const child = spawn(process.execPath, [serverEntry], {
    env: { ...env, ...extra, PORT: String(port), HOST: "127.0.0.1", API_URL: apiUrl },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  // Up to 60 s: on a loaded 2-core machine the server's first answer can take well over 10.
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`the web server exited (${child.exitCode}): ${stderr}`)
    if (
      await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false
      )
    )
      return { port, process: child }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill()
  throw new Error(`the web server did not answer on port ${port}: ${stderr}`)
}

export const stopWeb = (web: WebServer | undefined) =>
  new Promise<void>((resolve) => {
    if (!web || web.process.exitCode !== null) return resolve()
    web.process.once("exit", () => resolve()).kill("SIGTERM")
  })

/** Debian's Chromium, headless. */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })

/** What the global setup started for every suite: the database (and Redis), the Cognito emulator's pool, the S3 emulator. */
export const services = () => ({ urls: inject("manaraDatabase"), pool: inject("manaraCognito"), s3: inject("manaraS3") })

/** This file's Redis, as apiEnv gives it to the API: for a server started by hand, so the web server reads the keys its API bumps. */
export const redisEnv = () => {
  const { urls } = services()
  return { REDIS_URL: urls.redisUrl, REDIS_KEY_PREFIX: testRedisKeyPrefix(urls) }
}

/** The browser, then the web server, then the API it calls: what each suite started, stopped in reverse. */
export const stopAll = async (browser: Browser | undefined, web: WebServer | undefined, api: StartedApi | undefined) => {
  await browser?.close()
  await stopWeb(web)
  await api?.close()
}

/** What a browser suite runs against: the API, the built web server calling it, and Chromium. */
export interface Stack {
  readonly api: StartedApi
  readonly web: WebServer
  readonly browser: Browser
}

export interface StackOptions {
  /** apiEnv's overrides beside `PLATFORM_DOMAIN: "localhost"`; a function when they name what `before` made. */
  readonly env?: Record<string, string> | (() => Record<string, string>)
  /** The web server's own env beside the API's Redis (e.g. `PAGE_CACHE: "off"`). */
  readonly webEnv?: Record<string, string>
  /** The S3 emulator for the API (on unless false: the suites that never touch media go without). */
  readonly s3?: boolean
  /** Fixtures made before the API starts (its env may name them). */
  readonly before?: () => Promise<void> | void
  /** Fixtures made once the API runs (given its whole env), before the web server starts. */
  readonly seed?: (api: StartedApi, env: Record<string, string>) => Promise<void> | void
  /** The suite's own things closed before the stack (its browser contexts). */
  readonly closeFirst?: () => Promise<void> | void
  /** What the API was calling, closed after the stack (an emulator). */
  readonly closeLast?: () => Promise<void> | void
  /** The afterAll's timeout: the web server may take long to drain open connections (an inbox's event stream). */
  readonly stopTimeout?: number
}

/**
 * The suite's stack, started in its beforeAll (the build checked, the API on `env`, the web server, the browser)
 * and stopped in its afterAll in reverse; its parts are read once started.
 */
export const useStack = ({
  env = {},
  webEnv = {},
  s3 = true,
  before,
  seed,
  closeFirst,
  closeLast,
  stopTimeout
}: StackOptions = {}): Stack => {
  let api: StartedApi | undefined
  let web: WebServer | undefined
  let browser: Browser | undefined
  const { urls, pool, s3: bucket } = services()
  beforeAll(async () => {
    requireBuild()
    await before?.()
    const overrides = typeof env === "function" ? env() : env
    const all = apiEnv(urls, pool, { PLATFORM_DOMAIN: "localhost", ...overrides }, s3 ? bucket : undefined)
    api = await startApi(all)
    await seed?.(api, all)
    // The page cache reads the public versions the API bumps: the same Redis and key prefix as this run's API.
    web = await startWeb(api.url, {
      REDIS_URL: all["REDIS_URL"]!,
      REDIS_KEY_PREFIX: all["REDIS_KEY_PREFIX"]!,
      ...(all["REDIS_CLUSTER"] === undefined ? {} : { REDIS_CLUSTER: all["REDIS_CLUSTER"] }),
      ...webEnv
    })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await closeFirst?.()
    await stopAll(browser, web, api)
    await closeLast?.()
  }, stopTimeout)
  const started = <A>(part: A | undefined, name: string): A => {
    if (part === undefined) throw new Error(`the ${name} is not running: read it in a test or a hook, once the stack started`)
    return part
  }
  return {
    get api() {
      return started(api, "API")
    },
    get web() {
      return started(web, "web server")
    },
    get browser() {
      return started(browser, "browser")
    }
  }
}

/** A fresh context and page at the dashboard's size, watched for problems. */
export const openPage = async (
  browser: Browser,
  options: BrowserContextOptions = {}
): Promise<{ context: BrowserContext; page: Page; problems: Array<string> }> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options })
  const page = await context.newPage()
  return { context, page, problems: watchProblems(page) }
}

/** RFC 6238 (SHA-1, 6 digits, 30 s) from a base32 secret, as an authenticator app computes it. */
export const totp = (secret: string, at = Date.now()): string => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
  const bytes: Array<number> = []
  let buffer = 0
  let bits = 0
  for (const char of secret.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(char)
    if (value < 0) throw new Error(`not base32: ${char}`)
    buffer = ((buffer << 5) | value) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      bytes.push((buffer >> bits) & 0xff)
    }
  }
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)))
  const digest = createHmac("sha1", Buffer.from(bytes)).update(counter).digest()
  const offset = digest[digest.length - 1]! & 0xf
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0")
}

/**
 * Waits, if need be, into the next 30 s period so that at least `seconds` of it are left: a code read then is
 * still accepted when a slow answer on a loaded machine reaches the emulator (it takes codes ±30 s from now).
 */
export const periodWithRoom = async (seconds = 10) => {
  const left = 30_000 - (Date.now() % 30_000)
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50))
}

/** Turns TOTP on for real (Cognito and our flag), verifying with the previous period's code so the current one stays unused. */
export const enableTotp = async (people: ReturnType<typeof apiPeople>, someone: Person): Promise<string> => {
  const auth = { authorization: `Bearer ${someone.token}` }
  const { secret } = (await (await people.post("/auth/mfa/setup", {}, auth)).json()) as { secret: string }
  // The previous period's code is taken only until this period ends: not read in its last seconds.
  await periodWithRoom()
  expect((await people.post("/auth/mfa/verify", { code: totp(secret, Date.now() - 30_000) }, auth)).status).toBe(200)
  return secret
}

/** A new person (`label`) made the tenant's owner with TOTP on, its current code unused: they and their secret. */
export const ownerWithTotp = async (people: ReturnType<typeof apiPeople>, tenant: TenantFixture, label: string) => {
  const owner = await people.person(label)
  await withOwner(services().urls, addMember(tenant.id, owner.userId, "owner"))
  return { owner, secret: await enableTotp(people, owner) }
}

export const arabicSignIn = { email: "البريد الإلكتروني", password: "كلمة المرور", submit: "دخول" }

/**
 * Waits until the page's script has hydrated it: typing before that races hydration, which can empty the fields.
 * The root layout's onMount marks it (after every child mounted); no "networkidle": a dashboard's live stream never idles.
 */
export const hydrated = async (page: Page) => {
  // A page rendered without its client (the storefront's csr = false) has nothing to hydrate.
  if ((await page.locator('link[rel="modulepreload"]').count()) === 0) return
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" })
}

/** Fills in the sign-in form on the page; with `code`, the authenticator step too (the code read only once that step is due). */
export const signIn = async (
  page: Page,
  email: string,
  { password = TEST_PASSWORD, labels = arabicSignIn, code }: { password?: string; labels?: typeof arabicSignIn; code?: () => string } = {}
) => {
  await hydrated(page)
  const submit = async () => {
    await page.getByLabel(labels.email).fill(email)
    await page.getByLabel(labels.password).fill(password)
    await page.getByRole("button", { name: labels.submit, exact: true }).click()
  }
  await submit()
  if (code) {
    const codeField = page.getByLabel("رمز التحقق (٦ أرقام)")
    // Once more if the form was still on the page with its fields emptied (submitted while hydrating).
    const reached = await codeField.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false
    )
    if (
      !reached &&
      (await page
        .getByLabel(labels.email)
        .inputValue()
        .catch(() => "x")) === ""
    )
      await submit()
    await codeField.fill(code())
    await page.getByRole("button", { name: "تحقّق" }).click()
  }
}

// Chromium resolves every *.localhost name to loopback: each tenant gets its own host, as in production.
export const storefrontUrl = (web: WebServer, slug: string, path = "/") => `http://${slug}.localhost:${web.port}${path}`

export const htmlAttributes = (page: Page) =>
  page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }))

/** Script errors, and the console's errors and warnings (hydration mismatches show up only there). */
export const watchProblems = (page: Page): Array<string> => {
  const problems: Array<string> = []
  page.on("pageerror", (error) => problems.push(error.message))
  page.on("console", (message) => ["error", "warning"].includes(message.type()) && problems.push(message.text()))
  return problems
}

const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, "ascii"), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A real PNG of one colour, made here: the web app's tests need no image library for an upload. */
export const solidPng = (width: number, height: number, [red, green, blue]: readonly [number, number, number]): Uint8Array => {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  const row = Buffer.alloc(1 + width * 3) // filter byte 0, then the pixels
  for (let x = 0; x < width; x++) row.set([red, green, blue], 1 + x * 3)
  const pixels = Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0))
  ])
}

/** SQL run as the owner role inside one tenant (RLS on), its rows unaligned: fixtures the API has no call for. */
export const psqlInTenant = (ownerUrl: string, tenantId: string, statements: string): string =>
  execFileSync("psql", [
    ownerUrl,
    "-v",
    "ON_ERROR_STOP=1",
    "-qAt",
    "-c",
    `select set_config('app.current_tenant', '${tenantId}', false)`,
    "-c",
    statements
  ])
    .toString()
    .split("\n")
    .slice(1)
    .join("\n")
    .trim()

/** A tenant that takes bank transfers, with an active project of this slug (as capture.test.ts prepares one); the project's id. */
export const givingTenant = (
  ownerUrl: string,
  tenantId: string,
  project: string,
  title = { ar: "بئر ماء في النيجر", en: "A well in Niger" }
): string =>
  psqlInTenant(
    ownerUrl,
    tenantId,
    `update tenants set settings = '${JSON.stringify({ bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" } })}'::jsonb where id = '${tenantId}';
     insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
       values ('${tenantId}', 'project', '${project}', '${title.ar}', '${title.en}', 1000, 'sadaqah', 'active') returning id`
  )

/** A call as `as()` (a person in a tenant) that must answer `status`: its JSON body, if any. */
export const callExpecting =
  (call: ReturnType<typeof apiPeople>["call"], as: () => { readonly person: Person; readonly tenant: TenantFixture }) =>
  async (status: number, method: string, path: string, body?: unknown) => {
    const { person, tenant } = as()
    const response = await call(method, path, person, tenant.slug, body)
    const text = await response.text()
    if (response.status !== status) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
    return text === "" ? undefined : JSON.parse(text)
  }
