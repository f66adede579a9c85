import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/notifications", include: ["test/**/*.test.ts"] } })
