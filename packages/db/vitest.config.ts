import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/db", include: ["test/**/*.test.ts"] } })
