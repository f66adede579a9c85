import { normalizeHost, Problem, problem, Problems, Slug } from "@manara/domain"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"

describe("hosts and slugs", () => {
  it("compares hosts without case, port or trailing dot", () => {
    expect(normalizeHost("Demo.Manara.App:3000")).toBe("demo.manara.app")
    expect(normalizeHost("demo.localhost.")).toBe("demo.localhost")
  })

  it("accepts DNS labels only as slugs", () => {
    expect(Either.isRight(Schema.decodeUnknownEither(Slug)("masjid-al-noor"))).toBe(true)
    for (const bad of ["Masjid", "-x", "x-", "a.b", "", "x".repeat(41), "مسجد", "mfa", "www", "api"]) {
      expect(Either.isLeft(Schema.decodeUnknownEither(Slug)(bad)), bad).toBe(true)
    }
  })
})

describe("problems", () => {
  it("travel as plain RFC 9457 objects and come back as Problem values", () => {
    const notFound = problem(404, "tenant-not-found", "No storefront at this address")
    const wire = Schema.encodeSync(Problems.NotFound)(notFound)
    expect(wire).toEqual({
      type: "https://manara.app/problems/tenant-not-found",
      title: "Not Found",
      status: 404,
      detail: "No storefront at this address"
    })
    const back = Schema.decodeUnknownSync(Problems.NotFound)(wire)
    expect(back).toBeInstanceOf(Problem)
    expect(back.status).toBe(404)
  })

  it("take only the problem types of the one union", () => {
    // @ts-expect-error: a problem type outside `ProblemKind` does not compile.
    expect(problem(404, "no-such-kind").type).toBe("https://manara.app/problems/no-such-kind")
  })

  it("are encoded only by the schema of their own status", () => {
    expect(Either.isLeft(Schema.encodeEither(Problems.BadRequest)(problem(404, "not-found")))).toBe(true)
  })
})
