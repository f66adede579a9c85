// Compiles src/lib/paraglide without vite, so svelte-check and the unit tests see the messages.
import { compile } from "@inlang/paraglide-js"
import { paraglideOptions } from "../paraglide.options.js"

// The options' paths are relative to the app, wherever this is run from.
process.chdir(new URL("..", import.meta.url).pathname)
await compile(paraglideOptions)
