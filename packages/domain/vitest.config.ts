import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/domain", include: ["test/**/*.test.ts"] } })
