import { SqlClient } from "@effect/sql"
import { CurrentTenant, recordAudit } from "@manara/db"
import {
  type Locale,
  normalizeSettings,
  publicSettings,
  type SettingsIssue,
  settingsFromStored,
  settingsToStored,
  type StoredBranding,
  type StoredSettings,
  TenantSettings,
  type UserId,
  validateSettings
} from "@manara/domain"
import { Data, Effect } from "effect"

/** The settings were refused, field by field (a 400 with one error per field). */
export class InvalidSettings extends Data.TaggedError("InvalidSettings")<{ readonly issues: ReadonlyArray<SettingsIssue> }> {}

interface ProfileRow {
  readonly default_locale: Locale
  readonly branding: StoredBranding
  readonly settings: StoredSettings
}

/** Whether the stored jsonb has a top-level key the new one leaves out. */
const hasOtherKeys = (old: object | null, next: object) => Object.keys(old ?? {}).some((key) => !(key in next))

/**
 * A tenant's settings (branding, contact, payments, donation limits, receipt footer), read and saved
 * in the caller's tenant transaction through the two doors of migration 0016. Every save is audited.
 */
export class TenantSettingsService extends Effect.Service<TenantSettingsService>()("Tenancy/TenantSettings", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const profile = sql<ProfileRow>`select default_locale, branding, settings from app.current_tenant_profile()`.pipe(
      Effect.orDie,
      Effect.flatMap((rows) => (rows.length === 0 ? Effect.dieMessage("settings outside a tenant") : Effect.succeed(rows[0]!)))
    )

    const read = Effect.map(profile, (row) => settingsFromStored(row.default_locale, row.branding, row.settings))

    /** What any visitor may see: contact, limits, presets, the ways to pay that are set up. */
    const readPublic = Effect.map(profile, (row) =>
      publicSettings(settingsFromStored(row.default_locale, row.branding, row.settings), row.settings)
    )

    /** The logo is a ready image uploaded to this tenant (RLS hides everyone else's). */
    const logoIssue = (mediaId: string | null) =>
      mediaId === null
        ? Effect.succeed([])
        : sql<{ content_type: string }>`select content_type from media_assets where id = ${mediaId} and status = 'ready'`.pipe(
            Effect.orDie,
            Effect.map((rows): Array<SettingsIssue> =>
              rows.length === 1 && rows[0]!.content_type.startsWith("image/")
                ? []
                : [
                    {
                      path: ["branding", "logoMediaId"],
                      code: "logo",
                      message: "Upload an image (PNG, JPEG or WebP) first",
                      messageAr: "ارفع صورة (PNG أو JPEG أو WebP) أولاً"
                    }
                  ]
            )
          )

    const save = (input: TenantSettings, by: UserId) =>
      Effect.gen(function* () {
        const settings = normalizeSettings(input)
        const issues = [...validateSettings(settings), ...(yield* logoIssue(settings.branding.logoMediaId))]
        if (issues.length > 0) return yield* new InvalidSettings({ issues })
        const stored = settingsToStored(settings)
        const saveProfile = (branding: object, settingsJson: object) =>
          sql<ProfileRow>`
            select default_locale, branding, settings
            from app.save_tenant_profile(${stored.locale}, ${JSON.stringify(branding)}::jsonb, ${JSON.stringify(settingsJson)}::jsonb)`.pipe(
            Effect.orDie
          )
        // The door locks the row and returns what was there: keys this form does not own (sections other
        // doors write) are put back from that row, in the same transaction, under the same lock.
        const before = yield* saveProfile(stored.branding, stored.settings)
        const old = before[0]
        if (old !== undefined && (hasOtherKeys(old.branding, stored.branding) || hasOtherKeys(old.settings, stored.settings)))
          yield* saveProfile({ ...old.branding, ...stored.branding }, { ...old.settings, ...stored.settings })
        const tenantId = yield* CurrentTenant
        yield* recordAudit({
          actor: by,
          action: "settings.updated",
          entityKind: "tenant",
          entityId: tenantId,
          before:
            before[0] === undefined ? undefined : settingsFromStored(before[0].default_locale, before[0].branding, before[0].settings),
          after: settings
        }).pipe(Effect.orDie)
        return settings
      })

    return { read, readPublic, save } as const
  })
}) {}

export { TenantSettings }
