import { streamAs } from "$lib/server/stream.js"
import type { RequestHandler } from "./$types"

/** The live inbox's event stream, through the web server with the session; it stays open until the browser leaves. */
export const GET: RequestHandler = (event) => streamAs(event, "/tenant/inbox/events", "text/event-stream")
