import { qrResponse } from "$lib/server/kpis.js"
import type { RequestHandler } from "./$types"

export const GET: RequestHandler = (event) => qrResponse(event, "png")
