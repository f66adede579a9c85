import type { SqlClient } from "@effect/sql"

/**
 * A `timestamptz` column as the API's `Timestamp` text (`2026-11-24T09:30:00.000Z`), made by Postgres:
 * lists send it on as it comes, instead of parsing a `Date` per row and formatting it again.
 */
export const timestampSql = (sql: SqlClient.SqlClient, column: string) =>
  sql`to_char(${sql.unsafe(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
