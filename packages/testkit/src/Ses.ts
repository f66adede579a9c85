import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { freePort } from "./Cognito.js"

/** An email as aws-ses-v2-local keeps it (`GET /store`). */
export interface StoredEmail {
  readonly messageId: string
  readonly from: string
  readonly destination: { readonly to: ReadonlyArray<string> }
  readonly subject: string
  readonly body: { readonly html?: string; readonly text?: string }
  readonly attachments: ReadonlyArray<{ readonly content: string; readonly contentType: string; readonly filename?: string; readonly size: number }>
  readonly headers?: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly at: number
}

export interface RunningSes {
  readonly endpoint: string
  readonly stop: () => Promise<void>
}

/** The SES_* environment for a service that should send through this emulator. */
export const sesEnv = (endpoint: string): Record<string, string> => ({
  SES_ENDPOINT: endpoint,
  SES_REGION: "me-south-1",
  SES_ACCESS_KEY_ID: "local",
  SES_SECRET_ACCESS_KEY: "local",
  NOTIFY_EMAIL_FROM: "Manara <no-reply@manara.test>"
})

/** Starts aws-ses-v2-local as a plain `node` process on a free loopback port and waits until it answers. */
export const startSesLocal = async (options: { port?: number } = {}): Promise<RunningSes> => {
  const port = options.port ?? (await freePort())
  const require = createRequire(import.meta.url)
  const cli = join(dirname(require.resolve("aws-ses-v2-local/package.json")), "dist/cli.js")
  const child: ChildProcess = spawn(process.execPath, [cli, "--host", "127.0.0.1", "--port", String(port)], { stdio: "ignore" })
  const endpoint = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error(`aws-ses-v2-local exited with ${child.exitCode}`)
    const up = await fetch(`${endpoint}/health-check`).then((response) => response.ok, () => false)
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}

/** Every email the emulator holds for `to` (other test files share it: always filter by recipient). */
export const sesEmailsTo = async (endpoint: string, to: string): Promise<ReadonlyArray<StoredEmail>> => {
  const response = await fetch(`${endpoint}/store`)
  const store = (await response.json()) as { emails: ReadonlyArray<StoredEmail> }
  return store.emails.filter((email) => email.destination.to.some((address) => address.toLowerCase().includes(to.toLowerCase())))
}
