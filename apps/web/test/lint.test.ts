import { ESLint, Linter } from "eslint"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import tseslint from "typescript-eslint"
import { describe, expect, it } from "vitest"

// The workspace's own lint rule, as eslint.config.js loads it (a path, so the web app's type check leaves the plain JS alone).
const root = resolve(import.meta.dirname, "../../..")
const plugin = ((await import(pathToFileURL(resolve(root, "scripts/eslint/plugin.js")).href)) as { default: ESLint.Plugin }).default

const linter = new Linter({ configType: "flat" })
const findings = (code: string) =>
  linter
    .verify(
      code,
      [
        {
          files: ["**/*.ts"],
          languageOptions: { parser: tseslint.parser },
          plugins: { manara: plugin },
          rules: { "manara/no-string-api-calls": "error" }
        }
      ],
      "page.ts"
    )
    .map((message) => message.messageId)

describe("manara/no-string-api-calls: the dashboard calls the API through the typed client only", () => {
  it("refuses the API by a string path, however the path is written", () => {
    for (const code of [
      `fetch("/api/v1/tenant/inbox")`,
      "fetch(`/api/v1/tenant/${slug}/members`)",
      'event.fetch(`/api/v1/tenant/catalog`, { method: "POST" })',
      "fetch(new URL(`/api/v1${path}`, apiUrl()))",
      'new URL("/api/v1/auth/me", base)',
      'new Request("/api/v1/tenant/inbox")',
      "fetch(`${apiUrl()}/tenant/inbox`)",
      'fetch(apiUrl() + "/auth/me")'
    ])
      expect(findings(code), code).toEqual(["stringPath"])
  })

  it("refuses an untyped api<T>(...) client", () => {
    expect(findings(`api<Member[]>("/tenant/members")`)).toEqual(["untypedClient"])
    expect(findings(`api<Member[]>(path)`)).toEqual(["untypedClient"])
    expect(findings(`locals.api("members")`)).toEqual(["untypedClient"])
  })

  it("lets through the typed client, form actions and the storefront's own links", () => {
    for (const code of [
      "locals.api((client) => client.members.list({ headers }))",
      'fetch(`?/${action}`, { method: "POST", body })',
      "fetch(url, { signal })",
      "const href = `/api/v1/public/media/${id}?size=thumb`",
      "new URL(url.pathname + url.search, base)"
    ])
      expect(findings(code), code).toEqual([])
  })

  it("is on for every script and component of the web app", async () => {
    const eslint = new ESLint({ cwd: root })
    for (const file of ["apps/web/src/lib/server/auth.ts", "apps/web/src/routes/(app)/dashboard/+page.svelte"]) {
      const config = (await eslint.calculateConfigForFile(resolve(root, file))) as Linter.Config
      expect(config.rules?.["manara/no-string-api-calls"], file).toEqual([2])
    }
  })
})
