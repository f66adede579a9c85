import { deserialize } from "$app/forms"
import { goto } from "$app/navigation"
import { type MediaAssetData, type TicketData, UploadRefused } from "./upload.js"

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
        : reject(new UploadRefused(request.status === 413 || /EntityTooLarge/.test(request.responseText) ? "too-large" : "storage"))
    )
    // The same error a failed fetch gives: shown as "could not reach the server".
    request.addEventListener("error", () => reject(new TypeError("upload failed")))
    request.send(form)
  })

/** An upload step the editor page's server refused, in our words already (its form action worded it). */
export class UploadStepRefused extends Error {}

/** Redirected by the action (session gone, MFA to set up): the page goes there and the upload stops. */
export class Detoured extends Error {}

/**
 * One of the editor page's form actions, called from script (the bytes cannot go through a form post
 * to our server and on to storage): the server calls the API with the session's typed client.
 */
const step = async <A>(action: "uploadTicket" | "completeUpload", fields: Record<string, string>): Promise<A> => {
  const body = new FormData()
  for (const [name, value] of Object.entries(fields)) body.append(name, value)
  const response = await fetch(`?/${action}`, { method: "POST", body, headers: { "x-sveltekit-action": "true" } })
  const result = deserialize(await response.text())
  if (result.type === "success") return result.data as A
  if (result.type === "redirect") {
    await goto(result.location, { replaceState: true })
    throw new Detoured()
  }
  if (result.type === "failure") throw new UploadStepRefused(typeof result.data?.message === "string" ? result.data.message : "")
  throw new UploadRefused("storage")
}

/**
 * Ticket (a form action), bytes straight to the bucket, then "complete" (a form action): the API checks
 * the bytes and refuses a wrong type or size, or answers the ready asset with its thumbnail.
 */
export const uploadFile = async (file: File, onProgress: (fraction: number) => void): Promise<MediaAssetData> => {
  const { ticket } = await step<{ ticket: TicketData }>("uploadTicket", {
    contentType: file.type,
    byteSize: String(file.size),
    filename: file.name.slice(0, 255)
  })
  await send(ticket, file, onProgress)
  const { asset } = await step<{ asset: MediaAssetData }>("completeUpload", { mediaId: ticket.mediaId })
  return asset
}
