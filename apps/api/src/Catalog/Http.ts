import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Catalog, Media, Proofs, PublicCache, renderShareImage } from "@manara/catalog"
import { TenantSql } from "@manara/db"
import { Storage } from "@manara/storage"
import {
  CatalogPolicy,
  CurrentAccess,
  CurrentStorefront,
  CurrentUser,
  formatMoney,
  ManaraApi,
  type Policy,
  PublicCatalogItem,
  PublicCatalogPage,
  PublicHomePage,
  PublicProof
} from "@manara/domain"
import { Effect, Layer, Schema } from "effect"
import { createHash } from "node:crypto"
import { asProblem } from "../ProblemMapping.js"
import { allow, inStorefront, inTenant } from "../Tenancy/Middleware.js"

const PROOFS_ON_PAGE = 50

/** One value for both groups: a layer is built once per value, so both share one PublicCache. */
const CatalogServicesLive = Layer.mergeAll(Catalog.Default, Proofs.Default, Media.Default, PublicCache.Default).pipe(
  Layer.provideMerge(Storage.Default)
)

/** Share pictures kept per version (the item's title, progress, cover and the tenant's colours): a new version is a new key. */
const SHARE_IMAGES_KEPT = 256

export const CatalogLive = HttpApiBuilder.group(ManaraApi, "catalog", (handlers) =>
  Effect.gen(function* () {
    const catalog = yield* Catalog
    const proofs = yield* Proofs
    const media = yield* Media
    const cache = yield* PublicCache

    /** A write: in the tenant's transaction, then, once committed, the tenant's public answers are stale. */
    const write =
      (policy: Policy) =>
      <A, E, R>(work: Effect.Effect<A, E, R>) =>
        work.pipe(
          inTenant(policy),
          Effect.tap(() => Effect.flatMap(CurrentAccess, (access) => cache.invalidate(access.tenantId, access.slug))),
          asProblem
        )
    const read = <A, E, R>(work: Effect.Effect<A, E, R>) => work.pipe(inTenant(CatalogPolicy.read), asProblem)

    return handlers
      .handle("list", ({ urlParams }) => catalog.list(urlParams).pipe(read))
      .handle("get", ({ path }) => catalog.get(path.itemId).pipe(read))
      .handle("history", ({ path }) => catalog.history(path.itemId).pipe(read))
      .handle("proofs", ({ path }) => proofs.forItem(path.itemId).pipe(read))
      .handle("media", ({ path }) => media.describe(path.mediaId).pipe(read))
      .handle("create", ({ payload }) =>
        Effect.flatMap(CurrentUser, (user) => catalog.create(payload, user.id)).pipe(write(CatalogPolicy.edit))
      )
      .handle("update", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => catalog.update(path.itemId, payload, user.id)).pipe(write(CatalogPolicy.edit))
      )
      .handle("gallery", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => catalog.setGallery(path.itemId, payload.mediaIds, user.id)).pipe(write(CatalogPolicy.edit))
      )
      .handle("changeStatus", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => catalog.changeStatus(path.itemId, payload.to, payload.note, user.id)).pipe(
          write(CatalogPolicy.publish)
        )
      )
      .handle("addProof", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => proofs.add(path.itemId, payload, user.id)).pipe(write(CatalogPolicy.edit))
      )
      .handle("publishProof", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => proofs.publish(path.proofId, payload.completeItem, user.id)).pipe(
          write(CatalogPolicy.publish)
        )
      )
      .handle("removeProof", ({ path }) =>
        Effect.flatMap(CurrentUser, (user) => proofs.remove(path.proofId, user.id)).pipe(write(CatalogPolicy.publish))
      )
      .handle("upload", ({ payload }) =>
        Effect.flatMap(CurrentUser, (user) => media.startUpload(payload, user.id)).pipe(inTenant(CatalogPolicy.edit), asProblem)
      )
      .handle("completeUpload", ({ path }) =>
        // Not in the tenant's transaction: `Media.complete` opens its own around the storage check.
        Effect.gen(function* () {
          const access = yield* allow(CatalogPolicy.edit)
          return yield* media.complete(access.tenantId, path.mediaId, (yield* CurrentUser).id)
        }).pipe(asProblem)
      )
  })
).pipe(Layer.provide(CatalogServicesLive))

export const PublicCatalogLive = HttpApiBuilder.group(ManaraApi, "publicCatalog", (handlers) =>
  Effect.gen(function* () {
    const catalog = yield* Catalog
    const proofs = yield* Proofs
    const media = yield* Media
    const cache = yield* PublicCache
    const tenantSql = yield* TenantSql
    const storage = yield* Storage
    /** Rendered once per version, concurrent misses included (each entry is a memoised render). */
    const shareImages = new Map<string, Effect.Effect<Uint8Array>>()

    /**
     * The storefront's tenant from the host, then the JSON of `work` from the cache (encoded once per
     * TTL, not per request) or from its transaction; with an ETag, so a revalidation is a 304.
     */
    const publicJson =
      <A, I>(key: string, schema: Schema.Schema<A, I>) =>
      <E, R>(work: Effect.Effect<A, E, R>) =>
        Effect.gen(function* () {
          const tenant = yield* CurrentStorefront
          // Keyed by the tenant's public version too: another API process's write is seen at once.
          const version = yield* cache.version(tenant.slug)
          const { staleSeconds, value: body } = yield* cache.serve(
            tenant.id,
            `${version}:${key}`,
            tenantSql.withTenant(tenant.id, work).pipe(
              Effect.flatMap(Schema.encode(schema)),
              Effect.orDieWith((error) => error),
              Effect.map((encoded) => {
                const json = JSON.stringify(encoded)
                return { json, etag: `"${createHash("sha1").update(json).digest("base64url")}"` }
              })
            )
          )
          const request = yield* HttpServerRequest.HttpServerRequest
          // Visitors' browsers revalidate; a CDN may keep it a few seconds (the host is part of the key).
          const fresh = {
            etag: body.etag,
            "cache-control": "public, max-age=0, s-maxage=5, stale-while-revalidate=30",
            vary: "x-forwarded-host"
          }
          // The database could not give a fresh copy: the last good one, and it says so (RFC 9111 Age, RFC 7234 Warning 110).
          const caching = staleSeconds === undefined ? fresh : { ...fresh, age: String(staleSeconds), warning: '110 - "Response is Stale"' }
          if (request.headers["if-none-match"] === body.etag) return HttpServerResponse.empty({ status: 304, headers: caching })
          return HttpServerResponse.text(body.json, { contentType: "application/json", headers: caching })
        }).pipe(asProblem)

    return handlers
      .handle("list", ({ urlParams }) =>
        catalog.publicList(urlParams).pipe(
          Effect.map((page) => new PublicCatalogPage(page, true)),
          publicJson(`list:${JSON.stringify(urlParams)}`, PublicCatalogPage)
        )
      )
      .handle("item", ({ path }) =>
        catalog
          .publicItem(path.slug, (itemId) => proofs.published({ itemId, limit: PROOFS_ON_PAGE }))
          .pipe(publicJson(`item:${path.slug}`, PublicCatalogItem))
      )
      .handle("proofs", ({ urlParams }) =>
        proofs
          .published({ ...(urlParams.item === undefined ? {} : { itemSlug: urlParams.item }), limit: urlParams.limit ?? 20 })
          .pipe(publicJson(`proofs:${urlParams.item ?? ""}:${urlParams.limit ?? 20}`, Schema.Array(PublicProof)))
      )
      .handle("shareImage", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const tenant = yield* CurrentStorefront
          const locale = urlParams.lang ?? "ar"
          const { item } = yield* inStorefront(catalog.publicItem(path.slug, () => Effect.succeed([])))
          const title = locale === "en" && item.title.en.trim() !== "" ? item.title.en : item.title.ar
          const siteName = locale === "en" && tenant.name.en.trim() !== "" ? tenant.name.en : tenant.name.ar
          const progress =
            item.kind === "project" && item.goal !== null ? { raised: formatMoney(item.raised), goal: formatMoney(item.goal) } : null
          const cover = item.cover !== null && item.cover.contentType.startsWith("image/") ? item.cover : null
          const colours = [tenant.branding.primaryColour, tenant.branding.accentColour] as const
          const version = createHash("sha1")
            .update(JSON.stringify([tenant.id, item.id, locale, title, siteName, progress, cover?.id ?? null, colours]))
            .digest("base64url")
          const headers = {
            etag: `"${version}"`,
            // The address stays the same while the picture changes with the item: caches revalidate (a 304 is cheap).
            "cache-control": "public, max-age=300, s-maxage=300, stale-while-revalidate=3600",
            vary: "x-forwarded-host"
          }
          const request = yield* HttpServerRequest.HttpServerRequest
          if (request.headers["if-none-match"] === headers.etag) return HttpServerResponse.empty({ status: 304, headers })
          const key = `${tenant.id}:${version}`
          let render = shareImages.get(key)
          if (render === undefined) {
            const context = yield* Effect.context<CurrentStorefront | TenantSql>()
            const coverBytes =
              cover === null
                ? Effect.succeed(null)
                : inStorefront(media.publicKey(cover.id, "full")).pipe(
                    Effect.flatMap((objectKey) => storage.read(objectKey)),
                    Effect.map((bytes): Uint8Array | null => bytes),
                    // A missing or unreachable cover still gives a picture: the storefront's colours.
                    Effect.orElseSucceed(() => null)
                  )
            render = yield* Effect.cached(
              Effect.flatMap(coverBytes, (bytes) => renderShareImage({ locale, title, siteName, progress, cover: bytes, colours })).pipe(
                Effect.orDie,
                Effect.tapErrorCause(() => Effect.sync(() => shareImages.delete(key))),
                Effect.provide(context)
              )
            )
            if (shareImages.size >= SHARE_IMAGES_KEPT) shareImages.delete(shareImages.keys().next().value!)
            shareImages.set(key, render)
          }
          const png = yield* render
          return HttpServerResponse.uint8Array(png, { contentType: "image/png", headers })
        }).pipe(asProblem)
      )
      .handle("homePage", ({ urlParams }) => {
        const [projects, products, proofsShown] = [urlParams.projects ?? 24, urlParams.products ?? 6, urlParams.proofs ?? 4]
        // One transaction for the three lists the page used to ask for in three calls.
        return Effect.all({
          projects: catalog.publicList({ kind: "project", limit: projects }),
          products: catalog.publicList({ kind: "product", limit: products }),
          proofs: proofs.published({ limit: proofsShown })
        }).pipe(
          Effect.map(
            (read) => new PublicHomePage({ projects: read.projects.items, products: read.products.items, proofs: read.proofs }, true)
          ),
          publicJson(`home:${projects}:${products}:${proofsShown}`, PublicHomePage)
        )
      })
      .handle("media", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const key = yield* inStorefront(media.publicKey(path.mediaId, urlParams.size ?? "full"))
          const url = yield* media.downloadUrl(key)
          // The address itself stays stable for pages and caches; the signed URL behind it does not.
          return HttpServerResponse.empty({ status: 302, headers: { location: url, "cache-control": "private, max-age=240" } })
        }).pipe(asProblem)
      )
  })
).pipe(Layer.provide(CatalogServicesLive))
