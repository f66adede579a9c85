import type { MediaRef } from "@manara/domain"

/** A public file on this same host: the web app proxies `/api` to the API, which redirects to the bucket. */
export const mediaHref = (media: Pick<MediaRef, "id">, size: "thumb" | "full"): string =>
  `/api/v1/public/media/${encodeURIComponent(media.id)}?size=${size}`

export const isImage = (media: Pick<MediaRef, "contentType">): boolean => media.contentType.startsWith("image/")
