import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/auth", include: ["test/**/*.test.ts"] } })
