import { paraglideVitePlugin } from "@inlang/paraglide-js"
import { sveltekit } from "@sveltejs/kit/vite"
import { defineConfig } from "vite"
import { paraglideOptions } from "./paraglide.options.js"

export default defineConfig({
  plugins: [sveltekit(), paraglideVitePlugin(paraglideOptions)],
  // The domain package ships TypeScript sources: bundle it rather than import it at run time.
  ssr: { noExternal: ["@manara/domain"] }
})
