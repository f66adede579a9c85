import { SqlClient } from "@effect/sql"
import { Data, Effect } from "effect"
import { execFile } from "node:child_process"
import { ensureDatabase } from "./Roles.js"

/** pg_dump or pg_restore failed: its message (never a URL: the password would be in it). */
export class BackupFailed extends Data.TaggedError("BackupFailed")<{ readonly step: "dump" | "restore"; readonly message: string }> {}

const run = (step: "dump" | "restore", command: string, args: ReadonlyArray<string>) =>
  Effect.async<void, BackupFailed>((resume) => {
    const child = execFile(command, [...args], { maxBuffer: 16 * 1024 * 1024 }, (error, _out, stderr) =>
      // stderr, not error.message: the latter repeats the command line, URL and password included.
      resume(
        error === null
          ? Effect.void
          : Effect.fail(new BackupFailed({ step, message: `${command}: ${stderr.trim() || `exit ${error.code}`}` }))
      )
    )
    return Effect.sync(() => child.kill())
  })

/** The whole database at `url` (schema, data, owners, grants, policies) into `file`, pg_dump's custom format. */
export const dumpDatabase = (url: string, file: string) => run("dump", "pg_dump", ["--format=custom", "--file", file, "--dbname", url])

/**
 * A new database `name`, made as `ensureDatabase` makes every database (owner, no TEMP for the runtime
 * role, its timeouts), then `file` restored into it as the administrator of `adminUrl`: owners, grants
 * and row-level security come back as they were. Stops at the first error.
 */
export const restoreDatabase = (adminUrl: string, name: string, file: string) =>
  Effect.gen(function* () {
    yield* ensureDatabase(name)
    const target = new URL(adminUrl)
    target.pathname = `/${name}`
    yield* run("restore", "pg_restore", ["--exit-on-error", "--single-transaction", "--dbname", target.toString(), file])
  })

/**
 * Exact rows per table of the public schema, by name: what a restore is compared with. Run it as an
 * administrator: row-level security hides every tenant's rows from the owner and runtime roles.
 */
export const rowCounts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`
  const counts: Record<string, number> = {}
  for (const { name } of tables) {
    const [row] = yield* sql<{ n: number }>`select count(*)::int as n from ${sql(name)}`
    counts[name] = row!.n
  }
  return counts
})
