import { execFile } from "node:child_process"
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { freePort } from "./Ports.js"

const run = promisify(execFile)

const PG_BIN = "/usr/lib/postgresql/15/bin"
const asRoot = process.getuid?.() === 0

/** initdb and postgres refuse to run as root: as root, they run as the `postgres` user. */
const asPostgres = (program: string, args: Array<string>) =>
  asRoot ? run("runuser", ["-u", "postgres", "--", `${PG_BIN}/${program}`, ...args]) : run(`${PG_BIN}/${program}`, args)

export interface OwnPostgresOptions {
  /** pg_hba.conf, replacing initdb's trust-everything one (the Unix socket stays the administrator's door). */
  readonly hba?: ReadonlyArray<string>
  /** postgresql.conf settings, e.g. `{ ssl: "on" }`. */
  readonly settings?: Readonly<Record<string, string>>
  /** Files put in the data directory before the first start (the server's own, mode 0600): certificates, keys. */
  readonly files?: Readonly<Record<string, string>>
}

/**
 * A Postgres cluster of the test's own (initdb + pg_ctl) on a free port and a socket in its temp directory,
 * never the machine's: trust auth unless the test gives its own pg_hba.conf; stopped, reloaded and started at will.
 */
export class OwnPostgres {
  private constructor(
    readonly directory: string,
    readonly port: number
  ) {}

  static async start(options: OwnPostgresOptions = {}): Promise<OwnPostgres> {
    const directory = await mkdtemp(join(tmpdir(), "manara-pg-"))
    if (asRoot) await run("chown", ["postgres:postgres", directory])
    await asPostgres("initdb", ["-D", join(directory, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
    const cluster = new OwnPostgres(directory, await freePort())
    for (const [name, content] of Object.entries(options.files ?? {})) await cluster.writeFile(name, content)
    if (options.hba !== undefined) await cluster.writeFile("pg_hba.conf", ["local all all trust", ...options.hba, ""].join("\n"))
    if (options.settings !== undefined) {
      const conf = join(directory, "data", "postgresql.conf")
      const lines = Object.entries(options.settings).map(([name, value]) => `${name} = '${value.replaceAll("'", "''")}'`)
      await writeFile(conf, `${await readFile(conf, "utf8")}\n${lines.join("\n")}\n`)
    }
    await cluster.resume()
    return cluster
  }

  /** Over TCP (what pg_hba.conf's `host` lines govern). */
  get adminUrl() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  /** Over the cluster's Unix socket: the administrator's door whatever pg_hba.conf says of TCP. */
  socketUrl(database = "postgres") {
    return `postgres://postgres@/${database}?host=${encodeURIComponent(this.directory)}&port=${this.port}`
  }

  /** A file in the data directory, the server's own and private to it (a key must be 0600). */
  async writeFile(name: string, content: string): Promise<void> {
    const path = join(this.directory, "data", name)
    await writeFile(path, content, { mode: 0o600 })
    await chmod(path, 0o600)
    if (asRoot) {
      const { stdout } = await run("id", ["-u", "postgres"])
      const { stdout: group } = await run("id", ["-g", "postgres"])
      await chown(path, Number(stdout.trim()), Number(group.trim()))
    }
  }

  private ctl = (...args: Array<string>) => asPostgres("pg_ctl", ["-D", join(this.directory, "data"), ...args])

  /** Re-reads pg_hba.conf, postgresql.conf and the TLS files (SIGHUP), as an operator's reload would. */
  async reload(): Promise<void> {
    await this.ctl("reload")
  }

  async resume(): Promise<void> {
    await this.ctl(
      "-w",
      "-t",
      "30",
      "-l",
      join(this.directory, "log"),
      "-o",
      `-p ${this.port} -k ${this.directory} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start"
    )
  }

  async stop(): Promise<void> {
    await this.ctl("-w", "-t", "30", "-m", "fast", "stop").catch(() => undefined)
  }

  async destroy(): Promise<void> {
    await this.ctl("-w", "-t", "30", "-m", "immediate", "stop").catch(() => undefined)
    await rm(this.directory, { recursive: true, force: true })
  }
}

/** A Postgres that refuses plain TCP (as RDS's rds.force_ssl does), serving a certificate from `ca` for 127.0.0.1. */
export const startTlsOnlyPostgres = async (ca: TestCertificates): Promise<OwnPostgres> => {
  const { cert, key } = await ca.server(["IP:127.0.0.1"])
  return OwnPostgres.start({
    files: { "server.crt": cert, "server.key": key },
    settings: { ssl: "on", ssl_cert_file: "server.crt", ssl_key_file: "server.key" },
    hba: ["hostssl all all 127.0.0.1/32 trust", "hostnossl all all 127.0.0.1/32 reject"]
  })
}

/** A test CA and certificates it signs (openssl), for a Postgres that speaks TLS. */
export interface TestCertificates {
  readonly caPem: string
  /** A server certificate and key for these subject alternative names, e.g. `["IP:127.0.0.1"]`. */
  readonly server: (names: ReadonlyArray<string>) => Promise<{ readonly cert: string; readonly key: string }>
  /** Where the CA's PEM is, as DATABASE_CA would name it. */
  readonly caFile: string
}

export const makeCertificates = async (commonName = "Manara test CA"): Promise<TestCertificates> => {
  const directory = await mkdtemp(join(tmpdir(), "manara-ca-"))
  const at = (name: string) => join(directory, name)
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${commonName}`,
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem")
  ])
  let serial = 0
  const server = async (names: ReadonlyArray<string>) => {
    serial += 1
    const base = at(`server-${serial}`)
    await run("openssl", [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=manara-test-db",
      "-keyout",
      `${base}.key`,
      "-out",
      `${base}.csr`
    ])
    await writeFile(`${base}.ext`, `subjectAltName=${names.join(",")}\n`)
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      `${base}.csr`,
      "-CA",
      at("ca.pem"),
      "-CAkey",
      at("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${base}.ext`,
      "-out",
      `${base}.crt`
    ])
    return { cert: await readFile(`${base}.crt`, "utf8"), key: await readFile(`${base}.key`, "utf8") }
  }
  return { caPem: await readFile(at("ca.pem"), "utf8"), caFile: at("ca.pem"), server }
}
