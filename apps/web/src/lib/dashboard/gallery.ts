// No `$lib` imports: the unit tests load this module in plain node.

/** The gallery as sent, with the pressed arrow or "remove" applied: without JavaScript each one saves at once. */
export const arrangedGallery = (data: FormData): Array<string> => {
  const mediaIds = data.getAll("mediaId").filter((value) => typeof value === "string")
  const remove = data.get("remove")
  if (typeof remove === "string") return mediaIds.filter((_, index) => String(index) !== remove)
  const [at, by] = String(data.get("move") ?? "")
    .split(":")
    .map(Number)
  if (at === undefined || by === undefined || !Number.isInteger(at) || (by !== 1 && by !== -1)) return mediaIds
  if (at < 0 || at + by < 0 || at >= mediaIds.length || at + by >= mediaIds.length) return mediaIds
  const next = [...mediaIds]
  ;[next[at], next[at + by]] = [next[at + by]!, next[at]!]
  return next
}
