import { defineProject } from "vitest/config"
import { timeouts } from "../../vitest.timeouts.js"

export default defineProject({ test: { name: "@manara/storage", include: ["test/**/*.test.ts"], ...timeouts } })
