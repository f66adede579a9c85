import { fail } from "@sveltejs/kit"
import { VersionedSettings } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { type FieldError, fieldKey, settingsFromForm } from "$lib/dashboard/settings-form.js"
import { problemKind } from "$lib/dashboard/problems.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import { completeUpload, uploadTicket } from "$lib/server/catalog-actions.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeSettings = Schema.encodeSync(VersionedSettings)
const decodeSettings = Schema.decodeUnknownEither(VersionedSettings)

/** The tenant's settings as the session's person; the API refuses members (403). */
export const load: PageServerLoad = async (event) => {
  const settings = await loadAs(event, (client) => client.settings.read(tenantHeaders(event.params.tenant)))
  return { settings: encodeSettings(settings) }
}

interface FieldIssueLike {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
  readonly messageAr?: string | undefined
}

export const actions: Actions = {
  save: async (event) => {
    const data = await event.request.formData()
    // The version the form was read at: a save after someone else's is refused (409 `settings-changed`).
    const values = { ...settingsFromForm(data), version: Number(data.get("version")) }
    const payload = decodeSettings(values)
    if (Either.isLeft(payload))
      return fail(400, { values, error: m.dash_error_invalid_request(), fields: {} as Record<string, FieldError> })
    const saved = await actAs(event, (client) =>
      client.settings.save({ ...tenantHeaders(event.params.tenant), payload: payload.right }).pipe(Effect.map(encodeSettings))
    )
    if (Either.isLeft(saved)) {
      // The contract's field errors, each beside its field in the person's language.
      const issues = ((saved.left.problem as { errors?: ReadonlyArray<FieldIssueLike> } | undefined)?.errors ??
        []) as ReadonlyArray<FieldIssueLike>
      const fields: Record<string, FieldError> = {}
      for (const issue of issues) fields[fieldKey(issue.path)] ??= { en: issue.message, ar: issue.messageAr ?? issue.message }
      return fail(saved.left.status, {
        values,
        fields,
        error: issues.length > 0 ? m.dash_settings_fix_fields() : saved.left.message,
        changed: saved.left.problem !== undefined && problemKind(saved.left.problem) === "settings-changed"
      })
    }
    return { saved: saved.right, done: m.dash_settings_saved() }
  },
  uploadTicket,
  completeUpload
}
