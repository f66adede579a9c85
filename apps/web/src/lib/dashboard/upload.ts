import type { MediaAsset, UploadTicket } from "@manara/domain"

export type MediaAssetData = typeof MediaAsset.Encoded
export type TicketData = typeof UploadTicket.Encoded

// As `UPLOAD_TYPES` and `MAX_UPLOAD_BYTES` of @manara/domain, kept here so the browser bundle stays small.
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"] as const
export const FILE_TYPES = [...IMAGE_TYPES, "application/pdf"] as const
export const MAX_BYTES = 10 * 1024 * 1024

/** Why a file was not taken, before or after it reached storage. */
export class UploadRefused extends Error {
  constructor(readonly reason: "type" | "too-large" | "storage") {
    super(reason)
  }
}

/** The checks the API makes first, made here so a wrong file is refused before it is sent. */
export const precheck = (file: File, accepted: ReadonlyArray<string>): UploadRefused | undefined =>
  !accepted.includes(file.type) ? new UploadRefused("type") : file.size > MAX_BYTES ? new UploadRefused("too-large") : undefined
