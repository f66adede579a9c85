import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/infra", include: ["test/**/*.test.ts"] } })
