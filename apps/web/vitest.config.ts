import { defineProject } from "vitest/config"

// Plain node: the unit test reads the compiled paraglide output, the browser test runs the built server.
export default defineProject({ test: { name: "@manara/web", include: ["test/**/*.test.ts"] } })
