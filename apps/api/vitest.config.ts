import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/api", include: ["test/**/*.test.ts"] } })
