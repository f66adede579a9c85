import adapter from "@sveltejs/adapter-node"

/**
 * The SSR group's baseline (docs/performance.md): a minimal SvelteKit app built with adapter-node, the
 * storefront's shell and styles with no data. Same CSP nonce mode as apps/web, which costs per page.
 * @type {import("@sveltejs/kit").Config}
 */
export default {
  kit: {
    adapter: adapter({ out: "build" }),
    outDir: ".svelte-kit",
    csp: {
      mode: "nonce",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        "style-src": ["self", "unsafe-inline"],
        "img-src": ["self", "data:"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
        "frame-ancestors": ["none"]
      }
    }
  }
}
