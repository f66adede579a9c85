// The workspace's lint: `pnpm lint` (0 errors, 0 warnings). Formatting is prettier's job, not a lint rule's.
import js from "@eslint/js"
import effect from "@effect/eslint-plugin"
import svelte from "eslint-plugin-svelte"
import globals from "globals"
import tseslint from "typescript-eslint"
import svelteConfig from "./apps/web/svelte.config.js"
import manara from "./scripts/eslint/plugin.js"

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "**/build/",
      "**/dist/",
      "**/.svelte-kit/",
      "**/test-results/",
      "**/.manara/",
      "apps/web/src/lib/paraglide/",
      // The SSR bench's baseline app: static markup with no tsconfig of its own (bench/shell).
      "bench/shell/src/"
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        // Each file is typed by its nearest tsconfig.json (the root's, or apps/web's for the web app).
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: [".svelte"]
      }
    },
    plugins: { "@effect": effect, manara },
    rules: {
      // Formatting belongs to prettier.
      "@effect/dprint": "off",
      // The workspace imports effect's barrel (`import { Effect } from "effect"`), which tree-shakes.
      "@effect/no-import-from-barrel-package": "off",
      // `_`-prefixed names are deliberately unused (tsc's noUnusedLocals already finds the rest).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // `xs[0]!` says what the code knows; without noUncheckedIndexedAccess the rule would strip every one.
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      // Effect declares an error without fields as `Data.TaggedError("Name")<{}>`.
      "@typescript-eslint/no-empty-object-type": ["error", { allowObjectTypes: "always" }],
      // A form field may be a File, whose "[object File]" the field's own validation then refuses.
      "@typescript-eslint/no-base-to-string": ["error", { ignoredTypeNames: ["Error", "RegExp", "URL", "URLSearchParams", "File"] }],
      // The app is served at the root (no kit.paths.base) and localizes its links with paraglide's localizeHref.
      "svelte/no-navigation-without-resolve": "off"
    }
  },
  {
    files: ["**/*.ts"],
    // A server's callback may read a variable the next lines assign once (svelte files keep `let` for `$props()`).
    rules: { "prefer-const": ["error", { ignoreReadBeforeAssign: true }] }
  },
  {
    // Tests read answers as JSON (`any`) and hold their shape to account with `expect`.
    files: ["**/test/**/*.ts", "packages/testkit/src/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off"
    }
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, svelteConfig }
    }
  },
  {
    // The dashboard talks to the API through the typed HttpApiClient only.
    files: ["apps/web/src/**/*.ts", "apps/web/src/**/*.svelte"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: { "manara/no-string-api-calls": "error" }
  },
  {
    // Config files and plain scripts are outside every tsconfig: syntax rules only.
    files: ["**/*.js", "**/*.mjs", "**/vite.config.ts", "**/vitest.config.ts", "vitest.workspace.ts"],
    ...tseslint.configs.disableTypeChecked
  }
)
