import { defineProject } from "vitest/config"
import { timeouts } from "../../vitest.timeouts.js"

export default defineProject({ test: { name: "@manara/analytics", include: ["test/**/*.test.ts"], ...timeouts } })
