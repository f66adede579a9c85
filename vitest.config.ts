import { defineConfig } from "vitest/config"
import { timeouts } from "./vitest.timeouts.js"
import projects from "./vitest.workspace.js"

export default defineConfig({
  test: {
    projects,
    globalSetup: ["./packages/testkit/src/globalSetup.ts"],
    // What the projects spread too: they do not inherit these.
    ...timeouts
  }
})
