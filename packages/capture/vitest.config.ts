import { defineProject } from "vitest/config"

export default defineProject({ test: { name: "@manara/capture", include: ["test/**/*.test.ts"] } })
