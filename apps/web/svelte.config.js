import adapter from "@sveltejs/adapter-node"
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte"

/** @type {import("@sveltejs/kit").Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: "build" }),
    // The origin check is per storefront host, in hooks.server.ts (`isCrossSiteForm`): SvelteKit's compares with one origin.
    csrf: { trustedOrigins: ["*"] }
  }
}
