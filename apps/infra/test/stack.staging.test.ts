/** The CDK app's staging environment (test/stack-suite.ts); one file per environment so the two synths run in parallel. */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { expect, it } from "vitest"
import { describeEnvironment } from "./stack-suite.js"

describeEnvironment("staging")

it("fails synth on a finding nobody acknowledged (the same cdk-nag wiring as the app)", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "manara-cdk-nag-"))
  try {
    const result = await promisify(execFile)(process.execPath, ["--import", "tsx", join(import.meta.dirname, "careless-app.ts")], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, CDK_OUTDIR: outdir },
      maxBuffer: 16 * 1024 * 1024
    }).then(
      () => "synthesised",
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ""}\n${error.stderr ?? ""}`
    )
    expect(result).toMatch(/AwsSolutions-S10/)
    expect(result).toMatch(/AwsSolutions-S1\b/)
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
  // A synth with cdk-nag: minutes of CPU on a loaded machine, as the suite's own setup allows.
}, 300_000)
