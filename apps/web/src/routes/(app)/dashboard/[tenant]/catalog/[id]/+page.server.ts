import { error } from "@sveltejs/kit"
import { CatalogItem, MediaAsset, Proof, StatusChange, TRANSITIONS } from "@manara/domain"
import { Effect, Option, Schema } from "effect"
import { describeCatalogFailure } from "$lib/dashboard/catalog-labels.js"
import { m } from "$lib/paraglide/messages.js"
import {
  addProof,
  changeStatus,
  completeUpload,
  deleteProof,
  publishProof,
  saveGallery,
  saveItem,
  setCover,
  uploadTicket
} from "$lib/server/catalog-actions.js"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeItem = Schema.encodeSync(CatalogItem)
const encodeHistory = Schema.encodeSync(Schema.Array(StatusChange))
const encodeProofs = Schema.encodeSync(Schema.Array(Proof))
const encodeAsset = Schema.encodeSync(MediaAsset)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The item, its status history, its proofs, the team's names (for the history) and a presigned address
 * for each picture, on the server. A file that cannot be described just shows no picture. The workflow
 * comes from the domain here too: importing it in the browser would ship the whole contract.
 */
export const load: PageServerLoad = async (event) => {
  const itemId = event.params.id
  if (!UUID.test(itemId)) error(404, m.dash_error_with_detail({ detail: "404" }))
  const headers = tenantHeaders(event.params.tenant)
  const found = await loadAs(
    event,
    (client) =>
      Effect.gen(function* () {
        const [item, history, proofs, members] = yield* Effect.all(
          [
            client.catalog.get({ ...headers, path: { itemId } }),
            client.catalog.history({ ...headers, path: { itemId } }),
            client.catalog.proofs({ ...headers, path: { itemId } }),
            client.members.list(headers).pipe(Effect.orElseSucceed(() => []))
          ],
          { concurrency: 4 }
        )
        const ids = [
          ...new Set([
            ...(item.cover ? [item.cover.id] : []),
            ...item.gallery.map((media) => media.id),
            ...proofs.flatMap((proof) => (proof.media ? [proof.media.id] : []))
          ])
        ]
        const assets = yield* Effect.forEach(
          ids,
          (mediaId) => client.catalog.media({ ...headers, path: { mediaId } }).pipe(Effect.option),
          { concurrency: 4 }
        )
        return { item, history, proofs, members, assets: assets.flatMap(Option.toArray) }
      }),
    describeCatalogFailure
  )
  return {
    transitions: TRANSITIONS,
    item: encodeItem(found.item),
    history: encodeHistory(found.history),
    proofs: encodeProofs(found.proofs),
    people: Object.fromEntries(found.members.map((member) => [member.userId, member.displayName || member.email])),
    assets: Object.fromEntries(found.assets.map((asset) => [asset.id, encodeAsset(asset)]))
  }
}

export const actions = {
  save: saveItem,
  cover: setCover,
  gallery: saveGallery,
  status: changeStatus,
  addProof,
  publishProof,
  deleteProof,
  uploadTicket,
  completeUpload
} satisfies Actions
