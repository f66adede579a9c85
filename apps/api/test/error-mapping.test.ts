import * as AiGateway from "@manara/ai-gateway"
import * as Analytics from "@manara/analytics"
import * as Assistant from "@manara/assistant"
import * as Auth from "@manara/auth"
import * as Capture from "@manara/capture"
import * as Catalog from "@manara/catalog"
import * as Notifications from "@manara/notifications"
import * as Tenancy from "@manara/tenancy"
import { describe, expect, it } from "vitest"
import { mappedErrorTags, toProblem } from "../src/ProblemMapping.js"

/**
 * Errors a package exports that never reach a request: the outbox keeps `DeliveryFailed` on its row, and
 * `SecretUnavailable` becomes a `DeliveryFailed` (a send) or a refused webhook secret.
 */
const NEVER_ANSWERED = new Set(["DeliveryFailed", "SecretUnavailable"])

/** Every tagged error class a package exports, by its tag. */
const errorsOf = (module: Record<string, unknown>) =>
  Object.entries(module).flatMap(([name, value]) => {
    if (typeof value !== "function" || !(value.prototype instanceof Error)) return []
    const instance = new (value as new (fields: object) => { _tag?: unknown })({
      code: "invalid-request",
      detail: "d",
      from: "a",
      to: "b",
      host: "h",
      reason: "r"
    })
    return typeof instance._tag === "string" ? [{ name, tag: instance._tag, instance }] : []
  })

describe("every error a package exports has a problem mapping", () => {
  const all = [AiGateway, Analytics, Assistant, Auth, Capture, Catalog, Notifications, Tenancy].flatMap((module) =>
    errorsOf(module as Record<string, unknown>)
  )

  it("finds the packages' errors", () => {
    expect(all.length).toBeGreaterThan(30)
  })

  it.each(all.filter(({ tag }) => !NEVER_ANSWERED.has(tag)).map(({ name, tag, instance }) => [name, tag, instance] as const))(
    "%s (%s) is mapped, to a problem that is not a 500",
    (_, tag, instance) => {
      expect(mappedErrorTags).toContain(tag)
      expect(toProblem(instance).status).not.toBe(500)
    }
  )

  it("no two errors share a tag (the catalog's and the inbox's transitions are told apart)", () => {
    const tags = all.map(({ tag }) => tag)
    expect(new Set(tags).size).toBe(tags.length)
    expect(tags).toEqual(expect.arrayContaining(["InvalidItemTransition", "InvalidCaptureTransition"]))
  })
})
