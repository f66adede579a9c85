import type { TestProject } from "vitest/node"
import { createPool, startCognitoLocal } from "./Cognito.js"
import { createTestDatabase, dropTestDatabase } from "./setup.js"

/** Vitest global setup: one fresh database and one cognito-local (with a pool) per test run. */
export default async function setup(project: TestProject) {
  const [urls, cognito] = await Promise.all([createTestDatabase(), startCognitoLocal()])
  project.provide("manaraDatabase", urls)
  project.provide("manaraCognito", await createPool(cognito.endpoint))
  return async () => {
    await Promise.all([dropTestDatabase(urls), cognito.stop()])
  }
}
