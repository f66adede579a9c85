/** The CDK app's staging environment (test/stack-suite.ts); one file per environment so the two synths run in parallel. */
import { App, Stack } from "aws-cdk-lib"
import * as s3 from "aws-cdk-lib/aws-s3"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, it } from "vitest"
import { withNagChecks } from "../src/app.js"
import { describeEnvironment } from "./stack-suite.js"

describeEnvironment("staging")

it("fails synth on a finding nobody acknowledged (the same cdk-nag wiring as the app)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "manara-cdk-nag-"))
  try {
    const app = new App({ outdir })
    new s3.Bucket(new Stack(app, "Careless"), "Open")
    withNagChecks(app)
    expect(() => app.synth()).toThrow(/AwsSolutions-S10|Validation failed/)
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}, 180_000)
