import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/catalog", include: ["test/**/*.test.ts"] } })
