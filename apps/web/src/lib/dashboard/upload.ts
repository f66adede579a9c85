import type { MediaAsset, UploadTicket } from "@manara/domain"
import { api } from "$lib/session.svelte.js"

export type MediaAssetData = typeof MediaAsset.Encoded
type TicketData = typeof UploadTicket.Encoded

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

/** The presigned POST: every field first, the file last; XMLHttpRequest because fetch reports no upload progress. */
const send = (ticket: TicketData, file: File, onProgress: (fraction: number) => void) =>
  new Promise<void>((resolve, reject) => {
    const form = new FormData()
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value)
    form.append("file", file)
    const request = new XMLHttpRequest()
    request.open("POST", ticket.url)
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    })
    request.addEventListener("load", () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(new UploadRefused(request.status === 413 || /EntityTooLarge/.test(request.responseText) ? "too-large" : "storage")))
    // The same error a failed fetch gives: shown as "could not reach the server".
    request.addEventListener("error", () => reject(new TypeError("upload failed")))
    request.send(form)
  })

/**
 * Ticket, bytes straight to the bucket, then "complete": the API checks the bytes and answers 415
 * (not the declared type) or 413 (too large) with `ApiProblem`, or the ready asset with its thumbnail.
 */
export const uploadFile = async (tenant: string, file: File, onProgress: (fraction: number) => void): Promise<MediaAssetData> => {
  const ticket = await api<TicketData>("/tenant/media/uploads", {
    method: "POST",
    tenant,
    body: { contentType: file.type, byteSize: file.size, filename: file.name.slice(0, 255) }
  })
  await send(ticket, file, onProgress)
  return api<MediaAssetData>(`/tenant/media/${encodeURIComponent(ticket.mediaId)}/complete`, { method: "POST", tenant })
}
