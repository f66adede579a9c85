import { defineProject } from "vitest/config"
import { timeouts } from "../../vitest.timeouts.js"

export default defineProject({ test: { name: "@manara/auth", include: ["test/**/*.test.ts"], ...timeouts } })
