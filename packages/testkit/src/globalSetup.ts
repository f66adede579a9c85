import type { TestProject } from "vitest/node"
import { createPool, startCognitoLocal } from "./Cognito.js"
import { startS3rver } from "./S3.js"
import { startSesLocal } from "./Ses.js"
import { createTestDatabase, dropTestDatabase } from "./setup.js"

/** Vitest global setup: one fresh database, one cognito-local (with a pool), one s3rver (with a bucket) and one aws-ses-v2-local per test run. */
export default async function setup(project: TestProject) {
  const [urls, cognito, s3, ses] = await Promise.all([createTestDatabase(), startCognitoLocal(), startS3rver(), startSesLocal()])
  project.provide("manaraDatabase", urls)
  project.provide("manaraCognito", { ...(await createPool(cognito.endpoint)), log: cognito.log })
  const { stop: stopS3, ...s3Server } = s3
  project.provide("manaraS3", s3Server)
  project.provide("manaraSes", ses.endpoint)
  return async () => {
    await Promise.all([dropTestDatabase(urls), cognito.stop(), stopS3(), ses.stop()])
  }
}
