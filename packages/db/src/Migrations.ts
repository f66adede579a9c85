import { FileSystem, Path } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"

/** The repository's `migrations/` folder. */
export const defaultMigrationsDirectory = fileURLToPath(new URL("../../../migrations", import.meta.url))

const FILE = /^(\d+)_([a-z0-9_]+)\.sql$/

/**
 * Plain `.sql` files named `0001_name.sql`, applied in order by @effect/sql's migrator, which records
 * them in `effect_sql_migrations` and runs every pending one inside one transaction: a broken file
 * rolls back the whole run, so nothing is left half-applied.
 */
export const sqlFileLoader = (directory: string): Migrator.Loader<FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const names = yield* fs.readDirectory(directory)
    const migrations: Array<Migrator.ResolvedMigration> = []
    for (const name of names.sort()) {
      const match = FILE.exec(name)
      if (match === null) continue
      const text = yield* fs.readFileString(path.join(directory, name))
      migrations.push([Number(match[1]), match[2]!, Effect.succeed(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(text).raw))])
    }
    return migrations
  }).pipe(Effect.mapError((cause) => new Migrator.MigrationError({ reason: "import-error", message: `cannot read ${directory}`, cause })))

/** Applies pending migrations as the connected (owner) role; returns the ones it applied. */
export const runMigrations = (directory: string = defaultMigrationsDirectory) => Migrator.make({})({ loader: sqlFileLoader(directory) })
