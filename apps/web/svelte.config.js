import adapter from "@sveltejs/adapter-node"
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte"

/** @type {import("@sveltejs/kit").Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: "build" }),
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
