import { defineProject } from "vitest/config"

// Plain node: the unit test reads the compiled paraglide output, the browser test runs the built server.
// Projects do not inherit the root's timeouts: a browser suite on a busy 2-core machine needs its own.
export default defineProject({
  test: { name: "@manara/web", include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 }
})
