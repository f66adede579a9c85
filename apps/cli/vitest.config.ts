import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/cli", include: ["test/**/*.test.ts"] } })
