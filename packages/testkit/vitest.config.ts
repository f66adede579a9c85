import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/testkit", include: ["test/**/*.test.ts"] } })
