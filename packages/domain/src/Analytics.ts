import { Schema } from "effect"
import { ItemSlug } from "./Catalog.js"
import { CaptureKind } from "./Capture.js"
import { KuwaitDate } from "./Inbox.js"
import { Money } from "./Money.js"
import { Text } from "./Text.js"

/** A campaign tag (utm_*): one line, no markup, at most 100 characters. The web server cuts and cleans before sending. */
export const CampaignTag = Text.pipe(
  Schema.maxLength(100, { message: () => "at most 100 characters" }),
  Schema.pattern(/^[^<>]*$/, { message: () => "no < or >" })
)

export const DeviceClass = Schema.Literal("mobile", "tablet", "desktop")
export type DeviceClass = typeof DeviceClass.Type

/** The fixed set of storefront events. */
export const TrafficEventName = Schema.Literal("view_item", "start_checkout", "donate_submit", "capture", "chat_open", "handoff")
export type TrafficEventName = typeof TrafficEventName.Type

/** A visit as the web server saw its first page view; no IP, only a salted daily hash (none under DNT/Sec-GPC). */
export const NewVisit = Schema.Struct({
  id: Schema.UUID,
  visitorId: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^[0-9a-f]{32,64}$/, { message: () => "a hex digest" }))),
  source: Schema.NullOr(CampaignTag),
  medium: Schema.NullOr(CampaignTag),
  campaign: Schema.NullOr(CampaignTag),
  term: Schema.NullOr(CampaignTag),
  content: Schema.NullOr(CampaignTag),
  referrerHost: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^[a-z0-9.-]{1,253}$/, { message: () => "a host name" }))),
  landingPath: Text.pipe(Schema.pattern(/^\//, { message: () => "a path" }), Schema.maxLength(500)),
  device: DeviceClass,
  language: Schema.NullOr(Schema.String.pipe(Schema.pattern(/^[a-z]{2,3}$/, { message: () => "a language code such as ar" })))
})
export type NewVisit = typeof NewVisit.Type

export const NewTrafficEvent = Schema.Struct({
  name: TrafficEventName,
  /** None when the visitor asked not to be tracked. */
  visitId: Schema.NullOr(Schema.UUID),
  item: Schema.NullOr(ItemSlug)
})
export type NewTrafficEvent = typeof NewTrafficEvent.Type

/** What the web server buffered for one storefront since its last flush. */
export const TrafficBatch = Schema.Struct({
  visits: Schema.Array(NewVisit).pipe(Schema.maxItems(500)),
  events: Schema.Array(NewTrafficEvent).pipe(Schema.maxItems(500))
})
export type TrafficBatch = typeof TrafficBatch.Type

export class TrafficRecorded extends Schema.Class<TrafficRecorded>("TrafficRecorded")({
  visits: Schema.Int,
  events: Schema.Int
}) {}

/** Days in Kuwait's calendar, both included; at most 366 of them. */
export const KpiQuery = Schema.Struct({ from: KuwaitDate, to: KuwaitDate })
export type KpiQuery = typeof KpiQuery.Type

/** Captures from visits over visits, 0 to 1, four decimals; 0 without visits. */
const Rate = Schema.Number

export class KpiDay extends Schema.Class<KpiDay>("KpiDay")({
  day: KuwaitDate,
  visits: Schema.Int,
  captures: Schema.Int,
  raised: Money
}) {}

export class KpiCampaign extends Schema.Class<KpiCampaign>("KpiCampaign")({
  source: Schema.NullOr(Schema.String),
  medium: Schema.NullOr(Schema.String),
  campaign: Schema.NullOr(Schema.String),
  visits: Schema.Int,
  captures: Schema.Int,
  raised: Money,
  conversionRate: Rate
}) {}

export class KpiProject extends Schema.Class<KpiProject>("KpiProject")({
  slug: Schema.String,
  titleAr: Schema.String,
  titleEn: Schema.NullOr(Schema.String),
  donations: Schema.Int,
  raised: Money
}) {}

export class KpiFunnel extends Schema.Class<KpiFunnel>("KpiFunnel")({
  visits: Schema.Int,
  viewedItem: Schema.Int,
  startedCheckout: Schema.Int,
  captured: Schema.Int
}) {}

export class Kpis extends Schema.Class<Kpis>("Kpis")({
  from: KuwaitDate,
  to: KuwaitDate,
  visits: Schema.Int,
  uniqueVisitors: Schema.Int,
  captures: Schema.Record({ key: CaptureKind, value: Schema.Int }),
  /** Donations and orders, not cancelled. */
  raised: Money,
  /** Pledges, not cancelled. */
  pledged: Money,
  conversionRate: Rate,
  /** Raised by donations over their count. */
  averageGift: Money,
  topProjects: Schema.Array(KpiProject),
  campaigns: Schema.Array(KpiCampaign),
  funnel: KpiFunnel,
  days: Schema.Array(KpiDay)
}) {}
