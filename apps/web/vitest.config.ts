import { defineProject } from "vitest/config"
import { timeouts } from "../../vitest.timeouts.js"

// Plain node: the unit test reads the compiled paraglide output, the browser test runs the built server.
// A browser suite on a busy 2-core machine needs longer than the other projects' timeouts.
export default defineProject({
  test: { name: "@manara/web", include: ["test/**/*.test.ts"], ...timeouts, testTimeout: 60_000, hookTimeout: 120_000 }
})
