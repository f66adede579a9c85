import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@manara/db"
import type { Citation, Locale } from "@manara/domain"
import { formatKwdText, localDigits } from "@manara/domain/numbers"
import { Effect } from "effect"
import type { Passage } from "./Prompt.js"
import { contentWords, matchedWords } from "./Words.js"

/** A passage with how well it matches the question. */
export interface ScoredPassage extends Passage {
  /** How many of the question's words it has. */
  readonly matched: number
  readonly rank: number
}

export interface Retrieval {
  /** The question's words that count. */
  readonly words: ReadonlyArray<string>
  /** The passages that answer it, best first (none: the assistant does not know). */
  readonly passages: ReadonlyArray<ScoredPassage>
}

/** What a passage may carry into a prompt: enough to answer, never a whole page. */
const BODY_LIMIT = 700

const pick = (locale: Locale, ar: string, en: string) => (locale === "en" && en.trim() !== "" ? en : ar)
const cut = (text: string) => (text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT).replace(/\s+\S*$/u, "")}…` : text)
const prefixOf = (locale: Locale) => (locale === "en" ? "/en" : "")

const STATUS: Record<string, Record<Locale, string>> = {
  active: { ar: "نشط ويستقبل التبرعات", en: "active and open for donations" },
  funded: { ar: "مموَّل بالكامل", en: "fully funded" },
  completed: { ar: "مكتمل", en: "completed" }
}
const PROOF_KIND: Record<string, Record<Locale, string>> = {
  photo: { ar: "صور من التنفيذ", en: "Photos of the work" },
  invoice: { ar: "فاتورة", en: "Invoice" },
  report: { ar: "تقرير", en: "Report" },
  update: { ar: "تحديث", en: "Update" }
}

interface FaqRow {
  readonly id: string
  readonly question_ar: string
  readonly question_en: string
  readonly answer_ar: string
  readonly answer_en: string
  readonly rank: number
}
interface ItemRow {
  readonly id: string
  readonly kind: "product" | "project"
  readonly slug: string
  readonly status: string
  readonly title_ar: string
  readonly title_en: string
  readonly summary_ar: string
  readonly summary_en: string
  readonly price: string | null
  readonly goal_amount: string | null
  readonly raised_amount: string
  readonly pledged_amount: string
  readonly zakat_eligible: boolean
  readonly rank: number
}
interface ProofRow {
  readonly id: string
  readonly kind: string
  readonly caption_ar: string
  readonly caption_en: string
  readonly occurred_on: string
  readonly amount_spent: string | null
  readonly slug: string
  readonly title_ar: string
  readonly title_en: string
  readonly rank: number
}

const faqPassage = (row: FaqRow, locale: Locale): Omit<ScoredPassage, "matched"> => {
  const title = pick(locale, row.question_ar, row.question_en)
  const source: Citation = { kind: "faq", id: row.id, title, url: `${prefixOf(locale)}/faq#faq-${row.id}` } as Citation
  return { source, title, body: cut(pick(locale, row.answer_ar, row.answer_en)), rank: row.rank }
}

/** An item's summary and its stored figures, as the storefront shows them (never rounded, never computed). */
const itemPassage = (row: ItemRow, locale: Locale): Omit<ScoredPassage, "matched"> => {
  const title = pick(locale, row.title_ar, row.title_en)
  const money = (amount: string) => formatKwdText(amount, locale)
  const facts: Array<string> = []
  if (row.kind === "project" && row.goal_amount !== null) {
    facts.push(
      locale === "ar"
        ? `جُمع ${money(row.raised_amount)} من هدف ${money(row.goal_amount)}، والتعهدات ${money(row.pledged_amount)}.`
        : `Raised ${money(row.raised_amount)} of a ${money(row.goal_amount)} goal; pledged ${money(row.pledged_amount)}.`
    )
    const status = STATUS[row.status]
    if (status !== undefined) facts.push(locale === "ar" ? `حالة المشروع: ${status.ar}.` : `The project is ${status.en}.`)
    if (row.zakat_eligible) facts.push(locale === "ar" ? "يقبل أموال الزكاة." : "It accepts zakat.")
  }
  if (row.kind === "product" && row.price !== null)
    facts.push(locale === "ar" ? `السعر: ${money(row.price)}.` : `Price: ${money(row.price)}.`)
  const summary = cut(pick(locale, row.summary_ar, row.summary_en))
  const source = { kind: "item", id: row.id, title, url: `${prefixOf(locale)}/catalog/${row.slug}` } as Citation
  return { source, title, body: [summary, ...facts].filter((line) => line !== "").join("\n"), rank: row.rank }
}

const proofPassage = (row: ProofRow, locale: Locale): Omit<ScoredPassage, "matched"> => {
  const item = pick(locale, row.title_ar, row.title_en)
  const kind = PROOF_KIND[row.kind] ?? { ar: "إثبات", en: "Proof" }
  const title = `${kind[locale]}: ${item}`
  const facts = [
    locale === "ar" ? `التاريخ: ${localDigits(row.occurred_on, "ar")}.` : `Date: ${row.occurred_on}.`,
    ...(row.amount_spent === null
      ? []
      : [
          locale === "ar"
            ? `المبلغ المصروف: ${formatKwdText(row.amount_spent, "ar")}.`
            : `Amount spent: ${formatKwdText(row.amount_spent, "en")}.`
        ])
  ]
  const source = { kind: "proof", id: row.id, title, url: `${prefixOf(locale)}/catalog/${row.slug}#proof-${row.id}` } as Citation
  return { source, title, body: [cut(pick(locale, row.caption_ar, row.caption_en)), ...facts].join("\n"), rank: row.rank }
}

/**
 * Postgres full-text search over the tenant's published FAQs, public catalog items and published
 * proofs, in both languages with the catalog's Arabic folding, inside the tenant's transaction (RLS:
 * another tenant's rows cannot come back). Then the assistant's own test: a passage answers only when
 * it has at least half of the question's words.
 */
export const retrieve = (question: string, locale: Locale) =>
  Effect.gen(function* () {
    yield* CurrentTenant
    const sql = yield* SqlClient.SqlClient
    const words = contentWords(question)
    if (words.length === 0) return { words, passages: [] } satisfies Retrieval
    const query = sql`app.assistant_query(array(select jsonb_array_elements_text(${JSON.stringify(words)}::jsonb)))`
    const [faqs, items, proofs] = yield* Effect.all(
      [
        sql<FaqRow>`
          select f.id::text, f.question_ar, f.question_en, f.answer_ar, f.answer_en, ts_rank(f.search_ar || f.search_en, q)::float8 as rank
          from faqs f, ${query} q
          where f.published and (f.search_ar @@ q or f.search_en @@ q)
          order by rank desc, f.position, f.id limit 6`,
        sql<ItemRow>`
          select i.id::text, i.kind, i.slug, i.status, i.title_ar, i.title_en, i.summary_ar, i.summary_en, i.price::text,
            i.goal_amount::text, i.raised_amount::text, i.pledged_amount::text, i.zakat_eligible, ts_rank(i.search, q)::float8 as rank
          from catalog_items i, ${query} q
          where i.status in ('active', 'funded', 'completed') and i.search @@ q
          order by rank desc, i.slug limit 6`,
        sql<ProofRow>`
          select p.id::text, p.kind, p.caption_ar, p.caption_en, to_char(p.occurred_on, 'YYYY-MM-DD') as occurred_on,
            p.amount_spent::text, i.slug, i.title_ar, i.title_en, ts_rank(d.v, q)::float8 as rank
          from proofs p join catalog_items i on i.tenant_id = p.tenant_id and i.id = p.catalog_item_id
          cross join lateral (select
            to_tsvector('simple', app.fold_arabic(p.caption_ar || ' ' || p.caption_en || ' ' || i.title_ar || ' ' || i.title_en))
            || to_tsvector('arabic', app.fold_arabic(p.caption_ar || ' ' || i.title_ar))
            || to_tsvector('english', p.caption_en || ' ' || i.title_en) as v) d,
          ${query} q
          where p.status = 'published' and i.status in ('active', 'funded', 'completed') and d.v @@ q
          order by rank desc, p.id limit 4`
      ],
      { concurrency: 1 }
    )
    const candidates = [
      ...faqs.map((row) => faqPassage(row, locale)),
      ...items.map((row) => itemPassage(row, locale)),
      ...proofs.map((row) => proofPassage(row, locale))
    ]
    // Both languages count when matching: an English question may meet an FAQ written only in Arabic.
    const needed = Math.max(1, Math.ceil(words.length / 2))
    const passages = candidates
      .map((passage): ScoredPassage => ({ ...passage, matched: matchedWords(words, `${passage.title}\n${passage.body}`) }))
      .filter((passage) => passage.matched >= needed)
      .sort((a, b) => b.matched - a.matched || b.rank - a.rank)
      .slice(0, 3)
    return { words, passages } satisfies Retrieval
  })
