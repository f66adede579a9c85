import { freePort } from "./Ports.js"
import { type RunningEmulator, startEmulator } from "./Emulator.js"

/** An email as aws-ses-v2-local keeps it (`GET /store`). */
export interface StoredEmail {
  readonly messageId: string
  readonly from: string
  readonly destination: { readonly to: ReadonlyArray<string> }
  readonly subject: string
  readonly body: { readonly html?: string; readonly text?: string }
  readonly attachments: ReadonlyArray<{
    readonly content: string
    readonly contentType: string
    readonly filename?: string
    readonly size: number
  }>
  readonly headers?: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly at: number
}

export type RunningSes = RunningEmulator

/** The SES_* environment for a service that should send through this emulator. */
export const sesEnv = (endpoint: string): Record<string, string> => ({
  SES_ENDPOINT: endpoint,
  SES_REGION: "me-south-1",
  SES_ACCESS_KEY_ID: "local",
  SES_SECRET_ACCESS_KEY: "local",
  NOTIFY_EMAIL_FROM: "Manara <no-reply@manara.test>"
})

/** Starts aws-ses-v2-local on a free loopback port and waits until it answers. */
export const startSesLocal = async (options: { port?: number } = {}): Promise<RunningSes> => {
  const port = options.port ?? (await freePort())
  return startEmulator({
    pkg: "aws-ses-v2-local",
    script: "dist/cli.js",
    args: ["--host", "127.0.0.1", "--port", String(port)],
    port,
    isUp: (endpoint) => fetch(`${endpoint}/health-check`).then((response) => response.ok)
  })
}

/** Every email the emulator holds for `to` (other test files share it: always filter by recipient). */
export const sesEmailsTo = async (endpoint: string, to: string): Promise<ReadonlyArray<StoredEmail>> => {
  const response = await fetch(`${endpoint}/store`)
  const store = (await response.json()) as { emails: ReadonlyArray<StoredEmail> }
  return store.emails.filter((email) => email.destination.to.some((address) => address.toLowerCase().includes(to.toLowerCase())))
}
