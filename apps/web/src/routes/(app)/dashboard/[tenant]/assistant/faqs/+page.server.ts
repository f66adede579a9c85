import { fail } from "@sveltejs/kit"
import { Faq, FaqChanges, NewFaq } from "@manara/domain"
import { Either, Schema } from "effect"
import { assistantRefusal } from "$lib/dashboard/assistant.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeFaqs = Schema.encodeSync(Schema.Array(Faq))
const decodeNew = Schema.decodeUnknownEither(NewFaq)
const decodeChanges = Schema.decodeUnknownEither(FaqChanges)

export const load: PageServerLoad = async (event) => {
  const faqs = await loadAs(event, (client) => client.assistantStaff.faqs(tenantHeaders(event.params.tenant)))
  return { faqs: encodeFaqs(faqs) }
}

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value.trim() : ""
}

/** The editor's fields as typed; checked against the contract here, so a refusal comes back beside the form with what was typed. */
const fieldsOf = (data: FormData) => ({
  questionAr: text(data, "questionAr"),
  questionEn: text(data, "questionEn"),
  answerAr: text(data, "answerAr"),
  answerEn: text(data, "answerEn"),
  category: text(data, "category") || "general",
  published: data.get("published") === "on"
})

export const actions: Actions = {
  create: async (event) => {
    const fields = fieldsOf(await event.request.formData())
    const decoded = decodeNew(fields)
    if (Either.isLeft(decoded)) return fail(400, { createError: m.assistant_faq_invalid(), fields })
    const payload = decoded.right
    const result = await actAs(event, (client) => client.assistantStaff.createFaq({ ...tenantHeaders(event.params.tenant), payload }))
    if (Either.isLeft(result)) return fail(result.left.status, { createError: assistantRefusal(result.left), fields })
    return { done: m.assistant_faq_created(), faqId: result.right.id }
  },
  save: async (event) => {
    const data = await event.request.formData()
    const faqId = text(data, "faqId")
    const fields = fieldsOf(data)
    const decoded = decodeChanges(fields)
    if (Either.isLeft(decoded)) return fail(400, { error: m.assistant_faq_invalid(), faqId, fields })
    const payload = decoded.right
    const result = await actAs(event, (client) =>
      client.assistantStaff.updateFaq({ ...tenantHeaders(event.params.tenant), path: { faqId }, payload })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: assistantRefusal(result.left), faqId, fields })
    return { done: m.assistant_faq_saved(), faqId }
  },
  publish: async (event) => {
    const data = await event.request.formData()
    const faqId = text(data, "faqId")
    const published = text(data, "published") === "true"
    const result = await actAs(event, (client) =>
      client.assistantStaff.updateFaq({ ...tenantHeaders(event.params.tenant), path: { faqId }, payload: { published } })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: assistantRefusal(result.left), faqId })
    return { done: published ? m.assistant_faq_published_done() : m.assistant_faq_unpublished_done(), faqId }
  },
  delete: async (event) => {
    const data = await event.request.formData()
    const faqId = text(data, "faqId")
    const result = await actAs(event, (client) =>
      client.assistantStaff.deleteFaq({ ...tenantHeaders(event.params.tenant), path: { faqId } })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: assistantRefusal(result.left), faqId })
    return { done: m.assistant_faq_deleted() }
  }
}
