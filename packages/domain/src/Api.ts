import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  Authentication,
  LoginRequest,
  LoginResult,
  Me,
  MfaChallengeRequest,
  MfaSetup,
  MfaVerifyRequest,
  SignedIn
} from "./Auth.js"
import {
  AcceptInvitationRequest,
  ChangeRoleRequest,
  CreatedInvitation,
  Invitation,
  InviteRequest,
  Member,
  PlatformTenant
} from "./Members.js"
import {
  CatalogItem,
  CatalogItemChanges,
  CatalogPage,
  CatalogQuery,
  GalleryRequest,
  ItemSlug,
  MediaAsset,
  MediaVariant,
  NewCatalogItem,
  NewProof,
  Proof,
  PublicCatalogItem,
  PublicCatalogPage,
  PublicProof,
  PublicProofsQuery,
  PublishProofRequest,
  StaffCatalogQuery,
  StatusChange,
  StatusChangeRequest,
  UploadRequest,
  UploadTicket
} from "./Catalog.js"
import { CaptureHeaders, CaptureReceipt, NewDonation, NewOrder, NewPledge } from "./Capture.js"
import { Health, Liveness } from "./Health.js"
import { InboxDetail, InboxPage, InboxQuery, InboxStatusRequest, PaymentRequest } from "./Inbox.js"
import { Delivery, DeliveryQuery, NewNotificationPreference, NotificationPreference } from "./Notifications.js"
import { Problems } from "./Problem.js"
import { HostHeader, Storefront } from "./Storefront.js"

export class HealthApi extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("check", "/health").addSuccess(Health))
  .add(HttpApiEndpoint.get("live", "/health/live").addSuccess(Liveness))
  .annotate(OpenApi.Description, "Postgres and Redis reachability; 503 when either is down")
{}

/** The tenant comes from the storefront host; the web server forwards it as `X-Forwarded-Host`. */
export const StorefrontHeaders = Schema.Struct({
  host: Schema.optional(HostHeader),
  "x-forwarded-host": Schema.optional(HostHeader)
})

export class StorefrontApi extends HttpApiGroup.make("storefront")
  .add(HttpApiEndpoint.get("storefront", "/storefront").setHeaders(StorefrontHeaders).addSuccess(Storefront))
  .prefix("/public")
  .annotate(OpenApi.Description, "What visitors see: resolved from the storefront host, published data only")
{}

export class AuthApi extends HttpApiGroup.make("auth")
  .add(HttpApiEndpoint.post("login", "/login").setPayload(LoginRequest).addSuccess(LoginResult))
  .add(HttpApiEndpoint.post("mfa", "/mfa").setPayload(MfaChallengeRequest).addSuccess(SignedIn))
  .add(HttpApiEndpoint.post("refresh", "/refresh").addSuccess(SignedIn))
  .add(HttpApiEndpoint.post("logout", "/logout").addSuccess(HttpApiSchema.NoContent).middleware(Authentication))
  .add(HttpApiEndpoint.get("me", "/me").addSuccess(Me).middleware(Authentication))
  .add(HttpApiEndpoint.post("mfaSetup", "/mfa/setup").addSuccess(MfaSetup).middleware(Authentication))
  .add(HttpApiEndpoint.post("mfaVerify", "/mfa/verify").setPayload(MfaVerifyRequest).addSuccess(Me).middleware(Authentication))
  .addError(Problems.Unauthorized)
  .addError(Problems.TooManyRequests)
  .prefix("/auth")
  .annotate(OpenApi.Description, "Sign-in through Cognito; the refresh token lives in an httpOnly cookie")
{}

/** Dashboard requests name their tenant by slug in `X-Tenant`; membership is checked on every call. */
export const TenantHeaders = Schema.Struct({
  "x-tenant": Schema.String.pipe(Schema.pattern(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, { message: () => "a tenant slug" }))
})
const memberId = HttpApiSchema.param("memberId", Schema.UUID)

export class MembersApi extends HttpApiGroup.make("members")
  .add(HttpApiEndpoint.get("list", "/members").setHeaders(TenantHeaders).addSuccess(Schema.Array(Member)))
  .add(HttpApiEndpoint.patch("changeRole")`/members/${memberId}`.setHeaders(TenantHeaders).setPayload(ChangeRoleRequest).addSuccess(Member))
  .add(HttpApiEndpoint.del("remove")`/members/${memberId}`.setHeaders(TenantHeaders).addSuccess(HttpApiSchema.NoContent))
  .add(HttpApiEndpoint.get("invitations", "/invitations").setHeaders(TenantHeaders).addSuccess(Schema.Array(Invitation)))
  .add(
    HttpApiEndpoint.post("invite", "/invitations").setHeaders(TenantHeaders).setPayload(InviteRequest)
      .addSuccess(CreatedInvitation, { status: 201 })
  )
  .add(HttpApiEndpoint.post("accept", "/invitations/accept").setHeaders(TenantHeaders).setPayload(AcceptInvitationRequest).addSuccess(Member))
  .middleware(Authentication)
  .addError(Problems.Unauthorized)
  .addError(Problems.Forbidden)
  .addError(Problems.Conflict)
  .prefix("/tenant")
  .annotate(OpenApi.Description, "A tenant's team: owners and admins invite; owners change roles and remove")
{}

const itemSlug = HttpApiSchema.param("slug", ItemSlug)
const itemId = HttpApiSchema.param("itemId", Schema.UUID)
const proofId = HttpApiSchema.param("proofId", Schema.UUID)
const mediaId = HttpApiSchema.param("mediaId", Schema.UUID)

export class PublicCatalogApi extends HttpApiGroup.make("publicCatalog")
  .add(HttpApiEndpoint.get("list", "/catalog").setHeaders(StorefrontHeaders).setUrlParams(CatalogQuery).addSuccess(PublicCatalogPage))
  .add(HttpApiEndpoint.get("item")`/catalog/${itemSlug}`.setHeaders(StorefrontHeaders).addSuccess(PublicCatalogItem))
  .add(HttpApiEndpoint.get("proofs", "/proofs").setHeaders(StorefrontHeaders).setUrlParams(PublicProofsQuery).addSuccess(Schema.Array(PublicProof)))
  .add(
    HttpApiEndpoint.get("media")`/media/${mediaId}`.setHeaders(StorefrontHeaders).setUrlParams(MediaVariant)
      .addSuccess(HttpApiSchema.NoContent.annotations(HttpApiSchema.annotations({ status: 302, description: "Redirect to a short-lived download URL" })))
  )
  .prefix("/public")
  .annotate(OpenApi.Description, "The published catalog, items with their proof timeline, and their public media")
{}

const receiptToken = HttpApiSchema.param("token", Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{32,64}$/)))

export class CaptureApi extends HttpApiGroup.make("capture")
  .add(HttpApiEndpoint.post("order", "/orders").setHeaders(CaptureHeaders).setPayload(NewOrder).addSuccess(CaptureReceipt, { status: 201 }))
  .add(HttpApiEndpoint.post("donation", "/donations").setHeaders(CaptureHeaders).setPayload(NewDonation).addSuccess(CaptureReceipt, { status: 201 }))
  .add(HttpApiEndpoint.post("pledge", "/pledges").setHeaders(CaptureHeaders).setPayload(NewPledge).addSuccess(CaptureReceipt, { status: 201 }))
  .add(HttpApiEndpoint.get("receipt")`/receipts/${receiptToken}`.setHeaders(StorefrontHeaders).addSuccess(CaptureReceipt))
  .add(
    HttpApiEndpoint.get("receiptPdf")`/receipts/${receiptToken}/pdf`.setHeaders(StorefrontHeaders)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/pdf" }))
  )
  .addError(Problems.Conflict)
  .addError(Problems.PayloadTooLarge)
  .addError(Problems.Unprocessable)
  .addError(Problems.TooManyRequests)
  .prefix("/public")
  .annotate(OpenApi.Description, "Orders, donations and pledges from visitors: a reference, how to pay, a receipt. Idempotency-Key honoured.")
{}

const captureKind = HttpApiSchema.param("kind", Schema.Literal("order", "donation", "pledge"))
const paidKind = HttpApiSchema.param("kind", Schema.Literal("order", "donation"))
const captureId = HttpApiSchema.param("id", Schema.UUID)

export class InboxApi extends HttpApiGroup.make("inbox")
  .add(HttpApiEndpoint.get("list", "/inbox").setHeaders(TenantHeaders).setUrlParams(InboxQuery).addSuccess(InboxPage))
  .add(
    HttpApiEndpoint.get("csv", "/inbox.csv").setHeaders(TenantHeaders).setUrlParams(InboxQuery)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/csv" }))
  )
  .add(
    HttpApiEndpoint.get("events", "/inbox/events").setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/event-stream" }))
  )
  .add(HttpApiEndpoint.get("detail")`/inbox/${captureKind}/${captureId}`.setHeaders(TenantHeaders).addSuccess(InboxDetail))
  .add(HttpApiEndpoint.post("changeStatus")`/inbox/${captureKind}/${captureId}/status`.setHeaders(TenantHeaders).setPayload(InboxStatusRequest).addSuccess(InboxDetail))
  .add(HttpApiEndpoint.post("markPayment")`/inbox/${paidKind}/${captureId}/payment`.setHeaders(TenantHeaders).setPayload(PaymentRequest).addSuccess(InboxDetail))
  .add(
    HttpApiEndpoint.get("receiptPdf")`/inbox/${paidKind}/${captureId}/receipt.pdf`.setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/pdf" }))
  )
  .middleware(Authentication)
  .addError(Problems.Unauthorized)
  .addError(Problems.Forbidden)
  .addError(Problems.Conflict)
  .prefix("/tenant")
  .annotate(OpenApi.Description, "The staff inbox: orders, donations and pledges; statuses, payments, CSV export, live events (SSE)")
{}

const preferenceId = HttpApiSchema.param("preferenceId", Schema.UUID)
const deliveryId = HttpApiSchema.param("deliveryId", Schema.UUID)

export class NotificationsApi extends HttpApiGroup.make("notifications")
  .add(
    HttpApiEndpoint.get("preferences", "/notifications/preferences").setHeaders(TenantHeaders).addSuccess(Schema.Array(NotificationPreference))
      .annotate(OpenApi.Summary, "The tenant's notification preferences").annotate(OpenApi.Description, "Where staff hear of new orders, donations and pledges: email addresses and Telegram chats, with events and language.")
  )
  .add(
    HttpApiEndpoint.post("addPreference", "/notifications/preferences").setHeaders(TenantHeaders).setPayload(NewNotificationPreference)
      .addSuccess(NotificationPreference, { status: 201 })
      .annotate(OpenApi.Summary, "Add a notification preference").annotate(OpenApi.Description, "An email address or a Telegram chat id to notify; 409 when this channel and target are already there.")
  )
  .add(
    HttpApiEndpoint.del("removePreference")`/notifications/preferences/${preferenceId}`.setHeaders(TenantHeaders).addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Remove a notification preference").annotate(OpenApi.Description, "Rows already in the outbox are still delivered; 404 for another tenant's preference.")
  )
  .add(
    HttpApiEndpoint.post("testPreference")`/notifications/preferences/${preferenceId}/test`.setHeaders(TenantHeaders)
      .addSuccess(Delivery, { status: 202 })
      .annotate(OpenApi.Summary, "Send a test message").annotate(OpenApi.Description, "Queues a bilingual test message to this preference's target; follow it in the delivery log.")
  )
  .add(
    HttpApiEndpoint.get("deliveries", "/notifications/deliveries").setHeaders(TenantHeaders).setUrlParams(DeliveryQuery)
      .addSuccess(Schema.Array(Delivery))
      .annotate(OpenApi.Summary, "The delivery log").annotate(OpenApi.Description, "The tenant's latest 100 notifications, newest first, with status, attempts and last error; `status=dead` lists the dead letters.")
  )
  .add(
    HttpApiEndpoint.post("retryDelivery")`/notifications/deliveries/${deliveryId}/retry`.setHeaders(TenantHeaders).addSuccess(Delivery)
      .annotate(OpenApi.Summary, "Retry a dead letter").annotate(OpenApi.Description, "A dead notification goes back to pending with its attempts reset; 409 when it is not dead.")
  )
  .middleware(Authentication)
  .addError(Problems.Unauthorized)
  .addError(Problems.Forbidden)
  .addError(Problems.Conflict)
  .prefix("/tenant")
  .annotate(OpenApi.Description, "Notifications: staff preferences, test messages, the delivery log and its dead letters (owners and admins)")
{}

export class CatalogApi extends HttpApiGroup.make("catalog")
  .add(HttpApiEndpoint.get("list", "/catalog").setHeaders(TenantHeaders).setUrlParams(StaffCatalogQuery).addSuccess(CatalogPage))
  .add(HttpApiEndpoint.post("create", "/catalog").setHeaders(TenantHeaders).setPayload(NewCatalogItem).addSuccess(CatalogItem, { status: 201 }))
  .add(HttpApiEndpoint.get("get")`/catalog/${itemId}`.setHeaders(TenantHeaders).addSuccess(CatalogItem))
  .add(HttpApiEndpoint.patch("update")`/catalog/${itemId}`.setHeaders(TenantHeaders).setPayload(CatalogItemChanges).addSuccess(CatalogItem))
  .add(HttpApiEndpoint.post("changeStatus")`/catalog/${itemId}/status`.setHeaders(TenantHeaders).setPayload(StatusChangeRequest).addSuccess(CatalogItem))
  .add(HttpApiEndpoint.get("history")`/catalog/${itemId}/history`.setHeaders(TenantHeaders).addSuccess(Schema.Array(StatusChange)))
  .add(HttpApiEndpoint.put("gallery")`/catalog/${itemId}/gallery`.setHeaders(TenantHeaders).setPayload(GalleryRequest).addSuccess(CatalogItem))
  .add(HttpApiEndpoint.get("proofs")`/catalog/${itemId}/proofs`.setHeaders(TenantHeaders).addSuccess(Schema.Array(Proof)))
  .add(HttpApiEndpoint.post("addProof")`/catalog/${itemId}/proofs`.setHeaders(TenantHeaders).setPayload(NewProof).addSuccess(Proof, { status: 201 }))
  .add(HttpApiEndpoint.post("publishProof")`/proofs/${proofId}/publish`.setHeaders(TenantHeaders).setPayload(PublishProofRequest).addSuccess(Proof))
  .add(HttpApiEndpoint.del("removeProof")`/proofs/${proofId}`.setHeaders(TenantHeaders).addSuccess(HttpApiSchema.NoContent))
  .add(HttpApiEndpoint.post("upload", "/media/uploads").setHeaders(TenantHeaders).setPayload(UploadRequest).addSuccess(UploadTicket, { status: 201 }))
  .add(HttpApiEndpoint.post("completeUpload")`/media/${mediaId}/complete`.setHeaders(TenantHeaders).addSuccess(MediaAsset))
  .add(HttpApiEndpoint.get("media")`/media/${mediaId}`.setHeaders(TenantHeaders).addSuccess(MediaAsset))
  .middleware(Authentication)
  .addError(Problems.Unauthorized)
  .addError(Problems.Forbidden)
  .addError(Problems.Conflict)
  .addError(Problems.PayloadTooLarge)
  .addError(Problems.UnsupportedMediaType)
  .prefix("/tenant")
  .annotate(OpenApi.Description, "A tenant's catalog, media and proofs; every write is audited")
{}

export class PlatformApi extends HttpApiGroup.make("platform")
  .add(HttpApiEndpoint.get("tenants", "/tenants").addSuccess(Schema.Array(PlatformTenant)))
  .middleware(Authentication)
  .addError(Problems.Unauthorized)
  .prefix("/admin")
  .annotate(OpenApi.Description, "Platform administration (platform admins only; others see 404)")
{}

export class ManaraApi extends HttpApi.make("manara")
  .add(HealthApi)
  .add(StorefrontApi)
  .add(AuthApi)
  .add(MembersApi)
  .add(PlatformApi)
  .add(PublicCatalogApi)
  .add(CaptureApi)
  .add(InboxApi)
  .add(CatalogApi)
  .add(NotificationsApi)
  .addError(Problems.BadRequest)
  .addError(Problems.NotFound)
  .addError(Problems.PayloadTooLarge)
  .addError(Problems.Internal)
  .addError(Problems.Unavailable)
  .prefix("/api/v1")
  .annotate(OpenApi.Title, "Manara API")
  .annotate(OpenApi.Version, "1")
{}
