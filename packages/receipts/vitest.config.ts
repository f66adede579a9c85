import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/receipts", include: ["test/**/*.test.ts"] } })
