import node from "@sveltejs/adapter-node"
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte"
import { readFileSync, writeFileSync } from "node:fs"

const OUT = "build"

/** Asks the page cache (registered by hooks.server.ts) first; anything else, or a failure there, goes to SvelteKit. */
const FRONT = `const cached = Symbol.for("manara.page-cache")

export const front = (kit) => (req, res, next) => {
  const fromCache = globalThis[cached]
  if (fromCache === undefined) return kit(req, res, next)
  return fromCache(req, res).then(
    (served) => (served ? undefined : kit(req, res, next)),
    () => kit(req, res, next)
  )
}
`

/** Replaces `from` in a file adapter-node wrote; a build whose output changed shape fails here rather than losing the front. */
const patch = (file, from, to) => {
  const text = readFileSync(`${OUT}/${file}`, "utf8")
  if (!from.test(text)) throw new Error(`adapter-node's ${OUT}/${file} changed shape: the page cache's front needs updating`)
  writeFileSync(`${OUT}/${file}`, text.replace(from, to))
}

/**
 * adapter-node, with a front for its request handler: cached storefront pages are answered before
 * SvelteKit builds a Request (docs/page-cache.md). `build/index.js` and `build/handler.js` (for a
 * custom server) both hand requests to `front(handler)` (`build/page-cache-front.js`).
 */
const adapter = () => {
  const inner = node({ out: OUT })
  return {
    ...inner,
    name: "adapter-node-page-cache",
    async adapt(builder) {
      await inner.adapt(builder)
      writeFileSync(`${OUT}/page-cache-front.js`, FRONT)
      patch("index.js", /\.use\(handler\)/, `.use(front(handler))`)
      patch("index.js", /^/, `import { front } from "./page-cache-front.js";\n`)
      patch(
        "handler.js",
        /export \{ (\w+) as handler \} from '([^']+)';/,
        `import { $1 as kit } from '$2';\nimport { front } from "./page-cache-front.js";\nexport const handler = front(kit);`
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
