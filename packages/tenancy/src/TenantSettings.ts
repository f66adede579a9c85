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
  validateSettings,
  VersionedSettings
} from "@manara/domain"
import { Data, Effect } from "effect"

/** The settings were refused, field by field (a 400 with one error per field). */
export class InvalidSettings extends Data.TaggedError("InvalidSettings")<{ readonly issues: ReadonlyArray<SettingsIssue> }> {}

/** Someone saved the settings after this form read them (a 409): nothing was saved. */
export class SettingsChanged extends Data.TaggedError("SettingsChanged")<{ readonly version: number }> {}

interface ProfileRow {
  readonly default_locale: Locale
  readonly branding: StoredBranding
  readonly settings: StoredSettings
  /** bigint: the driver answers it as a string. */
  readonly settings_version: string
}

/**
 * A tenant's settings (branding, contact, payments, donation limits, receipt footer), read and saved
 * in the caller's tenant transaction through the two doors of migration 0016. Every save is audited.
 */
export class TenantSettingsService extends Effect.Service<TenantSettingsService>()("Tenancy/TenantSettings", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const profile = sql<ProfileRow>`select default_locale, branding, settings, settings_version from app.current_tenant_profile()`.pipe(
      Effect.orDie,
      Effect.flatMap((rows) => (rows.length === 0 ? Effect.dieMessage("settings outside a tenant") : Effect.succeed(rows[0]!)))
    )

    const read = Effect.map(
      profile,
      (row) =>
        new VersionedSettings({
          ...settingsFromStored(row.default_locale, row.branding, row.settings),
          version: Number(row.settings_version)
        })
    )

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

    const save = (input: VersionedSettings, by: UserId) =>
      Effect.gen(function* () {
        const settings = normalizeSettings(input)
        const issues = [...validateSettings(settings), ...(yield* logoIssue(settings.branding.logoMediaId))]
        if (issues.length > 0) return yield* new InvalidSettings({ issues })
        const stored = settingsToStored(settings)
        // The door locks the row and saves only at the version this form read; keys it does not own
        // (sections other doors write) are kept from that row. It answers what was there.
        const rows = yield* sql<ProfileRow & { readonly saved: boolean }>`
          select default_locale, branding, settings, settings_version, saved
          from app.save_tenant_profile(${stored.locale}, ${JSON.stringify(stored.branding)}::jsonb, ${JSON.stringify(stored.settings)}::jsonb, ${input.version})`.pipe(
          Effect.orDie
        )
        const old = rows[0]
        if (old === undefined) return yield* Effect.dieMessage("settings outside a tenant")
        if (!old.saved) return yield* new SettingsChanged({ version: Number(old.settings_version) })
        const tenantId = yield* CurrentTenant
        yield* recordAudit({
          actor: by,
          action: "settings.updated",
          entityKind: "tenant",
          entityId: tenantId,
          before: settingsFromStored(old.default_locale, old.branding, old.settings),
          after: settings
        }).pipe(Effect.orDie)
        return new VersionedSettings({ ...settings, version: Number(old.settings_version) + 1 })
      })

    return { read, readPublic, save } as const
  })
}) {}

export { TenantSettings }
