import type { TenantFixture } from "@manara/testkit"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { numbersOf } from "../src/index.js"
import fixture from "./evaluation.json" with { type: "json" }
import { ask, type AssistantRuntime, assistantRuntime, rowsOf, seedCharity } from "./harness.js"

const urls = inject("manaraDatabase")

let builtin: AssistantRuntime
let home: TenantFixture
/** Every figure the tenant stored (amounts, dates, depths), as the guardrail compares them. */
let stored: Set<string>

beforeAll(async () => {
  builtin = assistantRuntime(urls)
  const [seeded, other] = await Promise.all([seedCharity(urls), seedCharity(urls)])
  home = seeded
  await rowsOf(urls, other.id, (sql) =>
    sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, summary_ar, summary_en, goal_amount, raised_amount, category, status, published_at)
      values (${other.id}, 'project', 'gaza-bakery', 'مخبز غزة الخيري', 'Gaza charity bakery', 'خبز يومي.', 'Daily bread.', 7000, 6100.25, 'sadaqah', 'active', now()) returning id`
  )
  const rows = await rowsOf(
    urls,
    home.id,
    (sql) => sql<{ text: string }>`
      select concat_ws(' ', answer_ar, answer_en) as text from faqs where published
      union all select concat_ws(' ', to_char(goal_amount, 'FM999999990.000'), to_char(raised_amount, 'FM999999990.000'),
        to_char(pledged_amount, 'FM999999990.000'), to_char(price, 'FM999999990.000'), summary_ar, summary_en) from catalog_items where status <> 'draft'
      union all select concat_ws(' ', caption_ar, caption_en, occurred_on::text, to_char(amount_spent, 'FM999999990.000')) from proofs`
  )
  stored = new Set(rows.flatMap((row) => numbersOf(row.text)))
}, 60_000)
afterAll(() => builtin?.dispose())

describe("the evaluation set (built-in responder)", () => {
  it(
    `answers >= 90% of ${fixture.answerable.length} answerable questions with a citation, hands off or declines all ${fixture.unanswerable.length} others, invents no figure`,
    async () => {
      let answeredWithCitation = 0
      let wrongCitation = 0
      let handedOff = 0
      let declined = 0
      let invented = 0
      const misses: Array<string> = []
      for (const question of fixture.answerable) {
        const result = await ask(builtin, home, question.question, { locale: question.locale as "ar" | "en" })
        if (result.outcome === "answered" && result.citations.length > 0) {
          answeredWithCitation++
          if (!result.citations.some((citation) => citation.title.startsWith(question.cites))) {
            wrongCitation++
            misses.push(`${question.question} → cited ${result.citations.map((c) => c.title).join(" | ")}`)
          }
        } else misses.push(`${question.question} → ${result.outcome}`)
        if (numbersOf(result.text).some((number) => !stored.has(number))) invented++
      }
      const unanswered: Array<string> = []
      for (const question of fixture.unanswerable) {
        const result = await ask(builtin, home, question.question, { locale: question.locale as "ar" | "en" })
        if (result.outcome === "handed_off") handedOff++
        else if (result.outcome === "declined") declined++
        else unanswered.push(`${question.question} → ${result.text}`)
        if (numbersOf(result.text).some((number) => !stored.has(number))) invented++
      }
      console.log(
        [
          `answerable: ${answeredWithCitation}/${fixture.answerable.length} answered with a citation (${wrongCitation} citing another source)`,
          `unanswerable: ${handedOff} handed off, ${declined} declined, of ${fixture.unanswerable.length}`,
          `invented figures: ${invented}`,
          ...misses.map((miss) => `  miss: ${miss}`),
          ...unanswered.map((miss) => `  answered an unanswerable: ${miss}`)
        ].join("\n")
      )
      expect(fixture.answerable.length + fixture.unanswerable.length).toBeGreaterThanOrEqual(40)
      expect(answeredWithCitation / fixture.answerable.length).toBeGreaterThanOrEqual(0.9)
      expect(wrongCitation).toBe(0)
      expect(handedOff + declined).toBe(fixture.unanswerable.length)
      expect(invented).toBe(0)
    },
    120_000
  )
})
