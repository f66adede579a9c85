// One set of compiler options for the vite plugin (dev, build) and `pnpm messages` (before svelte-check).
// Not in project.inlang/paraglide.config.js: inlang's own .gitignore there ignores everything but settings.json.

/** @satisfies {import("@inlang/paraglide-js").CompilerOptions} */
export const paraglideOptions = {
  project: "./project.inlang",
  outdir: "./src/lib/paraglide",
  // The locale lives in the URL only, so the language switch is a plain link that works without JS.
  strategy: /** @type {const} */ (["url", "baseLocale"]),
  // Any host (each tenant has its own): Arabic at `/`, English under `/en`.
  urlPatterns: [
    {
      pattern: ":protocol://:domain(.*)::port?/:path(.*)?",
      localized: [
        ["en", ":protocol://:domain(.*)::port?/en/:path(.*)?"],
        ["ar", ":protocol://:domain(.*)::port?/:path(.*)?"]
      ]
    }
  ],
  // SvelteKit serves `/en`, not `/en/`: make localized links match, saving a redirect.
  trailingSlash: /** @type {const} */ ("never")
}
