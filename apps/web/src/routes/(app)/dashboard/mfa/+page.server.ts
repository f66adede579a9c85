import { fail, redirect } from "@sveltejs/kit"
import { Me } from "@manara/domain"
import { Either, Schema } from "effect"
import QRCode from "qrcode"
import { landingHref, safeNext, totpCode } from "$lib/dashboard/links.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs } from "$lib/server/auth.js"
import { saveSession } from "$lib/server/session.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeMe = Schema.encodeSync(Me)

/**
 * The authenticator to add: begun once, then kept in the session until verified, so a reload shows the
 * same secret (and QR code) as the phone already scanned. The QR code is drawn here, as SVG.
 */
export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent()
  const alreadyOn = me.user.mfaEnabled && !me.mfaSetupRequired
  if (alreadyOn) return { alreadyOn, setup: undefined }
  let setup = event.locals.session?.data.mfaSetup
  if (setup === undefined) {
    const begun = await loadAs(event, (client) => client.auth.mfaSetup())
    setup = { secret: begun.secret, otpauthUri: begun.otpauthUri }
    event.locals.session = await saveSession(event.locals.session!, { ...event.locals.session!.data, mfaSetup: setup })
  }
  const qr = await QRCode.toString(setup.otpauthUri, { type: "svg", errorCorrectionLevel: "M", margin: 2 })
  return { alreadyOn, setup: { ...setup, qr } }
}

export const actions: Actions = {
  verify: async (event) => {
    const data = await event.request.formData()
    const code = totpCode(String(data.get("code") ?? ""))
    if (code === undefined) return fail(400, { error: m.dash_code_malformed() })
    const result = await actAs(event, (client) => client.auth.mfaVerify({ payload: { code } }))
    if (Either.isLeft(result)) return fail(result.left.status, { error: result.left.message })
    const session = event.locals.session
    if (session !== undefined) {
      const { mfaSetup: _, ...rest } = session.data
      event.locals.session = await saveSession(session, rest)
    }
    redirect(303, landingHref(encodeMe(result.right), safeNext(event.url.searchParams.get("next"), event.url.origin)))
  }
}
