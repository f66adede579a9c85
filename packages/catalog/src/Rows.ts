import type { SqlClient } from "@effect/sql"
import type { MediaRef } from "@manara/domain"

/** A media asset as the catalog's JSON subqueries return it. */
export interface MediaRow {
  readonly id: string
  readonly content_type: string
  readonly width: number | null
  readonly height: number | null
}

/** `json_build_object` of a media row under the alias given. */
export const mediaRowSql = (sql: SqlClient.SqlClient, alias: string) =>
  sql.literal(
    `json_build_object('id', ${alias}.id, 'content_type', ${alias}.content_type, 'width', ${alias}.width, 'height', ${alias}.height)`
  )

export const mediaRef = (row: MediaRow): MediaRef => ({
  id: row.id,
  contentType: row.content_type,
  width: row.width,
  height: row.height
})
