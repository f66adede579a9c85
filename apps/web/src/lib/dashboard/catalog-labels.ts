import type { ItemStatus, ProofKind } from "@manara/domain"
import { formatCount } from "@manara/domain/numbers"
import { m } from "$lib/paraglide/messages.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import type { Category, ErrorCode, Field } from "./catalog-form.js"
import { MAX_LENGTH } from "./catalog-form.js"
import { describeFailure, problemKind, type ProblemLike } from "./problems.js"
import { UploadRefused } from "./upload.js"

// Functions, not tables of strings: each message reads the page's locale when it is called.

export const STATUSES: ReadonlyArray<ItemStatus> = ["draft", "active", "funded", "completed", "archived"]
export const PROOF_KINDS: ReadonlyArray<ProofKind> = ["photo", "invoice", "report", "update"]

export const statusName = (status: ItemStatus): string =>
  ({
    draft: m.dash_catalog_status_draft,
    active: m.dash_catalog_status_active,
    funded: m.dash_catalog_status_funded,
    completed: m.dash_catalog_status_completed,
    archived: m.dash_catalog_status_archived
  })[status]()

export const kindName = (kind: "product" | "project"): string =>
  kind === "product" ? m.dash_catalog_kind_product() : m.dash_catalog_kind_project()

export const categoryName = (category: Category): string =>
  ({
    zakat: m.dash_catalog_category_zakat,
    sadaqah: m.dash_catalog_category_sadaqah,
    waqf: m.dash_catalog_category_waqf,
    general: m.dash_catalog_category_general
  })[category]()

export const proofKindName = (kind: ProofKind): string =>
  ({
    photo: m.dash_catalog_proof_kind_photo,
    invoice: m.dash_catalog_proof_kind_invoice,
    report: m.dash_catalog_proof_kind_report,
    update: m.dash_catalog_proof_kind_update
  })[kind]()

/** A field's error in the page's language. */
export const fieldMessage = (field: Field, code: ErrorCode | undefined): string | undefined => {
  if (code === undefined) return undefined
  switch (code) {
    case "required":
      return field === "title_ar" ? m.dash_catalog_error_title_required() : m.dash_catalog_error_required()
    case "slug":
      return m.dash_catalog_error_slug()
    case "slug-taken":
      return m.dash_catalog_error_slug_taken()
    case "money":
      return m.dash_catalog_error_money()
    case "money-positive":
      return m.dash_catalog_error_money_positive()
    case "too-long":
      return m.dash_catalog_error_too_long({ max: formatCount(MAX_LENGTH[field] ?? 0, getLocale()) })
    case "sort":
      return m.dash_catalog_error_sort()
    case "category":
      return m.dash_catalog_error_category()
    case "invalid":
      return m.dash_catalog_error_invalid()
  }
}

const isProblem = (value: unknown): value is ProblemLike =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as ProblemLike).type === "string" &&
  typeof (value as ProblemLike).status === "number"

/** The problem a failure is or carries (the typed client's `Problem`, or one an action handed back). */
const problemIn = (failure: unknown): ProblemLike | undefined =>
  isProblem(failure)
    ? failure
    : isProblem((failure as { problem?: unknown } | null)?.problem)
      ? (failure as { problem: ProblemLike }).problem
      : undefined

/** What to say about a failed catalog call: our words for the catalog's problems, the shared ones otherwise. */
export const describeCatalogFailure = (failure: unknown): string => {
  if (failure instanceof UploadRefused) {
    return failure.reason === "type"
      ? m.dash_catalog_upload_error_type()
      : failure.reason === "too-large"
        ? m.dash_catalog_upload_error_too_large()
        : m.dash_catalog_upload_error_storage()
  }
  const problem = problemIn(failure)
  if (problem !== undefined) {
    switch (problemKind(problem)) {
      case "unsupported-media-type":
        return m.dash_catalog_upload_error_type()
      case "upload-too-large":
      case "payload-too-large":
        return m.dash_catalog_upload_error_too_large()
      case "upload-missing":
        return m.dash_catalog_upload_error_storage()
      case "invalid-transition":
        return m.dash_catalog_error_transition()
      case "item-not-found":
        return m.dash_catalog_error_item_not_found()
      case "proof-not-found":
        return m.dash_catalog_error_proof_not_found()
      case "media-not-found":
        return m.dash_catalog_error_media_not_found()
    }
  }
  return describeFailure(failure)
}

/** A problem an action returned for the whole form, worded like a failed call. */
export const describeActionProblem = (problem: { readonly kind: string; readonly status: number; readonly detail?: string }): string =>
  describeCatalogFailure({
    type: `https://manara.app/problems/${problem.kind}`,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail })
  })
