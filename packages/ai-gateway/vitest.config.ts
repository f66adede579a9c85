import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/ai-gateway", include: ["test/**/*.test.ts"] } })
