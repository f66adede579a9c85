// cognito-local's own start script, with one change: its log is JSON lines, each written at once.
// Its pretty printer's asynchronous writes were seen to hold a line back, and the log is where
// cognito-local "delivers" the codes it would email (see emailedCode in Cognito.ts).
import { writeSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)
const root = dirname(require.resolve("cognito-local/package.json"))
const fromCognito = createRequire(join(root, "package.json"))
const pino = fromCognito("pino")
const { createDefaultServer } = fromCognito("./lib/server")

const logger = pino({ level: process.env.DEBUG ? "debug" : "info" }, { write: (line) => writeSync(1, line) })
createDefaultServer(logger)
  .then((server) => server.start())
  .then((server) => logger.info(`Cognito Local running on ${JSON.stringify(server.address())}`))
  .catch((error) => {
    logger.error(error)
    process.exit(1)
  })
