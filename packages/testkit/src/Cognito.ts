import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand
} from "@aws-sdk/client-cognito-identity-provider"
import { mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type RunningEmulator, startEmulator } from "./Emulator.js"
import { freePort } from "./Ports.js"

/** Where a user pool and its app client live: what the API's COGNITO_* configuration needs. */
export interface CognitoPool {
  readonly endpoint: string
  readonly userPoolId: string
  readonly clientId: string
  /** cognito-local's output, where it "delivers" the codes it would email (see `emailedCode`). */
  readonly log?: string
}

export const cognitoClient = (endpoint: string) =>
  new CognitoIdentityProviderClient({
    endpoint,
    region: "me-south-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" }
  })

export type RunningCognito = RunningEmulator & { readonly log: string }

/**
 * Starts cognito-local as a plain `node` process (no wrapper, so no orphan), keeping its state in
 * `directory`, and waits until it answers.
 */
export const startCognitoLocal = async (options: { directory?: string; port?: number } = {}): Promise<RunningCognito> => {
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), "manara-cognito-"))
  mkdirSync(directory, { recursive: true })
  const port = options.port ?? (await freePort())
  const log = join(directory, "cognito-local.log")
  const running = await startEmulator({
    pkg: "cognito-local",
    script: "lib/bin/start.js",
    // Its start script with JSON log lines written synchronously: the codes it "emails" are read there.
    entry: fileURLToPath(new URL("./cognito-local.mjs", import.meta.url)),
    port,
    spawn: { cwd: directory, env: { ...process.env, HOST: "127.0.0.1", PORT: String(port) } },
    // Any answer, even an error, means it listens.
    isUp: (endpoint) => fetch(endpoint, { method: "POST" }).then(() => true),
    logFile: log
  })
  return { ...running, log }
}

/**
 * A user pool (email as username, TOTP MFA) and a public app client for password sign-in. `mfa: "ON"` is
 * production's pool: a first sign-in sets up the authenticator through Cognito's MFA_SETUP challenge. The
 * run's shared pool keeps it optional, so tests sign people in by password and turn MFA on by flag.
 */
export const createPool = async (endpoint: string, name = "manara", mfa: "ON" | "OPTIONAL" = "OPTIONAL"): Promise<CognitoPool> => {
  const client = cognitoClient(endpoint)
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: name,
      MfaConfiguration: mfa,
      UsernameAttributes: ["email"],
      // Sign-up emails a confirmation code, as our production pool does.
      AutoVerifiedAttributes: ["email"]
    })
  )
  const app = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: pool.UserPool!.Id!,
      ClientName: `${name}-web`,
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    })
  )
  return { endpoint, userPoolId: pool.UserPool!.Id!, clientId: app.UserPoolClient!.ClientId! }
}

/** A confirmed user with a permanent password. Returns the user's `sub`. */
export const createCognitoUser = async (pool: CognitoPool, email: string, password: string): Promise<string> => {
  const client = cognitoClient(pool.endpoint)
  const created = await client.send(
    new AdminCreateUserCommand({
      UserPoolId: pool.userPoolId,
      Username: email,
      MessageAction: "SUPPRESS",
      UserAttributes: [
        { Name: "email", Value: email },
        { Name: "email_verified", Value: "true" }
      ]
    })
  )
  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: pool.userPoolId,
      Username: email,
      Password: password,
      Permanent: true
    })
  )
  return created.User!.Attributes!.find((attribute) => attribute.Name === "sub")!.Value!
}

/**
 * The last code cognito-local "emailed" to `email` after `since` (a byte offset of its log; 0: any).
 * cognito-local has no mail: its only delivery is a "Confirmation Code Delivery" message in its log
 * (ConsoleMessageSender) naming the destination and the code. Waits up to 5 s for it.
 */
export const emailedCode = async (log: string, email: string, since = 0): Promise<string> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    let found: string | undefined
    for (const line of readFileSync(log).subarray(since).toString("utf8").split("\n")) {
      if (!line.includes("Confirmation Code Delivery")) continue
      const message = (JSON.parse(line) as { msg?: string }).msg ?? ""
      const destination = /Destination:\s+(\S+)/.exec(message)?.[1]
      const code = /Code:\s+([0-9]{6})/.exec(message)?.[1]
      if (destination?.toLowerCase() === email.toLowerCase() && code !== undefined) found = code
    }
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`cognito-local delivered no code to ${email}`)
}

/** Where cognito-local's log ends now: codes "emailed" after this are the new ones. */
export const codeLogOffset = (log: string): number => statSync(log).size
