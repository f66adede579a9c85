import type { TestProject } from "vitest/node"
import { createTestDatabase, dropTestDatabase } from "./setup.js"

/** Vitest global setup: one fresh database per test run, dropped afterwards. */
export default async function setup(project: TestProject) {
  const urls = await createTestDatabase()
  project.provide("manaraDatabase", urls)
  return async () => {
    await dropTestDatabase(urls)
  }
}
