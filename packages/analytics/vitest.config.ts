import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/analytics", include: ["test/**/*.test.ts"] } })
