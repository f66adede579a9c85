import type { DonationCategory, ItemKind, ItemStatus, ProofKind } from "@manara/domain"
import { m } from "$lib/paraglide/messages.js"

// Functions, not tables of strings: each message reads the request's locale when it is called.

export const kindName = (kind: ItemKind): string => (kind === "product" ? m.public_kind_product() : m.public_kind_project())

export const categoryName = (category: DonationCategory): string =>
  ({
    zakat: m.public_category_zakat,
    sadaqah: m.public_category_sadaqah,
    waqf: m.public_category_waqf,
    general: m.public_category_general
  })[category]()

export const proofKindName = (kind: ProofKind): string =>
  ({
    photo: m.public_proof_kind_photo,
    invoice: m.public_proof_kind_invoice,
    report: m.public_proof_kind_report,
    update: m.public_proof_kind_update
  })[kind]()

/** Only the statuses worth a badge: an active item is the normal case. */
export const statusBadge = (status: ItemStatus): string | undefined =>
  status === "funded" ? m.public_status_funded() : status === "completed" ? m.public_status_completed() : undefined
