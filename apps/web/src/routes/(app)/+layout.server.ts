import { Me } from "@manara/domain"
import { Either, Schema } from "effect"
import { asSignedIn, type MeData } from "$lib/server/auth.js"
import { isSignedIn } from "$lib/server/session.js"
import type { LayoutServerLoad } from "./$types"

const encodeMe = Schema.encodeSync(Me)

/**
 * Who is signed in, for the header (account menu, tenant switcher); undefined on sign-in and invitation
 * pages when nobody is. Never redirects: the dashboard's own layout does that.
 */
export const load: LayoutServerLoad = async (event) => {
  if (!isSignedIn(event.locals.session)) return { me: undefined }
  event.locals.me ??= asSignedIn(event, (client) => client.auth.me()).then((result) =>
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the client's typed failure, caught below
    Either.isRight(result) ? encodeMe(result.right) : Promise.reject(result.left)
  )
  const me: MeData | undefined = await event.locals.me.catch(() => {
    event.locals.me = undefined
    return undefined
  })
  return { me }
}
