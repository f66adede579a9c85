import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/worker", include: ["test/**/*.test.ts"] } })
