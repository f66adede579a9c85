import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  Authentication,
  ConfirmSignUpRequest,
  EmailOnlyRequest,
  LoginRequest,
  LoginResult,
  Me,
  MfaChallengeRequest,
  MfaFirstSetup,
  MfaFirstSetupRequest,
  MfaFirstSetupVerifyRequest,
  MfaSetup,
  MfaVerifyRequest,
  ResetPasswordRequest,
  SignedIn,
  SignUpRequest,
  SignUpStarted
} from "./Auth.js"
import {
  AcceptInvitationRequest,
  ChangeRoleRequest,
  CreatedInvitation,
  Invitation,
  InvitationPreview,
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
import { HomePageQuery, PublicHomePage } from "./Catalog.js"
import { KpiQuery, Kpis, TrafficBatch, TrafficRecorded } from "./Analytics.js"
import { CaptureHeaders, CaptureReceipt, NewDonation, NewOrder, NewPledge } from "./Capture.js"
import { AiBudgetOverride, AiUsageQuery, PlatformAiUsage, TenantAiUsage } from "./Ai.js"
import { Health, Liveness } from "./Health.js"
import {
  AssistantSettings,
  ChatRequest,
  ConversationDetail,
  ConversationPage,
  ConversationQuery,
  ConversationStatusRequest,
  Faq,
  FaqChanges,
  HandoffRequest,
  NewFaq,
  PublicConversation,
  PublicFaq,
  StaffMessage,
  StaffReplyRequest,
  TokenQuery
} from "./Assistant.js"
import { InboxDetail, InboxPage, InboxQuery, InboxStatusRequest, OverviewQuery, PaymentRequest, TenantOverview } from "./Inbox.js"
import { Delivery, DeliveryQuery, NewNotificationPreference, NotificationPreference } from "./Notifications.js"
import {
  MyNotifications,
  MyNotificationsUpdate,
  TelegramLinkCode,
  TelegramUpdate,
  TelegramWebhookAnswer,
  TelegramWebhookHeaders
} from "./Notifications.js"
import { Problems } from "./Problem.js"
import { CustomDomain, DomainClaim } from "./Domains.js"
import { VersionedSettings } from "./Settings.js"
import {
  CreatedTenant,
  FiguresQuery,
  NewTenant,
  Plan,
  planCodeParam,
  PlanInput,
  PlatformFigures,
  PlatformTenantDetail,
  PlatformTenantsQuery,
  TenantPlanChange,
  TenantUsage
} from "./Platform.js"
import { HostHeader, Storefront } from "./Storefront.js"
import { StorefrontHost, TenantMembership } from "./Tenancy.js"

/** An operation's summary (one line, for lists) and description (who may call it, what it does, what it refuses). */
const doc = (summary: string, description: string) => OpenApi.annotations({ summary, description })

/**
 * A staff group's tail: authentication runs first (added last), then the membership of the tenant in
 * `X-Tenant`; their errors (401, 403); the paths under `/tenant`.
 */
const tenantGroup = <Id extends string, Endpoints extends HttpApiEndpoint.HttpApiEndpoint.Any, Error, R>(
  group: HttpApiGroup.HttpApiGroup<Id, Endpoints, Error, R>
) =>
  group
    .middleware(TenantMembership)
    .middleware(Authentication)
    .addError(Problems.Unauthorized)
    .addError(Problems.Forbidden)
    .prefix("/tenant")

export class HealthApi extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("check", "/health")
      .addSuccess(Health)
      .annotateContext(
        doc(
          "Is the API ready",
          "Reports whether Postgres and Redis answer: 200 when both are up, a 503 `dependency-down` problem naming the one that is down otherwise. What a load balancer's readiness check calls."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("live", "/health/live")
      .addSuccess(Liveness)
      .annotateContext(doc("Is the process alive", "Answers 200 without touching any dependency: what a liveness probe calls."))
  )
  .annotate(OpenApi.Description, "Postgres and Redis reachability; 503 when either is down") {}

/** The tenant comes from the storefront host; the web server forwards it as `X-Forwarded-Host`. */
export const StorefrontHeaders = Schema.Struct({
  host: Schema.optional(HostHeader),
  "x-forwarded-host": Schema.optional(HostHeader)
})

export class StorefrontApi extends HttpApiGroup.make("storefront")
  .add(
    HttpApiEndpoint.get("storefront", "/storefront")
      .setHeaders(StorefrontHeaders)
      .addSuccess(Storefront)
      .annotateContext(
        doc(
          "A storefront's tenant",
          "The tenant behind the storefront host (`X-Forwarded-Host`, else `Host`): its names, kind and branding, and nothing private. 404 when no active tenant has this host."
        )
      )
  )
  .middleware(StorefrontHost)
  .prefix("/public")
  .annotate(OpenApi.Description, "What visitors see: resolved from the storefront host, published data only") {}

export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("login", "/login")
      .setPayload(LoginRequest)
      .addSuccess(LoginResult)
      .annotateContext(
        doc(
          "Sign in with email and password",
          "Checks the password with Cognito. Answers `SignedIn` (an access token; the refresh token is set as an httpOnly cookie), `MfaChallenge` when the person has an authenticator app, or `MfaSetupChallenge` when the pool requires one and the person has none yet (then `/auth/mfa/first-setup`). Repeated failures are rate-limited (429)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("mfa", "/mfa")
      .setPayload(MfaChallengeRequest)
      .addSuccess(SignedIn)
      .annotateContext(
        doc(
          "Answer the MFA challenge",
          "Completes a sign-in that answered `MfaChallenge`: the email, the session from it and the authenticator app's 6-digit code. A wrong, expired or already used code is a 401; repeated failures are rate-limited (429)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("mfaFirstSetup", "/mfa/first-setup")
      .setPayload(MfaFirstSetupRequest)
      .addSuccess(MfaFirstSetup)
      .annotateContext(
        doc(
          "Start setting up an authenticator app while signing in",
          "For a sign-in that answered `MfaSetupChallenge`: the email and the session from it. Returns a new TOTP secret, its `otpauth://` URI for a QR code and the session to confirm it with (`/auth/mfa/first-setup/verify`). An expired or unknown session is a 401."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("mfaFirstSetupVerify", "/mfa/first-setup/verify")
      .setPayload(MfaFirstSetupVerifyRequest)
      .addSuccess(SignedIn)
      .annotateContext(
        doc(
          "Confirm the authenticator app and finish signing in",
          "The email, the session from `/auth/mfa/first-setup` and a first 6-digit code from the app: Cognito verifies it and completes the sign-in (an access token; the refresh token is set as an httpOnly cookie), and MFA is on for this person. A wrong, expired or already used code, or an expired session, is a 401; repeated failures are rate-limited (429)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("refresh", "/refresh")
      .addSuccess(SignedIn)
      .annotateContext(
        doc(
          "Get a fresh access token",
          "Trades the refresh cookie (sent only to this path) for a new access token. 401 when the cookie is missing, expired or revoked."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("logout", "/logout")
      .addSuccess(HttpApiSchema.NoContent)
      .middleware(Authentication)
      .annotateContext(
        doc(
          "Sign out",
          "Revokes with Cognito every refresh token issued to this person and clears the refresh cookie. Needs the access token."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("me", "/me")
      .addSuccess(Me)
      .middleware(Authentication)
      .annotateContext(
        doc(
          "Who am I",
          "The signed-in person as we know them, their tenants with their role in each, and whether they must set up an authenticator app first (owners and admins must)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("mfaSetup", "/mfa/setup")
      .addSuccess(MfaSetup)
      .middleware(Authentication)
      .annotateContext(
        doc(
          "Start setting up an authenticator app",
          "Returns a new TOTP secret and its `otpauth://` URI for a QR code. Nothing changes until `/auth/mfa/verify` confirms a code."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("mfaVerify", "/mfa/verify")
      .setPayload(MfaVerifyRequest)
      .addSuccess(Me)
      .middleware(Authentication)
      .annotateContext(
        doc(
          "Confirm the authenticator app",
          "Checks a 6-digit code from the app being set up; on success MFA is on for this person (owners and admins need it to manage a tenant). A wrong or already used code is a 401."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("signUp", "/signup")
      .setPayload(SignUpRequest)
      .addSuccess(SignUpStarted, { status: 201 })
      .addError(Problems.Conflict)
      .annotateContext(
        doc(
          "Create an account",
          "Creates an unconfirmed Cognito account for this email and password; Cognito emails a 6-digit code that `/auth/signup/confirm` takes. 409 `email-taken` when the email already has an account; 400 `weak-password` when the password is shorter than 8 characters or lacks a lower-case letter, an upper-case letter, a digit or a symbol. Emails with a code are rate-limited per address and per IP (429)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("confirmSignUp", "/signup/confirm")
      .setPayload(ConfirmSignUpRequest)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc(
          "Confirm a new account with the emailed code",
          "The account can sign in afterwards. 400 `wrong-code` (also for an unknown email) or `code-expired` (also for an account already confirmed); repeated failures are rate-limited like sign-in (429)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("resendSignUpCode", "/signup/resend")
      .setPayload(EmailOnlyRequest)
      .addSuccess(HttpApiSchema.Empty(202))
      .annotateContext(
        doc(
          "Send the confirmation code again",
          "202 whether or not an unconfirmed account has this email. Rate-limited per address and per IP (429)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("forgotPassword", "/password/forgot")
      .setPayload(EmailOnlyRequest)
      .addSuccess(HttpApiSchema.Empty(202))
      .annotateContext(
        doc(
          "Forgotten password: email a reset code",
          "Cognito emails a 6-digit code when the email has an account. The answer is 202 either way, so it never tells whether an account exists. Rate-limited per address and per IP (429)."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("resetPassword", "/password/reset")
      .setPayload(ResetPasswordRequest)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc(
          "Set a new password with the emailed code",
          "400 `wrong-code` (also for an unknown email), `code-expired` or `weak-password`; repeated failures are rate-limited like sign-in (429). Sign in with the new password afterwards."
        )
      )
  )
  .addError(Problems.Unauthorized)
  .addError(Problems.TooManyRequests)
  .prefix("/auth")
  .annotate(OpenApi.Description, "Sign-in through Cognito; the refresh token lives in an httpOnly cookie") {}

/** Dashboard requests name their tenant by slug in `X-Tenant`; membership is checked on every call. */
export const TenantHeaders = Schema.Struct({
  "x-tenant": Schema.String.pipe(Schema.pattern(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, { message: () => "a tenant slug" }))
})
const memberId = HttpApiSchema.param("memberId", Schema.UUID)
const invitationId = HttpApiSchema.param("invitationId", Schema.UUID)

export class MembersApi extends HttpApiGroup.make("members")
  .add(
    HttpApiEndpoint.get("list", "/members")
      .setHeaders(TenantHeaders)
      .addSuccess(Schema.Array(Member))
      .annotateContext(
        doc(
          "The tenant's team",
          "Every member of the tenant named in `X-Tenant`, with their role. Any member may read it; a stranger gets 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.patch("changeRole")`/members/${memberId}`
      .setHeaders(TenantHeaders)
      .setPayload(ChangeRoleRequest)
      .addSuccess(Member)
      .annotateContext(
        doc("Change a member's role", "Owners only. A tenant keeps at least one owner: demoting the last one is a 409 `last-owner`.")
      )
  )
  .add(
    HttpApiEndpoint.del("remove")`/members/${memberId}`
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc("Remove a member", "Owners only. A tenant keeps at least one owner: removing the last one is a 409 `last-owner`.")
      )
  )
  .add(
    HttpApiEndpoint.get("invitations", "/invitations")
      .setHeaders(TenantHeaders)
      .addSuccess(Schema.Array(Invitation))
      .annotateContext(
        doc("Open invitations", "Invitations of this tenant not yet accepted, with their role and expiry. Owners and admins only.")
      )
  )
  .add(
    HttpApiEndpoint.post("invite", "/invitations")
      .setHeaders(TenantHeaders)
      .setPayload(InviteRequest)
      .addSuccess(CreatedInvitation, { status: 201 })
      .annotateContext(
        doc(
          "Invite someone by email",
          "Owners and admins; only an owner can invite an owner. Returns the invitation's token once; the database keeps only its hash."
        )
      )
  )
  .add(
    HttpApiEndpoint.del("revokeInvitation")`/invitations/${invitationId}`
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc(
          "Withdraw an invitation",
          "Owners and admins; its link stops working (accepting it is then a 409 `invitation-revoked`). Withdrawing it again changes nothing; an accepted one is a 409 `invitation-used`; another tenant's a 404. Audited."
        )
      )
  )
  // Membership is checked (after authentication) for all but accepting an invitation, which makes one.
  .middlewareEndpoints(TenantMembership)
  .middlewareEndpoints(Authentication)
  .add(
    HttpApiEndpoint.post("accept", "/invitations/accept")
      .setHeaders(TenantHeaders)
      .setPayload(AcceptInvitationRequest)
      .addSuccess(Member)
      .middleware(Authentication)
      .annotateContext(
        doc(
          "Accept an invitation",
          "The signed-in person accepts an invitation to the tenant in `X-Tenant` with its token, when the invitation was sent to their email. Already used is a 409 `invitation-used`, expired a 409 `invitation-expired`, withdrawn a 409 `invitation-revoked`, anyone else's a 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("preview", "/invitations/preview")
      .setHeaders(TenantHeaders)
      .setPayload(AcceptInvitationRequest)
      .addSuccess(InvitationPreview)
      .addError(Problems.TooManyRequests)
      .annotateContext(
        doc(
          "See an invitation before signing in",
          "No sign-in: the holder of the link (the token is the secret) sees the tenant's names, the role and the email the invitation was sent to, to create an account or sign in with it. Another tenant's token or an unknown one is a 404 `invitation-not-found`; used, expired or withdrawn a 409 (`invitation-used`, `invitation-expired`, `invitation-revoked`). Unknown tokens count per IP like failed sign-ins (429)."
        )
      )
  )
  .addError(Problems.Unauthorized)
  .addError(Problems.Forbidden)
  .addError(Problems.Conflict)
  .prefix("/tenant")
  .annotate(OpenApi.Description, "A tenant's team: owners and admins invite; owners change roles and remove") {}

const itemSlug = HttpApiSchema.param("slug", ItemSlug)
const itemId = HttpApiSchema.param("itemId", Schema.UUID)
const proofId = HttpApiSchema.param("proofId", Schema.UUID)
const mediaId = HttpApiSchema.param("mediaId", Schema.UUID)
const ShareImageQuery = Schema.Struct({ lang: Schema.optional(Schema.Literal("ar", "en")) })

export class PublicCatalogApi extends HttpApiGroup.make("publicCatalog")
  .add(
    HttpApiEndpoint.get("list", "/catalog")
      .setHeaders(StorefrontHeaders)
      .setUrlParams(CatalogQuery)
      .addSuccess(PublicCatalogPage)
      .annotateContext(
        doc(
          "The published catalog",
          "The storefront's active items, filtered by kind, category or a search, a page at a time (`cursor` from the previous page). Cached a few seconds; answers 304 to a matching `If-None-Match`."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("item")`/catalog/${itemSlug}`
      .setHeaders(StorefrontHeaders)
      .addSuccess(PublicCatalogItem)
      .annotateContext(
        doc(
          "One published item",
          "An active item by its slug, with its published proofs (newest first). Drafts and archived items are a 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("proofs", "/proofs")
      .setHeaders(StorefrontHeaders)
      .setUrlParams(PublicProofsQuery)
      .addSuccess(Schema.Array(PublicProof))
      .annotateContext(
        doc(
          "Published proofs",
          "The storefront's newest published proofs (photos and notes of work done), of one item when `item` names its slug."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("media")`/media/${mediaId}`
      .setHeaders(StorefrontHeaders)
      .setUrlParams(MediaVariant)
      .addSuccess(
        HttpApiSchema.NoContent.annotations(
          HttpApiSchema.annotations({ status: 302, description: "Redirect to a short-lived download URL" })
        )
      )
      .annotateContext(
        doc(
          "A published picture",
          "Redirects (302) to a short-lived download address of the file, full size or its thumbnail. Only files shown by a public item (cover, gallery or published proof); anything else is a 404."
        )
      )
  )
  // Donor's journey: the picture a shared item link shows.
  .add(
    HttpApiEndpoint.get("shareImage")`/catalog/${itemSlug}/share.png`
      .setHeaders(StorefrontHeaders)
      .setUrlParams(ShareImageQuery)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "image/png" }))
      .annotateContext(
        doc(
          "An item's share picture",
          "A 1200×630 PNG for Open Graph and X cards: the item's cover (or the storefront's colours), its title and, for a project, its progress, in Arabic or English (`lang`). Rendered once per version of the item and kept."
        )
      )
  )
  // ---- page data (page cache): one call per storefront page
  .add(
    HttpApiEndpoint.get("homePage", "/pages/home")
      .setHeaders(StorefrontHeaders)
      .setUrlParams(HomePageQuery)
      .addSuccess(PublicHomePage)
      .annotateContext(
        doc(
          "The home page's data",
          "What the storefront's home page shows, in one call: its projects and products (catalog order) and its newest published proofs, each up to its `limit` (defaults 24, 6 and 4). Keyed on the tenant's public version: a write is seen on the next call. Answers 304 to a matching `If-None-Match`."
        )
      )
  )
  .middleware(StorefrontHost)
  .prefix("/public")
  .annotate(OpenApi.Description, "The published catalog, items with their proof timeline, and their public media") {}

const receiptToken = HttpApiSchema.param("token", Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{32,64}$/)))

export class CaptureApi extends HttpApiGroup.make("capture")
  .add(
    HttpApiEndpoint.post("order", "/orders")
      .setHeaders(CaptureHeaders)
      .setPayload(NewOrder)
      .addSuccess(CaptureReceipt, { status: 201 })
      .annotateContext(
        doc(
          "Place an order",
          "A visitor orders products of the storefront. Prices come from the catalog, never from the request. Answers the reference, how to pay and the receipt's address. An `Idempotency-Key` makes a retry answer the same receipt."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("donation", "/donations")
      .setHeaders(CaptureHeaders)
      .setPayload(NewDonation)
      .addSuccess(CaptureReceipt, { status: 201 })
      .annotateContext(
        doc(
          "Make a donation",
          "A visitor donates, to a project or to the tenant, within the tenant's minimum and maximum. Answers the reference, how to pay and the receipt's address. An `Idempotency-Key` makes a retry answer the same receipt."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("pledge", "/pledges")
      .setHeaders(CaptureHeaders)
      .setPayload(NewPledge)
      .addSuccess(CaptureReceipt, { status: 201 })
      .annotateContext(
        doc(
          "Pledge to give later",
          "A visitor promises an amount by a due date, bounded like donations; the project's pledged sum grows, and a pledge that would push it past 999999999.999 is a 400. An `Idempotency-Key` makes a retry answer the same receipt."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("receipt")`/receipts/${receiptToken}`
      .setHeaders(StorefrontHeaders)
      .addSuccess(CaptureReceipt)
      .annotateContext(
        doc(
          "A receipt",
          "What the visitor was given at capture: the reference, how to pay and the amounts, found by the receipt token in its address, on the storefront host of its tenant."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("receiptPdf")`/receipts/${receiptToken}/pdf`
      .setHeaders(StorefrontHeaders)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/pdf" }))
      .annotateContext(
        doc("A receipt as PDF", "The same receipt as an Arabic and English PDF, to open in the browser or save under its reference.")
      )
  )
  .addError(Problems.Conflict)
  .addError(Problems.PayloadTooLarge)
  .addError(Problems.Unprocessable)
  .addError(Problems.TooManyRequests)
  .middleware(StorefrontHost)
  .prefix("/public")
  .annotate(
    OpenApi.Description,
    "Orders, donations and pledges from visitors: a reference, how to pay, a receipt. Idempotency-Key honoured."
  ) {}

const captureKind = HttpApiSchema.param("kind", Schema.Literal("order", "donation", "pledge"))
const paidKind = HttpApiSchema.param("kind", Schema.Literal("order", "donation"))
const captureId = HttpApiSchema.param("id", Schema.UUID)

export class InboxApi extends HttpApiGroup.make("inbox")
  .add(
    HttpApiEndpoint.get("list", "/inbox")
      .setHeaders(TenantHeaders)
      .setUrlParams(InboxQuery)
      .addSuccess(InboxPage)
      .annotateContext(
        doc(
          "The inbox",
          "Orders, donations and pledges of the tenant, newest first, filtered by kind, status, dates, project, category or a search, a page at a time. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("overview", "/overview")
      .setHeaders(TenantHeaders)
      .setUrlParams(OverviewQuery)
      .addSuccess(TenantOverview)
      .annotateContext(
        doc(
          "The dashboard's home figures",
          "For a day in Kuwait's calendar (`day`, today when absent) and its month: how many orders, donations and pledges came and for how much (cancelled ones left out); the orders and donations whose payment awaits confirmation (count, sum, the latest five); the latest five captures. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("csv", "/inbox.csv")
      .setHeaders(TenantHeaders)
      .setUrlParams(InboxQuery)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/csv" }))
      .annotateContext(
        doc("The inbox as CSV", "The same filters as the inbox, every matching line as a CSV file for a spreadsheet. Any member.")
      )
  )
  .add(
    HttpApiEndpoint.get("events", "/inbox/events")
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/event-stream" }))
      .annotateContext(
        doc(
          "Live inbox events",
          "A server-sent event stream: one `capture` event (kind, reference, amount) per new order, donation or pledge of this tenant, and a keep-alive comment every 20 s. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("detail")`/inbox/${captureKind}/${captureId}`
      .setHeaders(TenantHeaders)
      .addSuccess(InboxDetail)
      .annotateContext(
        doc(
          "One order, donation or pledge",
          "One capture of this tenant: its inbox line, its kind's own fields (order lines, dedication, due date...), its status history and its receipt token. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("changeStatus")`/inbox/${captureKind}/${captureId}/status`
      .setHeaders(TenantHeaders)
      .setPayload(InboxStatusRequest)
      .addSuccess(InboxDetail)
      .annotateContext(
        doc(
          "Move along its workflow",
          "Moves an order, donation or pledge to another status with an optional note; a move its kind's workflow does not allow is a 400 `invalid-transition`. Any member; audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("markPayment")`/inbox/${paidKind}/${captureId}/payment`
      .setHeaders(TenantHeaders)
      .setPayload(PaymentRequest)
      .addSuccess(InboxDetail)
      .annotateContext(
        doc(
          "Record a payment",
          "Owners and admins record a payment as received, failed or refunded. A received donation counts towards its project's raised sum (409 `project-total-out-of-range` when that would overflow)."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("receiptPdf")`/inbox/${paidKind}/${captureId}/receipt.pdf`
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/pdf" }))
      .annotateContext(doc("Print a receipt", "The receipt of an order or a donation as a PDF, for staff. Any member."))
  )
  .pipe(tenantGroup)
  .addError(Problems.Conflict)
  .annotate(OpenApi.Description, "The staff inbox: orders, donations and pledges; statuses, payments, CSV export, live events (SSE)") {}

const preferenceId = HttpApiSchema.param("preferenceId", Schema.UUID)
const deliveryId = HttpApiSchema.param("deliveryId", Schema.UUID)

export class NotificationsApi extends HttpApiGroup.make("notifications")
  .add(
    HttpApiEndpoint.get("preferences", "/notifications/preferences")
      .setHeaders(TenantHeaders)
      .addSuccess(Schema.Array(NotificationPreference))
      .annotateContext(
        doc(
          "The tenant's notification preferences",
          "Where staff hear of new orders, donations and pledges: email addresses and Telegram chats, with events and language."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("addPreference", "/notifications/preferences")
      .setHeaders(TenantHeaders)
      .setPayload(NewNotificationPreference)
      .addSuccess(NotificationPreference, { status: 201 })
      .annotateContext(
        doc(
          "Add a notification preference",
          "An email address or a Telegram chat id to notify; 409 when this channel and target are already there."
        )
      )
  )
  .add(
    HttpApiEndpoint.del("removePreference")`/notifications/preferences/${preferenceId}`
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc("Remove a notification preference", "Rows already in the outbox are still delivered; 404 for another tenant's preference.")
      )
  )
  .add(
    HttpApiEndpoint.post("testPreference")`/notifications/preferences/${preferenceId}/test`
      .setHeaders(TenantHeaders)
      .addSuccess(Delivery, { status: 202 })
      .annotateContext(
        doc("Send a test message", "Queues a bilingual test message to this preference's target; follow it in the delivery log.")
      )
  )
  .add(
    HttpApiEndpoint.get("deliveries", "/notifications/deliveries")
      .setHeaders(TenantHeaders)
      .setUrlParams(DeliveryQuery)
      .addSuccess(Schema.Array(Delivery))
      .annotateContext(
        doc(
          "The delivery log",
          "The tenant's latest 100 notifications, newest first, with status, attempts and last error; `status=dead` lists the dead letters."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("retryDelivery")`/notifications/deliveries/${deliveryId}/retry`
      .setHeaders(TenantHeaders)
      .addSuccess(Delivery)
      .annotateContext(
        doc("Retry a dead letter", "A dead notification goes back to pending with its attempts reset; 409 when it is not dead.")
      )
  )
  // Authentication runs first (added last), then the membership of the tenant in `X-Tenant`.
  .pipe(tenantGroup)
  .addError(Problems.Conflict)
  .annotate(
    OpenApi.Description,
    "Notifications: staff preferences, test messages, the delivery log and its dead letters (owners and admins)"
  ) {}

// ---- Notifications per member and the Telegram webhook (issue 14) ----

export class MyNotificationsApi extends HttpApiGroup.make("myNotifications")
  .add(
    HttpApiEndpoint.get("myNotifications", "/notifications/me")
      .setHeaders(TenantHeaders)
      .addSuccess(MyNotifications)
      .annotateContext(
        doc(
          "My notification preferences",
          "Which events reach the signed-in member of this tenant by email and by Telegram, and the linked Telegram chat. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.put("setMyNotifications", "/notifications/me")
      .setHeaders(TenantHeaders)
      .setPayload(MyNotificationsUpdate)
      .addSuccess(MyNotifications)
      .annotateContext(
        doc(
          "Set my notification preferences",
          "The events to hear of by email and by Telegram, and the language. 409 `telegram-not-linked` when Telegram events are asked for before a chat is linked."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("telegramLinkCode", "/notifications/me/telegram/code")
      .setHeaders(TenantHeaders)
      .addSuccess(TelegramLinkCode, { status: 201 })
      .annotateContext(
        doc(
          "A code to link my Telegram chat",
          "A one-time code, valid for 10 minutes, to send to the tenant's bot; the bot's webhook then links the chat it came from. A new code replaces the last."
        )
      )
  )
  .add(
    HttpApiEndpoint.del("unlinkTelegram", "/notifications/me/telegram")
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(doc("Unlink my Telegram chat", "Forgets the linked chat and stops Telegram notifications to it."))
  )
  .add(
    HttpApiEndpoint.post("testMyNotifications", "/notifications/me/test")
      .setHeaders(TenantHeaders)
      .addSuccess(Schema.Array(Delivery), { status: 202 })
      .annotateContext(
        doc(
          "Send me a test message",
          "Queues a bilingual test message to my email and, when linked, my Telegram chat; answers the outbox rows as the delivery log shows them."
        )
      )
  )
  // Authentication runs first (added last), then the membership of the tenant in `X-Tenant`.
  .pipe(tenantGroup)
  .addError(Problems.Conflict)
  .annotate(
    OpenApi.Description,
    "The signed-in member's own notifications: events per channel, the Telegram link, a test message (any member)"
  ) {}

const webhookTenantId = HttpApiSchema.param("tenantId", Schema.UUID)

export class TelegramWebhookApi extends HttpApiGroup.make("telegramWebhook")
  .add(
    HttpApiEndpoint.post("telegramUpdate")`/telegram/${webhookTenantId}/webhook`
      .setHeaders(TelegramWebhookHeaders)
      .setPayload(TelegramUpdate)
      .addSuccess(TelegramWebhookAnswer)
      .annotateContext(
        doc(
          "A Telegram update for a tenant's bot",
          "Called by Telegram only: `X-Telegram-Bot-Api-Secret-Token` must be the secret the bot's webhook was set with (else 403 `webhook-refused`). A message carrying a member's one-time code links its chat; anything else is acknowledged and ignored."
        )
      )
  )
  .addError(Problems.Forbidden)
  .prefix("/public")
  .annotate(OpenApi.Description, "Telegram's webhook for tenants' bots (secured by the bot's secret token)") {}

export class CatalogApi extends HttpApiGroup.make("catalog")
  .add(
    HttpApiEndpoint.get("list", "/catalog")
      .setHeaders(TenantHeaders)
      .setUrlParams(StaffCatalogQuery)
      .addSuccess(CatalogPage)
      .annotateContext(
        doc(
          "The catalog",
          "Every item of the tenant, drafts and archived ones too, filtered by kind, category, status or a search, a page at a time. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("create", "/catalog")
      .setHeaders(TenantHeaders)
      .setPayload(NewCatalogItem)
      .addSuccess(CatalogItem, { status: 201 })
      .annotateContext(
        doc(
          "Add an item",
          "A product (with a price) or a project (with a goal), created as a draft. Any member; audited. A slug another item of the tenant has is a 409 `slug-taken`."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("get")`/catalog/${itemId}`
      .setHeaders(TenantHeaders)
      .addSuccess(CatalogItem)
      .annotateContext(doc("One item", "An item of the tenant as staff see it, whatever its status. Any member."))
  )
  .add(
    HttpApiEndpoint.patch("update")`/catalog/${itemId}`
      .setHeaders(TenantHeaders)
      .setPayload(CatalogItemChanges)
      .addSuccess(CatalogItem)
      .annotateContext(
        doc(
          "Change an item",
          "Changes only the fields sent. Any member; audited. A slug another item of the tenant has is a 409 `slug-taken`."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("changeStatus")`/catalog/${itemId}/status`
      .setHeaders(TenantHeaders)
      .setPayload(StatusChangeRequest)
      .addSuccess(CatalogItem)
      .annotateContext(
        doc(
          "Publish, fund, complete or archive an item",
          "Moves an item along its workflow (draft, active, funded, completed, archived) with an optional note. Owners and admins; audited. A move the workflow does not allow is a 400 `invalid-transition`."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("history")`/catalog/${itemId}/history`
      .setHeaders(TenantHeaders)
      .addSuccess(Schema.Array(StatusChange))
      .annotateContext(
        doc("An item's status history", "Every status change of the item: who, when, from what to what, and the note. Any member.")
      )
  )
  .add(
    HttpApiEndpoint.put("gallery")`/catalog/${itemId}/gallery`
      .setHeaders(TenantHeaders)
      .setPayload(GalleryRequest)
      .addSuccess(CatalogItem)
      .annotateContext(
        doc("Set an item's pictures", "Replaces the item's gallery with uploaded media of this tenant, in order. Any member; audited.")
      )
  )
  .add(
    HttpApiEndpoint.get("proofs")`/catalog/${itemId}/proofs`
      .setHeaders(TenantHeaders)
      .addSuccess(Schema.Array(Proof))
      .annotateContext(doc("An item's proofs", "Every proof of the item, published or not. Any member."))
  )
  .add(
    HttpApiEndpoint.post("addProof")`/catalog/${itemId}/proofs`
      .setHeaders(TenantHeaders)
      .setPayload(NewProof)
      .addSuccess(Proof, { status: 201 })
      .annotateContext(
        doc(
          "Add a proof",
          "A photo, invoice, report or update of work done for an item, with a caption, a date and what was spent, as a draft until an owner or admin publishes it. Any member; audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("publishProof")`/proofs/${proofId}/publish`
      .setHeaders(TenantHeaders)
      .setPayload(PublishProofRequest)
      .addSuccess(Proof)
      .annotateContext(
        doc(
          "Publish a proof",
          "Owners and admins put a proof on the item's public page; `completeItem` also moves the project to `completed` when its workflow allows it. Audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.del("removeProof")`/proofs/${proofId}`
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc("Remove a proof", "Deletes a proof of this tenant; it leaves the public page at once. Owners and admins; audited.")
      )
  )
  .add(
    HttpApiEndpoint.post("upload", "/media/uploads")
      .setHeaders(TenantHeaders)
      .setPayload(UploadRequest)
      .addSuccess(UploadTicket, { status: 201 })
      .annotateContext(
        doc(
          "Start an upload",
          "Returns a presigned POST for the storage bucket: the browser sends the file there directly. JPEG, PNG, WebP or PDF up to 10 MiB; another type is a 415, a larger file a 413. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("completeUpload")`/media/${mediaId}/complete`
      .setHeaders(TenantHeaders)
      .addSuccess(MediaAsset)
      .annotateContext(
        doc(
          "Finish an upload",
          "Checks the uploaded object in storage and marks the file ready. 409 `upload-missing` when it has not arrived. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("media")`/media/${mediaId}`
      .setHeaders(TenantHeaders)
      .addSuccess(MediaAsset)
      .annotateContext(
        doc(
          "An uploaded file",
          "An uploaded file of this tenant: its type, size, name, dimensions, whether it is ready, and where to download it and its thumbnail. Any member."
        )
      )
  )
  // Authentication runs first (added last), then the membership of the tenant in `X-Tenant`.
  .pipe(tenantGroup)
  .addError(Problems.Conflict)
  .addError(Problems.PayloadTooLarge)
  .addError(Problems.UnsupportedMediaType)
  .annotate(OpenApi.Description, "A tenant's catalog, media and proofs; every write is audited") {}

export class TrafficApi extends HttpApiGroup.make("traffic")
  .add(
    HttpApiEndpoint.post("record", "/traffic")
      .setHeaders(StorefrontHeaders)
      .setPayload(TrafficBatch)
      .addSuccess(TrafficRecorded, { status: 202 })
      .annotateContext(
        doc(
          "Record storefront visits and events",
          "The web server's buffered visits (campaign tags, referrer host, landing path, device class, language; a salted daily hash instead of an IP, none under DNT) and events of the fixed set, for the storefront host, written in one transaction. A visit id already recorded is skipped; an event of an unknown visit keeps no visit. Rows per tenant are rate limited (429)."
        )
      )
  )
  .addError(Problems.TooManyRequests)
  .middleware(StorefrontHost)
  .prefix("/public")
  .annotate(OpenApi.Description, "Storefront traffic reported by the web server: visits and events, batched") {}

export class AnalyticsApi extends HttpApiGroup.make("analytics")
  .add(
    HttpApiEndpoint.get("kpis", "/kpis")
      .setHeaders(TenantHeaders)
      .setUrlParams(KpiQuery)
      .addSuccess(Kpis)
      .annotateContext(
        doc(
          "The KPIs of a date range",
          "From `from` to `to`, Asia/Kuwait days both included (at most 366): visits, unique visitors, captures by kind, amounts raised and pledged, conversion rate, average gift, top projects, the campaign table (by last touch) and the funnel view, checkout, capture, with a line per day. Any member; `to` before `from` or a longer range is a 400 `invalid-range`."
        )
      )
  )
  .pipe(tenantGroup)
  .annotate(OpenApi.Description, "Traffic to outcome: the tenant's KPIs over Kuwait days") {}

export class AiApi extends HttpApiGroup.make("ai")
  .add(
    HttpApiEndpoint.get("usage", "/ai/usage")
      .setHeaders(TenantHeaders)
      .setUrlParams(AiUsageQuery)
      .addSuccess(TenantAiUsage)
      .annotateContext(
        doc(
          "The tenant's AI usage",
          "One budget month (this one unless `month=YYYY-MM`, Kuwait's calendar): tokens and cost used against the monthly budget, per day, calls by outcome, the plan's caps, and what is reserved right now. Costs are integers of micro-fils (10^9 per KWD), as strings. Owners and admins."
        )
      )
  )
  .pipe(tenantGroup)
  .annotate(OpenApi.Description, "The AI gateway's metering: usage against the tenant's monthly budget") {}

const platformTenantId = HttpApiSchema.param("tenantId", Schema.UUID)

export class PlatformApi extends HttpApiGroup.make("platform")
  .add(
    HttpApiEndpoint.get("tenants", "/tenants")
      .addSuccess(Schema.Array(PlatformTenant))
      .annotateContext(doc("Every tenant on the platform", "Platform admins only; anyone else gets 404, as if the endpoint did not exist."))
  )
  .add(
    HttpApiEndpoint.get("aiUsage", "/ai/usage")
      .setUrlParams(AiUsageQuery)
      .addSuccess(Schema.Array(PlatformAiUsage))
      .annotateContext(
        doc(
          "Every tenant's AI usage",
          "One budget month (this one unless `month=YYYY-MM`): each tenant's tokens, cost and calls against its budget (its override, else its plan's). Platform admins only; anyone else gets 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.put("setAiBudget")`/tenants/${platformTenantId}/ai-budget`
      .setPayload(AiBudgetOverride)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc(
          "Set a tenant's AI budget",
          "Overrides the tenant's monthly token and cost budgets (micro-fils); null puts the plan's back. Takes effect within `AI_PLAN_CACHE_TTL`. Platform admins only; anyone else, or an unknown tenant, gets 404."
        )
      )
  )
  // The platform admin console: tenants' lifecycle, plans and their limits, platform-wide figures.
  .add(
    HttpApiEndpoint.get("searchTenants", "/tenants/search")
      .setUrlParams(PlatformTenantsQuery)
      .addSuccess(Schema.Array(PlatformTenant))
      .annotateContext(
        doc(
          "Find tenants",
          "Tenants whose slug or name contains `q`, optionally of one status. Platform admins only; anyone else gets 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("createTenant", "/tenants")
      .setPayload(NewTenant)
      .addSuccess(CreatedTenant, { status: 201 })
      .annotateContext(
        doc(
          "Create a tenant",
          "The tenant, its owner's invitation (emailed through the outbox) and its default settings, in one transaction: all of it or nothing. The slug is one ASCII DNS label, not a reserved word; a taken one is a 409 `tenant-slug-taken`, an unknown plan a 400 `plan-not-found`. Platform admins only; audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("tenant")`/tenants/${platformTenantId}`
      .addSuccess(PlatformTenantDetail)
      .annotateContext(
        doc(
          "One tenant",
          "Its status, plan, overrides and the limits that apply. Platform admins only; anyone else, or an unknown tenant, gets 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("suspendTenant")`/tenants/${platformTenantId}/suspend`
      .addSuccess(PlatformTenantDetail)
      .annotateContext(
        doc(
          "Suspend a tenant",
          "From the next request its storefront shows a notice and its public API refuses captures and chat (403 `tenant-suspended`). Platform admins only; audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("reactivateTenant")`/tenants/${platformTenantId}/reactivate`
      .addSuccess(PlatformTenantDetail)
      .annotateContext(doc("Reactivate a tenant", "Its storefront is back from the next request. Platform admins only; audited."))
  )
  .add(
    HttpApiEndpoint.put("setTenantPlan")`/tenants/${platformTenantId}/plan`
      .setPayload(TenantPlanChange)
      .addSuccess(PlatformTenantDetail)
      .annotateContext(
        doc(
          "Set a tenant's plan and overrides",
          "Moves the tenant to a plan and sets its own limits on items, storage, members and monthly captures (null: the plan's). Platform admins only; audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("plans", "/plans")
      .addSuccess(Schema.Array(Plan))
      .annotateContext(doc("Every plan", "AI budget, limits, price and how many tenants are on it. Platform admins only."))
  )
  .add(
    HttpApiEndpoint.put("savePlan")`/plans/${HttpApiSchema.param("code", planCodeParam)}`
      .setPayload(PlanInput)
      .addSuccess(Plan)
      .annotateContext(doc("Create or change a plan", "By its code. Takes effect for its tenants at once. Platform admins only; audited."))
  )
  .add(
    HttpApiEndpoint.get("figures", "/figures")
      .setUrlParams(FiguresQuery)
      .addSuccess(PlatformFigures)
      .annotateContext(
        doc(
          "Platform-wide figures",
          "Tenants by status; captures, amounts and AI spend from `from` to `to` (Kuwait days, both included; this month by default; at most 366 days, else 400 `invalid-range`). Sums only, no tenant named. Platform admins only."
        )
      )
  )
  .addError(Problems.Conflict)
  .addError(Problems.Forbidden)
  .middleware(Authentication)
  .addError(Problems.Unauthorized)
  .prefix("/admin")
  .annotate(
    OpenApi.Description,
    "Platform administration (platform admins only; others see 404; an admin without an authenticator app gets 403 `mfa-setup-required`)"
  ) {}

export class PlanUsageApi extends HttpApiGroup.make("planUsage")
  .add(
    HttpApiEndpoint.get("usage", "/usage")
      .setHeaders(TenantHeaders)
      .addSuccess(TenantUsage)
      .annotateContext(
        doc(
          "The plan's limits and their usage",
          "Catalog items, stored media bytes, active members (and open invitations) and this Kuwait month's captures, each against what the tenant's plan (or its override) allows. Any member."
        )
      )
  )
  .pipe(tenantGroup)
  .annotate(OpenApi.Description, "The tenant's plan: its limits and what is used of each") {}

// The storefront assistant (issue 16): the public chat and the staff's FAQs, settings and conversations.
const conversationId = HttpApiSchema.param("conversationId", Schema.UUID)
const faqId = HttpApiSchema.param("faqId", Schema.UUID)

export class AssistantApi extends HttpApiGroup.make("assistant")
  .add(
    HttpApiEndpoint.post("chat", "/assistant/chat")
      .setHeaders(StorefrontHeaders)
      .setPayload(ChatRequest)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/event-stream" }))
      .annotateContext(
        doc(
          "Ask the storefront's assistant",
          "A server-sent event stream: `conversation` ({id, token} — the token only when the conversation is new), `text` ({delta}, one or more), `citations` ([{kind, id, title, url}]), `handoff` ({reason}) when staff take over, `done` ({outcome, usage}). Answers only from the tenant's published FAQs, catalog and proofs. A message over 2000 characters is a 400 (no model called, no quota spent); an unknown conversation or a wrong token is a 404, as is a storefront whose assistant is off; rate and budget limits are 429s."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("conversation")`/assistant/conversations/${conversationId}`
      .setHeaders(StorefrontHeaders)
      .setUrlParams(TokenQuery)
      .addSuccess(PublicConversation)
      .annotateContext(
        doc(
          "A visitor's conversation",
          "Its status and messages (visitor, assistant, staff), for the visitor holding its token; a wrong token is a 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("events")`/assistant/conversations/${conversationId}/events`
      .setHeaders(StorefrontHeaders)
      .setUrlParams(TokenQuery)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/event-stream" }))
      .annotateContext(
        doc(
          "Staff replies, live",
          "A server-sent event stream: one `message` event (a message as in the conversation) per staff reply while the widget is open, and a keep-alive comment every 20 s. A wrong token is a 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("handoff")`/assistant/conversations/${conversationId}/handoff`
      .setHeaders(StorefrontHeaders)
      .setPayload(HandoffRequest)
      .addSuccess(PublicConversation)
      .annotateContext(
        doc(
          "Ask for a person",
          "The visitor asks for staff (optionally leaving an email for the reply): the conversation is handed off and staff are notified. A wrong token is a 404."
        )
      )
  )
  // The FAQ page (where the assistant's FAQ citations point): the tenant's published content, served whether the assistant is on or off.
  .add(
    HttpApiEndpoint.get("faqs", "/faqs")
      .setHeaders(StorefrontHeaders)
      .addSuccess(Schema.Array(PublicFaq))
      .annotateContext(
        doc(
          "The storefront's published FAQs",
          "Every published FAQ (Arabic and English question and answer, category, position), by position; unpublished ones never. Served whether the assistant is on or off; an unknown storefront is a 404."
        )
      )
  )
  .addError(Problems.TooManyRequests)
  .middleware(StorefrontHost)
  .prefix("/public")
  .annotate(OpenApi.Description, "The storefront assistant: answers from the tenant's published data, with citations; handoff to staff") {}

export class AssistantStaffApi extends HttpApiGroup.make("assistantStaff")
  .add(
    HttpApiEndpoint.get("faqs", "/faqs")
      .setHeaders(TenantHeaders)
      .addSuccess(Schema.Array(Faq))
      .annotateContext(doc("The tenant's FAQs", "Every FAQ, published or not, by position. Any member."))
  )
  .add(
    HttpApiEndpoint.post("createFaq", "/faqs")
      .setHeaders(TenantHeaders)
      .setPayload(NewFaq)
      .addSuccess(Faq, { status: 201 })
      .annotateContext(
        doc("Add an FAQ", "A question and its answer, Arabic required, English optional; published ones feed the assistant. Any member.")
      )
  )
  .add(
    HttpApiEndpoint.patch("updateFaq")`/faqs/${faqId}`
      .setHeaders(TenantHeaders)
      .setPayload(FaqChanges)
      .addSuccess(Faq)
      .annotateContext(doc("Change an FAQ", "The fields sent change; another tenant's FAQ is a 404. Any member."))
  )
  .add(
    HttpApiEndpoint.del("deleteFaq")`/faqs/${faqId}`
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(doc("Remove an FAQ", "Deletes it; the assistant stops using it at once. Any member."))
  )
  .add(
    HttpApiEndpoint.get("settings", "/assistant/settings")
      .setHeaders(TenantHeaders)
      .addSuccess(AssistantSettings)
      .annotateContext(doc("The assistant's settings", "On or off, tone, who hears of handoffs. Any member reads."))
  )
  .add(
    HttpApiEndpoint.put("updateSettings", "/assistant/settings")
      .setHeaders(TenantHeaders)
      .setPayload(AssistantSettings)
      .addSuccess(AssistantSettings)
      .annotateContext(doc("Change the assistant's settings", "Owners and admins. Off: the storefront's chat answers 404."))
  )
  .add(
    HttpApiEndpoint.get("conversations", "/assistant/conversations")
      .setHeaders(TenantHeaders)
      .setUrlParams(ConversationQuery)
      .addSuccess(ConversationPage)
      .annotateContext(
        doc(
          "Visitors' conversations",
          "Newest activity first, filtered by status, a page at a time (`cursor` from the previous page). Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.get("conversation")`/assistant/conversations/${conversationId}`
      .setHeaders(TenantHeaders)
      .addSuccess(ConversationDetail)
      .annotateContext(
        doc(
          "One conversation",
          "Every message, with the guardrail's verdict on the assistant's answers. Any member; another tenant's is a 404."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("reply")`/assistant/conversations/${conversationId}/replies`
      .setHeaders(TenantHeaders)
      .setPayload(StaffReplyRequest)
      .addSuccess(StaffMessage, { status: 201 })
      .annotateContext(
        doc(
          "Answer a visitor",
          "A staff reply: shown in the visitor's open widget at once, and emailed to the visitor when they left an address. A closed or resolved conversation is a 409. Any member."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("setStatus")`/assistant/conversations/${conversationId}/status`
      .setHeaders(TenantHeaders)
      .setPayload(ConversationStatusRequest)
      .addSuccess(ConversationDetail)
      .annotateContext(doc("Close or resolve", "Marks the conversation closed or resolved. Any member."))
  )
  .pipe(tenantGroup)
  .addError(Problems.Conflict)
  .annotate(OpenApi.Description, "The assistant for staff: FAQs, settings, conversations and replies") {}

// ---- Tenant settings (issue 18 item 3) ----

export class SettingsApi extends HttpApiGroup.make("settings")
  .add(
    HttpApiEndpoint.get("read", "/settings")
      .setHeaders(TenantHeaders)
      .addSuccess(VersionedSettings)
      .annotateContext(
        doc(
          "The tenant's settings",
          "Branding (colours, logo, tagline, default language), contact details and registration number, bank transfer and pay link, donation limits and preset amounts, the receipt footer. Owners and admins."
        )
      )
  )
  .add(
    HttpApiEndpoint.put("save", "/settings")
      .setHeaders(TenantHeaders)
      .setPayload(VersionedSettings)
      .addSuccess(VersionedSettings)
      .addError(Problems.Conflict)
      .annotateContext(
        doc(
          "Change the tenant's settings",
          "Replaces every section. Refused field by field with a 400 `invalid-settings` whose `errors` name each field (`path`), why (`code`) and say it in English (`message`) and Arabic (`messageAr`): a colour white text is unreadable on (below 4.5:1), an accent below 3:1 on the primary colour, an IBAN that is not Kuwaiti (KW, 30 characters, mod-97 check digits), a pay link or social link that is not https, amounts that are not KWD with up to 3 decimals, a minimum above the maximum, presets outside the limits. `version` is the one the settings were read at (required): when someone saved in between, a 409 `settings-changed` and nothing saved; read them again. Answers the saved settings with their new version. Owners and admins; audited; the storefront shows it on the next request."
        )
      )
  )
  .pipe(tenantGroup)
  .annotate(OpenApi.Description, "Tenant settings: branding, contact, payments, donation limits, receipts (owners and admins)") {}

// ---- Custom domains (issue 18 item 4) ----

export class DomainsApi extends HttpApiGroup.make("domains")
  .add(
    HttpApiEndpoint.get("read", "/domain")
      .setHeaders(TenantHeaders)
      .addSuccess(CustomDomain)
      .annotateContext(
        doc(
          "The tenant's custom domain",
          "None, pending (with the TXT record to add at the DNS host) or verified (the storefront answers there). Owners and admins."
        )
      )
  )
  .add(
    HttpApiEndpoint.put("claim", "/domain")
      .setHeaders(TenantHeaders)
      .setPayload(DomainClaim)
      .addSuccess(CustomDomain)
      .annotateContext(
        doc(
          "Set the tenant's custom domain",
          "Lower-cased, trailing dot dropped, an international name turned to punycode; stored unverified with a fresh token, and the answer says which TXT record to add (`_manara-challenge.<domain>`, `manara-verify=<token>`). It replaces the tenant's domain (a verified one stops resolving at once). 400 `invalid-domain` for a malformed name, 400 `domain-refused` for the platform's own domain or one under it, 409 `domain-taken` when another tenant has it. Owners and admins; audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.post("verify", "/domain/verify")
      .setHeaders(TenantHeaders)
      .addSuccess(CustomDomain)
      .annotateContext(
        doc(
          "Verify the tenant's custom domain",
          "Looks the TXT record up in DNS; when it carries the token, the domain is the tenant's and its storefront answers there on the next request. 404 `domain-not-found` with no pending domain, 422 `domain-not-verified` when the record is not (yet) there, 409 `domain-taken` when another tenant verified it first. Owners and admins; audited."
        )
      )
  )
  .add(
    HttpApiEndpoint.del("remove", "/domain")
      .setHeaders(TenantHeaders)
      .addSuccess(HttpApiSchema.NoContent)
      .annotateContext(
        doc("Remove the tenant's custom domain", "It stops resolving on the next request, in every process. Owners and admins; audited.")
      )
  )
  .middleware(TenantMembership)
  .middleware(Authentication)
  .addError(Problems.Unauthorized)
  .addError(Problems.Forbidden)
  .addError(Problems.Conflict)
  .addError(Problems.Unprocessable)
  .prefix("/tenant")
  .annotate(OpenApi.Description, "The tenant's custom domain, proven by a DNS TXT record (owners and admins)") {}

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
  .add(MyNotificationsApi)
  .add(TelegramWebhookApi)
  .add(TrafficApi)
  .add(AnalyticsApi)
  .add(AiApi)
  .add(PlanUsageApi)
  .add(AssistantApi)
  .add(AssistantStaffApi)
  .add(SettingsApi)
  .add(DomainsApi)
  .addError(Problems.BadRequest)
  .addError(Problems.NotFound)
  .addError(Problems.PayloadTooLarge)
  .addError(Problems.Internal)
  .addError(Problems.Unavailable)
  .prefix("/api/v1")
  .annotateContext(
    OpenApi.annotations({
      title: "Manara API",
      version: "1",
      description:
        "Storefronts, catalogs, orders, donations and pledges of Manara's tenants, and their staff's inbox. Errors are RFC 9457 problems (`application/problem+json`).",
      license: { name: "Proprietary: all rights reserved" },
      // Paths carry their `/api/v1` prefix: the document describes the origin it is served from.
      servers: [{ url: "/", description: "The origin this document is served from" }]
    })
  ) {}
