import { Multipart } from "@effect/platform"
import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "vitest"
import { isOutage, MAX_JSON_DEPTH, nestedDeeperThan, toProblem } from "../src/ProblemMapping.js"

/** A `SqlError` as `@effect/sql-pg` makes it: node-postgres' error (code, message) as its cause. */
const sqlError = (code: string | undefined, message = "error") =>
  new SqlError({ cause: Object.assign(new Error(message), code === undefined ? {} : { code }), message: "Failed to execute statement" })

describe("isOutage: only a lost database is a 503", () => {
  it("a protocol violation caused by a bad value (08P01) and data errors (22xxx) are not outages", () => {
    for (const [code, message] of [
      ["08P01", "invalid string in message"],
      ["08P01", "invalid message format"],
      ["22003", "numeric field overflow"],
      ["22021", 'invalid byte sequence for encoding "UTF8": 0x00'],
      ["22P05", "unsupported Unicode escape sequence"],
      ["22P02", "invalid input syntax for type uuid"],
      ["23505", 'duplicate key value violates unique constraint "connections_pkey"'],
      ["42P01", 'relation "connect" does not exist']
    ] as const) {
      expect(isOutage(sqlError(code, message)), `${code} ${message}`).toBe(false)
      expect(toProblem(sqlError(code, message)).status, code).not.toBe(503)
    }
  })

  it("lost connections, refused or reset sockets and a shutting-down server are outages", () => {
    for (const [code, message] of [
      ["08006", "connection failure"],
      ["08001", "could not connect"],
      ["08003", "connection does not exist"],
      ["08004", "server rejected the connection"],
      ["57P01", "terminating connection due to administrator command"],
      ["57P02", "crash shutdown"],
      ["57P03", "the database system is starting up"],
      ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"],
      ["ECONNRESET", "read ECONNRESET"],
      ["EPIPE", "write EPIPE"],
      ["ETIMEDOUT", "connect ETIMEDOUT"],
      [undefined, "Connection terminated unexpectedly"],
      [undefined, "Connection terminated due to connection timeout"]
    ] as const) {
      expect(isOutage(sqlError(code, message)), `${code} ${message}`).toBe(true)
      expect(toProblem(sqlError(code, message)).status).toBe(503)
    }
  })
})

describe("toProblem: a body that cannot be read is the client's fault", () => {
  it("a broken multipart body is a 400 and an oversized one a 413, never a 500", () => {
    expect(toProblem(new Multipart.MultipartError({ reason: "Parse", cause: new Error("EndNotReached") }))).toMatchObject({
      status: 400,
      type: "https://manara.app/problems/unreadable-request"
    })
    for (const reason of ["FileTooLarge", "FieldTooLarge", "BodyTooLarge", "TooManyParts"] as const) {
      expect(toProblem(new Multipart.MultipartError({ reason, cause: undefined })).status, reason).toBe(413)
    }
  })
})

describe("nestedDeeperThan: how deep JSON text nests, without parsing it", () => {
  it("counts arrays and objects inside one another, and nothing inside strings", () => {
    const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`
    expect(nestedDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false)
    expect(nestedDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true)
    expect(nestedDeeperThan(`{"items":[{"itemId":"x","quantity":1}],"customer":{"name":"[[[[[[[[[["}}`, 3)).toBe(false)
    expect(nestedDeeperThan(String.raw`["\\", [["\"[[[["]]]`, 3)).toBe(false)
    expect(nestedDeeperThan(String.raw`["\\", [[["\"[[[["]]]]`, 3)).toBe(true)
    expect(nestedDeeperThan(`[]`.repeat(10_000), 1)).toBe(false)
  })
})
