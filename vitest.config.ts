import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

export default defineConfig({
  test: {
    projects,
    globalSetup: ["./packages/testkit/src/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
