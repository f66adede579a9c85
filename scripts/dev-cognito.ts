// Dev only: makes sure the local cognito-local has Manara's pool, client and the demo owner, and
// writes their ids to .manara/cognito.env for the API. Run after cognito-local is up.
import { AdminGetUserCommand, DescribeUserPoolCommand, SetUserPoolMfaConfigCommand } from "@aws-sdk/client-cognito-identity-provider"
import { cognitoClient, type CognitoPool, createCognitoUser, createPool } from "@manara/testkit"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const [endpoint, stateDirectory, email, password] = process.argv.slice(2) as [string, string, string, string]
const poolFile = join(stateDirectory, "pool.json")
mkdirSync(stateDirectory, { recursive: true })
const client = cognitoClient(endpoint)

const existing = existsSync(poolFile) ? (JSON.parse(readFileSync(poolFile, "utf8")) as CognitoPool) : undefined
const stillThere =
  existing !== undefined &&
  (await client.send(new DescribeUserPoolCommand({ UserPoolId: existing.userPoolId })).then(
    () => true,
    () => false
  ))
// MFA required, as production's pool: the demo owner sets up an authenticator at the first sign-in.
const pool = stillThere ? { ...existing!, endpoint } : await createPool(endpoint, "manara", "ON")
// A pool made before MFA was required is brought in line.
if (stillThere)
  await client.send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: pool.userPoolId,
      MfaConfiguration: "ON",
      SoftwareTokenMfaConfiguration: { Enabled: true }
    })
  )
writeFileSync(poolFile, JSON.stringify(pool))

const sub =
  (await client.send(new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: email })).then(
    (user) => user.UserAttributes?.find((attribute) => attribute.Name === "sub")?.Value,
    () => undefined
  )) ?? (await createCognitoUser(pool, email, password))

writeFileSync(
  join(stateDirectory, "..", "cognito.env"),
  `export COGNITO_ENDPOINT=${endpoint}\nexport COGNITO_USER_POOL_ID=${pool.userPoolId}\nexport COGNITO_CLIENT_ID=${pool.clientId}\nexport DEMO_OWNER_SUB=${sub}\n`
)
