import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/assistant", include: ["test/**/*.test.ts"] } })
