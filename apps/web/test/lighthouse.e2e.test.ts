import { seedDemoWithBucket } from "@manara/cli"
import { s3Env, withOwner } from "@manara/testkit"
import lighthouse from "lighthouse"
import desktopConfig from "lighthouse/core/config/desktop-config.js"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, results, services, storefrontUrl, useStack } from "./harness.js"
import { writeFileSync } from "node:fs"

const { urls, s3 } = services()

// The demo charity (the CLI's seed): what a visitor of a real storefront gets, covers and all.
const stack = useStack({
  seed: async () => {
    await withOwner(urls, seedDemoWithBucket(s3Env(s3)))
  }
})

/**
 * Lighthouse drives a Chromium of its own through the DevTools port (the suite's browser speaks over a
 * pipe). Offline: no background networking, no component updates; Lighthouse itself fetches nothing.
 */
let browser: Browser | undefined
let port = 0
beforeAll(async () => {
  port = await freePort()
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--disable-domain-reliability",
      `--remote-debugging-port=${port}`
    ]
  })
})
afterAll(async () => {
  await browser?.close()
})

interface Audit {
  readonly id: string
  readonly title: string
  readonly score: number | null
  readonly scoreDisplayMode: string
}

/** A desktop run of the four categories; the failing audits named, so a failure says what to fix. */
const audit = async (path: string) => {
  const url = storefrontUrl(stack.web, "demo", path)
  const run = await lighthouse(
    url,
    {
      port,
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
      // No plugin, no network lookups of its own (the "library detection" reads only the page).
      disableFullPageScreenshot: true
    },
    desktopConfig
  )
  if (run === undefined) throw new Error(`Lighthouse gave no result for ${url}`)
  const { lhr } = run
  writeFileSync(`${results}lighthouse-${path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home"}.json`, JSON.stringify(lhr))
  const scores = Object.fromEntries(Object.entries(lhr.categories).map(([id, category]) => [id, category.score]))
  const failing = Object.values(lhr.audits as Record<string, Audit>)
    .filter((a) => a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "notApplicable" && a.score !== null && a.score < 1)
    .filter((a) => a.scoreDisplayMode !== "manual")
    .map((a) => `${a.id} (${a.score}): ${a.title}`)
  return { scores, failing, runtimeError: lhr.runtimeError }
}

describe("Lighthouse on the storefront (desktop)", { timeout: 600_000 }, () => {
  for (const path of ["/", "/catalog/orphans-education", "/donate", "/en", "/en/catalog/orphans-education", "/en/donate"]) {
    it(`${path}: accessibility, best practices and SEO 100, performance at least 95`, async () => {
      // Performance is timed on a shared 2-core machine: up to three runs, the best one counts (the other categories never vary).
      let { scores, failing, runtimeError } = await audit(path)
      for (let run = 1; run < 3 && (scores["performance"] ?? 0) < 0.95; run++) ({ scores, failing, runtimeError } = await audit(path))
      expect(runtimeError).toBeUndefined()
      expect({ path, scores, failing }).toMatchObject({
        scores: { accessibility: 1, "best-practices": 1, seo: 1 }
      })
      expect(scores["performance"], JSON.stringify({ path, scores, failing })).toBeGreaterThanOrEqual(0.95)
    })
  }
})
