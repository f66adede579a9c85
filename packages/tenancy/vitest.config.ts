import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/tenancy", include: ["test/**/*.test.ts"] } })
