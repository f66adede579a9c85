// testkit's S3.ts imports s3rver, whose types live beside it: svelte-check sees them only when named.
/// <reference path="../../../packages/testkit/src/s3rver.d.ts" />
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { crc32, deflateSync } from "node:zlib"
import { type Browser, chromium, type Page } from "playwright-core"

const serverEntry = fileURLToPath(new URL("../build/index.js", import.meta.url))

/** Where screenshots go (kept as test artifacts). */
export const results = fileURLToPath(new URL("../test-results/", import.meta.url))

/** The browser tests run the built server: refuse to start without it. */
export const requireBuild = () => {
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: run \`pnpm --filter @manara/web build\` first`)
  mkdirSync(results, { recursive: true })
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

export interface WebServer {
  readonly port: number
  readonly process: ChildProcess
}

/** The built adapter-node server as production runs it: `node build/index.js`, configured by env. */
export const startWeb = async (apiUrl: string): Promise<WebServer> => {
  const port = await freePort()
  const { ORIGIN: _, ...env } = process.env
  const child = spawn(process.execPath, [serverEntry], {
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", API_URL: apiUrl },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`the web server exited (${child.exitCode}): ${stderr}`)
    if (await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)) return { port, process: child }
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
