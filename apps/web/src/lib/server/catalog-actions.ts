import { fail, redirect, type RequestEvent } from "@sveltejs/kit"
import {
  CatalogItemChanges,
  GalleryRequest,
  MediaAsset,
  NewCatalogItem,
  NewProof,
  ProofKind,
  StatusChangeRequest,
  UploadRequest,
  UploadTicket
} from "@manara/domain"
import { Effect, Either, ParseResult, Schema } from "effect"
import {
  apiFieldErrors,
  checkItem,
  type ItemFailure,
  itemPayload,
  type ItemValues,
  normaliseMoney,
  readItemForm
} from "$lib/dashboard/catalog-form.js"
import { describeCatalogFailure } from "$lib/dashboard/catalog-labels.js"
import { arrangedGallery } from "$lib/dashboard/gallery.js"
import { dashboardHref } from "$lib/dashboard/links.js"
import { checkProof, type ProofFailure, type ProofValues, readProofForm } from "$lib/dashboard/proof-form.js"
import { problemKind, type ProblemLike } from "$lib/dashboard/problems.js"
import { actAs, tenantHeaders } from "./auth.js"

type Event = RequestEvent<{ tenant: string; id?: string }>

/** The validation issues of a decode, as the API would name them in problem+json `errors`. */
const issuesOf = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path as ReadonlyArray<string | number>,
    message: issue.message
  }))

/** The API's refusal of an item as the form's: by field when it names one, else one problem for the whole form. */
const itemRefused = (
  values: ItemValues,
  failure: {
    readonly status: number
    readonly problem?: ProblemLike & {
      readonly errors?: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>
    }
  }
) => {
  const problem = failure.problem
  const errors = problem === undefined ? {} : apiFieldErrors(problem)
  if (Object.keys(errors).length > 0) return fail(400, { values, errors } satisfies ItemFailure)
  const kind = problem === undefined ? (failure.status === 400 ? "invalid-request" : "api-unavailable") : problemKind(problem)
  const detail = problem?.detail
  return fail(failure.status, {
    values,
    errors: {},
    problem: { kind, status: failure.status, ...(detail === undefined ? {} : { detail }) }
  } satisfies ItemFailure)
}

/** Our checks, then the contract's own decode, so each refusal shows by its field before anything is sent. */
const itemChecked = <A, I>(schema: Schema.Schema<A, I>, values: ItemValues, creating: boolean) => {
  const errors = checkItem(values)
  if (Object.keys(errors).length > 0) return Either.left(fail(400, { values, errors } satisfies ItemFailure))
  return Schema.decodeUnknownEither(schema)(itemPayload(values, creating)).pipe(
    Either.mapLeft((error) => fail(400, { values, errors: { ...apiFieldErrors({ errors: issuesOf(error) }) } } satisfies ItemFailure))
  )
}

/** `?/create`: a new draft, then its page. */
export const createItem = async (event: Event) => {
  const values = readItemForm(await event.request.formData())
  const payload = itemChecked(NewCatalogItem, values, true)
  if (Either.isLeft(payload)) return payload.left
  const tenant = event.params.tenant
  const created = await actAs(event, (client) => client.catalog.create({ ...tenantHeaders(tenant), payload: payload.right }))
  if (Either.isLeft(created)) return itemRefused(values, created.left)
  redirect(303, dashboardHref(tenant, `/catalog/${encodeURIComponent(created.right.id)}?created`))
}

const itemIdOf = (event: Event) => event.params.id ?? ""

/** `?/save`: the item's fields (its kind comes along as a hidden field: it decides which money field applies). */
export const saveItem = async (event: Event) => {
  const values = readItemForm(await event.request.formData())
  const payload = itemChecked(CatalogItemChanges, values, false)
  if (Either.isLeft(payload)) return payload.left
  const saved = await actAs(event, (client) =>
    client.catalog.update({ ...tenantHeaders(event.params.tenant), path: { itemId: itemIdOf(event) }, payload: payload.right })
  )
  if (Either.isLeft(saved)) return itemRefused(values, saved.left)
  return { saved: true as const }
}

/** Which panel of the editor a result belongs to, so each says its own outcome beside its own controls. */
export type Panel = "media" | "status" | "proof"

/** A refusal worded for its panel: our words for the catalog's problems. */
type Refusal = { readonly status: number; readonly message: string; readonly problem?: ProblemLike }

const wordsOf = (failure: Refusal) => (failure.problem === undefined ? failure.message : describeCatalogFailure(failure.problem))

const refusedIn = (panel: Panel, failure: Refusal) => fail(failure.status, { panel, message: wordsOf(failure) })

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}

/** `?/cover`: the picture named by the pressed button becomes the cover; an empty one removes it. */
export const setCover = async (event: Event) => {
  const mediaId = text(await event.request.formData(), "mediaId")
  const changes = Schema.decodeUnknownEither(CatalogItemChanges)({ coverMediaId: mediaId === "" ? null : mediaId })
  if (Either.isLeft(changes)) return fail(400, { panel: "media" as const, message: describeCatalogFailure(changes.left) })
  const done = await actAs(event, (client) =>
    client.catalog.update({ ...tenantHeaders(event.params.tenant), path: { itemId: itemIdOf(event) }, payload: changes.right })
  )
  if (Either.isLeft(done)) return refusedIn("media", done.left)
  return { panel: "media" as const, done: mediaId === "" ? ("cover-removed" as const) : ("cover-set" as const) }
}

/** `?/gallery`: the pictures in the order of their `mediaId` fields. */
export const saveGallery = async (event: Event) => {
  const mediaIds = arrangedGallery(await event.request.formData())
  const request = Schema.decodeUnknownEither(GalleryRequest)({ mediaIds })
  if (Either.isLeft(request)) return fail(400, { panel: "media" as const, message: describeCatalogFailure(request.left) })
  const done = await actAs(event, (client) =>
    client.catalog.gallery({ ...tenantHeaders(event.params.tenant), path: { itemId: itemIdOf(event) }, payload: request.right })
  )
  if (Either.isLeft(done)) return refusedIn("media", done.left)
  return { panel: "media" as const, done: "gallery-saved" as const }
}

/** `?/status`: the pressed button's status, with the note. */
export const changeStatus = async (event: Event) => {
  const data = await event.request.formData()
  const request = Schema.decodeUnknownEither(StatusChangeRequest)({ to: text(data, "to"), note: text(data, "note").trim() })
  if (Either.isLeft(request)) return fail(400, { panel: "status" as const, message: describeCatalogFailure(request.left) })
  const done = await actAs(event, (client) =>
    client.catalog.changeStatus({ ...tenantHeaders(event.params.tenant), path: { itemId: itemIdOf(event) }, payload: request.right })
  )
  if (Either.isLeft(done)) return refusedIn("status", done.left)
  return { panel: "status" as const, done: "status-changed" as const }
}

const proofRefused = (values: ProofValues, errors: ProofFailure["errors"], status = 400) =>
  fail(status, { panel: "proof" as const, values, errors } satisfies ProofFailure & { panel: "proof" })

/** `?/addProof`: a draft proof, checked by field first (ours, then the contract's). */
export const addProof = async (event: Event) => {
  const values = readProofForm(await event.request.formData())
  const errors = checkProof(values)
  if (Object.keys(errors).length > 0) return proofRefused(values, errors)
  const spent = normaliseMoney(values.amountSpent)
  const payload = Schema.decodeUnknownEither(NewProof)({
    kind: Schema.is(ProofKind)(values.kind) ? values.kind : "photo",
    caption: { ar: values.caption_ar.trim(), en: values.caption_en.trim() },
    occurredOn: values.occurredOn,
    ...(spent === "" ? {} : { amountSpent: spent }),
    ...(values.mediaId === "" ? {} : { mediaId: values.mediaId })
  })
  if (Either.isLeft(payload)) return proofRefused(values, checkProof(values, issuesOf(payload.left)))
  const added = await actAs(event, (client) =>
    client.catalog.addProof({ ...tenantHeaders(event.params.tenant), path: { itemId: itemIdOf(event) }, payload: payload.right })
  )
  if (Either.isLeft(added)) {
    const byField = checkProof(
      values,
      (added.left.problem as { errors?: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }> } | undefined)?.errors ??
        []
    )
    return Object.keys(byField).length > 0 ? proofRefused(values, byField, added.left.status) : refusedIn("proof", added.left)
  }
  return { panel: "proof" as const, done: "proof-added" as const }
}

const proofIdOf = (data: FormData) => text(data, "proofId")

/** `?/publishProof`: published, and the project completed with it when the box is ticked. */
export const publishProof = async (event: Event) => {
  const data = await event.request.formData()
  const proofId = proofIdOf(data)
  const done = await actAs(event, (client) =>
    client.catalog.publishProof({
      ...tenantHeaders(event.params.tenant),
      path: { proofId },
      payload: { completeItem: data.get("completeItem") !== null }
    })
  )
  if (Either.isLeft(done)) return refusedIn("proof", done.left)
  return { panel: "proof" as const, done: "proof-published" as const }
}

/** `?/deleteProof`: gone from the item (and from the storefront's timeline if it was published). */
export const deleteProof = async (event: Event) => {
  const proofId = proofIdOf(await event.request.formData())
  const done = await actAs(event, (client) => client.catalog.removeProof({ ...tenantHeaders(event.params.tenant), path: { proofId } }))
  if (Either.isLeft(done)) return refusedIn("proof", done.left)
  return { panel: "proof" as const, done: "proof-deleted" as const }
}

const encodeTicket = Schema.encodeSync(UploadTicket)
const encodeAsset = Schema.encodeSync(MediaAsset)

/** `?/uploadTicket`: the presigned POST the browser sends the file's bytes with, straight to storage. */
export const uploadTicket = async (event: Event) => {
  const data = await event.request.formData()
  const request = Schema.decodeUnknownEither(UploadRequest)({
    contentType: text(data, "contentType"),
    byteSize: Number(text(data, "byteSize")),
    filename: text(data, "filename").slice(0, 255)
  })
  if (Either.isLeft(request)) return fail(400, { panel: "upload" as const, message: describeCatalogFailure(request.left) })
  const ticket = await actAs(event, (client) => client.catalog.upload({ ...tenantHeaders(event.params.tenant), payload: request.right }))
  if (Either.isLeft(ticket)) return fail(ticket.left.status, { panel: "upload" as const, message: wordsOf(ticket.left) })
  return { ticket: encodeTicket(ticket.right) }
}

/** `?/completeUpload`: the API checks the bytes that arrived (415 not the declared type, 413 too large) and makes the thumbnail. */
export const completeUpload = async (event: Event) => {
  const mediaId = text(await event.request.formData(), "mediaId")
  const asset = await actAs(event, (client) =>
    Schema.decodeUnknown(Schema.UUID)(mediaId).pipe(
      Effect.flatMap((id) => client.catalog.completeUpload({ ...tenantHeaders(event.params.tenant), path: { mediaId: id } }))
    )
  )
  if (Either.isLeft(asset)) return fail(asset.left.status, { panel: "upload" as const, message: wordsOf(asset.left) })
  return { asset: encodeAsset(asset.right) }
}
