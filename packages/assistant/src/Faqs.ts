import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@manara/db"
import { Faq, type FaqChanges, type NewFaq, PublicFaq } from "@manara/domain"
import { Effect } from "effect"
import { FaqNotFound } from "./Errors.js"

interface FaqRow {
  readonly id: string
  readonly question_ar: string
  readonly question_en: string
  readonly answer_ar: string
  readonly answer_en: string
  readonly category: string
  readonly published: boolean
  readonly position: number
  readonly updated_at: string
}

const columns = `id::text, question_ar, question_en, answer_ar, answer_en, category, published, position,
  to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at`

const toFaq = (row: FaqRow) =>
  new Faq({
    id: row.id,
    questionAr: row.question_ar,
    questionEn: row.question_en,
    answerAr: row.answer_ar,
    answerEn: row.answer_en,
    category: row.category,
    published: row.published,
    position: row.position,
    updatedAt: row.updated_at
  })

const one = (rows: ReadonlyArray<FaqRow>) => (rows[0] === undefined ? Effect.fail(new FaqNotFound()) : Effect.succeed(toFaq(rows[0])))

/** The tenant's FAQs (in its transaction: RLS keeps every other tenant's out). */
export class Faqs extends Effect.Service<Faqs>()("Assistant/Faqs", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const list = Effect.map(sql<FaqRow>`select ${sql.unsafe(columns)} from faqs order by position, created_at, id`, (rows) =>
      rows.map(toFaq)
    )

    /** What the storefront's FAQ page shows: the published ones only, in the staff's order. */
    const published = Effect.map(
      sql<FaqRow>`select ${sql.unsafe(columns)} from faqs where published order by position, created_at, id`,
      (rows) =>
        rows.map(
          (row) =>
            new PublicFaq({
              id: row.id,
              questionAr: row.question_ar,
              questionEn: row.question_en,
              answerAr: row.answer_ar,
              answerEn: row.answer_en,
              category: row.category,
              position: row.position
            })
        )
    )

    /** A new FAQ goes last unless given a position; at the ceiling it ties with the last, and its later creation orders it after. */
    const create = (faq: NewFaq) =>
      Effect.flatMap(CurrentTenant, (tenantId) =>
        sql<FaqRow>`insert into faqs (tenant_id, question_ar, question_en, answer_ar, answer_en, category, published, position)
          values (${tenantId}, ${faq.questionAr}, ${faq.questionEn}, ${faq.answerAr}, ${faq.answerEn}, ${faq.category}, ${faq.published},
            coalesce(${faq.position ?? null}::int, (select least(coalesce(max(position) + 1, 0), 100000) from faqs)))
          returning ${sql.unsafe(columns)}`.pipe(Effect.flatMap(one))
      )

    const update = (id: string, changes: FaqChanges) =>
      sql<FaqRow>`update faqs set
          question_ar = coalesce(${changes.questionAr ?? null}, question_ar),
          question_en = coalesce(${changes.questionEn ?? null}, question_en),
          answer_ar = coalesce(${changes.answerAr ?? null}, answer_ar),
          answer_en = coalesce(${changes.answerEn ?? null}, answer_en),
          category = coalesce(${changes.category ?? null}, category),
          published = coalesce(${changes.published ?? null}::boolean, published),
          position = coalesce(${changes.position ?? null}::int, position)
        where id = ${id} returning ${sql.unsafe(columns)}`.pipe(Effect.flatMap(one))

    const remove = (id: string) =>
      Effect.flatMap(sql<{ id: string }>`delete from faqs where id = ${id} returning id::text`, (rows) =>
        rows.length === 0 ? Effect.fail(new FaqNotFound()) : Effect.void
      )

    return { list, published, create, update, remove } as const
  })
}) {}
