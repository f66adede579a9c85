import node from "@sveltejs/adapter-node"
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte"
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"

const OUT = "build"

/**
 * adapter-node, with a front for its request handler: cached storefront pages are answered before
 * SvelteKit builds a Request (docs/page-cache.md). `build/handler.js` becomes `build/kit-handler.js`;
 * the new `handler.js` asks the page cache (registered by hooks.server.ts) first, so `build/index.js`
 * and any custom server built on `handler.js` get it.
 */
const adapter = () => {
  const inner = node({ out: OUT })
  return {
    ...inner,
    name: "adapter-node-page-cache",
    async adapt(builder) {
      await inner.adapt(builder)
      if (!readFileSync(`${OUT}/index.js`, "utf8").includes("from './handler.js'")) {
        throw new Error("adapter-node's build/index.js no longer imports ./handler.js: the page cache's front needs updating")
      }
      const kit = readFileSync(`${OUT}/handler.js`, "utf8").replace(
        "sourceMappingURL=handler.js.map",
        "sourceMappingURL=kit-handler.js.map"
      )
      writeFileSync(`${OUT}/kit-handler.js`, kit)
      if (existsSync(`${OUT}/handler.js.map`)) renameSync(`${OUT}/handler.js.map`, `${OUT}/kit-handler.js.map`)
      writeFileSync(
        `${OUT}/handler.js`,
        `import { handler as kit } from "./kit-handler.js"

const cached = Symbol.for("manara.page-cache")

/** A cached storefront page straight from the page cache; anything else (or a failure there) goes to SvelteKit. */
export const handler = (req, res, next) => {
  const fromCache = globalThis[cached]
  if (fromCache === undefined) return kit(req, res, next)
  return fromCache(req, res).then(
    (served) => (served ? undefined : kit(req, res, next)),
    () => kit(req, res, next)
  )
}
`
      )
    }
  }
}

/** @type {import("@sveltejs/kit").Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter(),
    // The origin check is per storefront host, in hooks.server.ts (`isCrossSiteForm`): SvelteKit's compares with one origin.
    csrf: { trustedOrigins: ["*"] },
    // Scripts only with this response's nonce (the dashboard's; the storefront ships none). Styles inline
    // (Svelte's style attributes, the tenant's colours). Media and uploads go to S3 over https, or to the
    // dev/test s3rver on loopback http.
    csp: {
      mode: "nonce",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        "style-src": ["self", "unsafe-inline"],
        "img-src": ["self", "data:", "blob:", "https:", "http://127.0.0.1:*", "http://localhost:*"],
        "connect-src": ["self", "https:", "http://127.0.0.1:*", "http://localhost:*"],
        "font-src": ["self"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
        "frame-ancestors": ["none"]
      }
    }
  }
}
