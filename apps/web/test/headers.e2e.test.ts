import { startApi, type StartedApi } from "@manara/api/server"
import { createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { readdirSync, readFileSync } from "node:fs"
import { request } from "node:http"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { redisEnv, requireBuild, startWeb, stopWeb, storefrontUrl, type WebServer } from "./harness.js"

const urls = inject("manaraDatabase")

let api: StartedApi | undefined
let web: WebServer | undefined
let tenant: TenantFixture

beforeAll(async () => {
  requireBuild()
  tenant = await withOwner(urls, createTenant())
  api = await startApi({ DATABASE_URL: urls.runtimeUrl, ...redisEnv(), PLATFORM_DOMAIN: "localhost", NOTIFY_DELIVERY: "false" })
  web = await startWeb(api.url, redisEnv())
})
afterAll(async () => {
  await stopWeb(web)
  await api?.close()
})

/**
 * `fetch` for `*.localhost` addresses (Node does not resolve them as browsers do): connects to
 * 127.0.0.1 with the URL's host as `Host`. Redirects are not followed.
 */
const hostFetch = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  new Promise<Response>((resolve, reject) => {
    const target = new URL(url)
    const outgoing = request(
      {
        host: "127.0.0.1",
        port: target.port,
        path: target.pathname + target.search,
        method: init.method ?? "GET",
        headers: { host: target.host, ...init.headers }
      },
      (incoming) => {
        const chunks: Array<Buffer> = []
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
        incoming.on("end", () => {
          const headers = new Headers()
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value)
          }
          resolve(
            new Response(incoming.statusCode === 204 || incoming.statusCode === 304 ? null : Buffer.concat(chunks), {
              status: incoming.statusCode!,
              headers
            })
          )
        })
      }
    )
    outgoing.on("error", reject)
    outgoing.end(init.body)
  })

const expectCommonHeaders = (response: Response, what: string) => {
  expect(response.headers.get("strict-transport-security"), what).toMatch(/^max-age=\d+/)
  expect(response.headers.get("x-content-type-options"), what).toBe("nosniff")
  expect(response.headers.get("referrer-policy"), what).toMatch(/^(no-referrer|strict-origin-when-cross-origin)$/)
  expect(response.headers.get("permissions-policy"), what).toContain("camera=()")
  expect(response.headers.get("content-security-policy"), what).toContain("frame-ancestors 'none'")
}

describe("security headers", () => {
  it("on the storefront (no script at all), its error page and the dashboard (scripts only with the response's nonce)", async () => {
    const home = await hostFetch(storefrontUrl(web!, tenant.slug))
    expect(home.status).toBe(200)
    expectCommonHeaders(home, "storefront")
    expect(await home.text()).not.toMatch(/<script/i)

    const missing = await hostFetch(storefrontUrl(web!, tenant.slug, "/no-such-page"))
    expect(missing.status).toBe(404)
    expectCommonHeaders(missing, "storefront error page")

    const unknownHost = await hostFetch(storefrontUrl(web!, "no-such-tenant-here"))
    expect(unknownHost.status).toBe(404)
    expectCommonHeaders(unknownHost, "unknown storefront")

    const signin = await hostFetch(`http://localhost:${web!.port}/signin`)
    expect(signin.status).toBe(200)
    expectCommonHeaders(signin, "dashboard")
    const csp = signin.headers.get("content-security-policy")!
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce, csp).toBeDefined()
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/)
    const html = await signin.text()
    const scripts = html.match(/<script\b[^>]*>/gi) ?? []
    expect(scripts.length).toBeGreaterThan(0)
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
    // A new nonce for every response.
    const again = (await hostFetch(`http://localhost:${web!.port}/signin`)).headers.get("content-security-policy")!
    expect(/'nonce-([^']+)'/.exec(again)?.[1]).not.toBe(nonce)
  })

  it("on the API: answers, problems, the edge's own refusals", async () => {
    expectCommonHeaders(await fetch(`${api!.url}/api/v1/health/live`), "health")
    const notFound = await fetch(`${api!.url}/api/v1/no-such-endpoint`)
    expect(notFound.status).toBe(404)
    expectCommonHeaders(notFound, "API 404")
    const tooLarge = await fetch(`${api!.url}/api/v1/public/donations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(20_000)
    })
    expect(tooLarge.status).toBe(413)
    expectCommonHeaders(tooLarge, "edge 413")
    expect(tooLarge.headers.get("content-security-policy")).toContain("default-src 'none'")
  })
})

const routes = fileURLToPath(new URL("../src/routes/", import.meta.url))

/** Every form action of the app, read from the route files: the URL to post to and the action's name. */
const formActions = () => {
  const found: Array<{ path: string; storefront: boolean; action: string }> = []
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name === "+page.server.ts") {
        const source = readFileSync(path, "utf8")
        const at = source.indexOf("export const actions")
        if (at < 0) continue
        const block = source.slice(at)
        const names = new Set<string>()
        const inline = /^export const actions = \{ (\w+):/.exec(block)
        if (inline) names.add(inline[1]!)
        for (const match of block.matchAll(/^ {2}(\w+)(?=[:,(]|$)/gm)) names.add(match[1]!)
        const id = relative(routes, directory).split("/")
        const url =
          "/" +
          id
            .filter((segment) => !segment.startsWith("("))
            .map((segment) =>
              segment === "[tenant]"
                ? tenant.slug
                : segment === "[kind]"
                  ? "donation"
                  : segment.startsWith("[")
                    ? "3f2b6f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
                    : segment
            )
            .join("/")
        for (const action of names) found.push({ path: url, storefront: id[0] === "(storefront)", action })
      }
    }
  }
  walk(routes)
  return found
}

describe("the form-action origin check", () => {
  it("refuses a cross-site form post to every action with 403, and lets the same site's through", async () => {
    const actions = formActions()
    // What the route files hold today: a scan that finds fewer is broken, not a smaller app.
    expect(actions.length).toBeGreaterThanOrEqual(30)
    for (const { path, storefront, action } of actions) {
      const origin = storefront ? storefrontUrl(web!, tenant.slug).replace(/\/$/, "") : `http://localhost:${web!.port}`
      const target = `${origin}${path === "/" ? "" : path}?/${action}`
      for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]) {
        const response = await hostFetch(target, {
          method: "POST",
          headers: { origin: "https://evil.example", "content-type": type },
          body: type.startsWith("multipart") ? "--x--\r\n" : "a=1"
        })
        expect(response.status, `${target} as ${type}`).toBe(403)
        expectCommonHeaders(response, "403")
      }
    }
    const same = await hostFetch(`http://localhost:${web!.port}/signin?/password`, {
      method: "POST",
      headers: { origin: `http://localhost:${web!.port}`, "content-type": "application/x-www-form-urlencoded" },
      body: "email=&password="
    })
    expect(same.status).not.toBe(403)
  }, 120_000)
})
