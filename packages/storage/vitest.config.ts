import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/storage", include: ["test/**/*.test.ts"] } })
