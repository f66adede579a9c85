import { redirect } from "@sveltejs/kit"
import { type Governorate, NewOrder } from "@manara/domain"
import { localizeHref } from "$lib/i18n.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { checkBody, idempotencyKeyOf, newIdempotencyKey, rememberNote, submitCapture } from "$lib/server/capture.js"
import { orderItems, priceCart, readCart, writeCart } from "$lib/server/cart.js"
import { refuse } from "$lib/server/give.js"
import { requireStorefront } from "$lib/server/storefront.js"
import { recordEvent } from "$lib/server/traffic.js"
import { asciiDigits } from "$lib/storefront/give.js"
import type { Actions, PageServerLoad } from "./$types"

export const load = (async ({ locals, url, cookies, request }) => {
  const storefront = requireStorefront(locals)
  recordEvent({ url, cookies, request }, "start_checkout")
  return { storefront, cart: await priceCart(locals, url.host, readCart(cookies)), key: newIdempotencyKey() }
}) satisfies PageServerLoad

const text = (data: FormData, name: string, max: number) =>
  String(data.get(name) ?? "")
    .slice(0, max)
    .trim()

export const actions = {
  default: async (event) => {
    const { locals, url, cookies } = event
    requireStorefront(locals)
    const data = await event.request.formData()
    const cart = await priceCart(locals, url.host, readCart(cookies))
    if (cart.lines.length === 0) return refuse("checkout", { errors: {}, form: "empty-cart" }, data)
    const items = cart.unavailable === 0 ? orderItems(cart) : undefined
    if (items === undefined)
      return refuse("checkout", { errors: {}, form: cart.unavailable === 0 ? "unavailable" : "item-unavailable" }, data)
    const email = text(data, "email", 320)
    // Only an order with an item that ships carries a delivery; the API checks it needs one.
    const ships = cart.lines.some((line) => line.card?.ships === true)
    const address = {
      governorate: text(data, "governorate", 40) as Governorate,
      area: text(data, "area", 200),
      block: asciiDigits(text(data, "block", 40)),
      street: text(data, "street", 200),
      building: asciiDigits(text(data, "building", 60)),
      floor: asciiDigits(text(data, "floor", 40)),
      flat: asciiDigits(text(data, "flat", 40)),
      notes: text(data, "addressNotes", 400)
    }
    // Pickup where the buyer ticked it; the API refuses it unless the tenant offers it (`settings.orders.pickup`).
    const delivery = data.get("delivery") === "pickup" ? { method: "pickup" as const } : { method: "delivery" as const, address }
    const website = String(data.get("website") ?? "").slice(0, 200)
    // Items and quantities only: the API prices the order from its own catalog.
    const body: typeof NewOrder.Encoded = {
      items,
      customer: { name: text(data, "name", 200), phone: asciiDigits(text(data, "phone", 40)), ...(email === "" ? {} : { email }) },
      paymentMethod: String(data.get("paymentMethod") ?? "") as (typeof NewOrder.Encoded)["paymentMethod"],
      notes: text(data, "notes", 1200),
      ...(ships ? { delivery } : {}),
      locale: getLocale(),
      ...(website === "" ? {} : { website })
    }
    const local = checkBody(NewOrder, body)
    if (local !== undefined) return refuse("checkout", local, data)
    const outcome = await submitCapture(event, "orders", body, idempotencyKeyOf(data))
    if (!outcome.ok) return refuse("checkout", outcome.problem, data)
    const { receipt } = outcome
    writeCart(cookies, url, [])
    rememberNote(cookies, url, {
      kind: "order",
      reference: receipt.reference,
      ...(receipt.receiptToken === null ? {} : { token: receipt.receiptToken })
    })
    return redirect(303, localizeHref(`/thanks/${receipt.receiptToken}`))
  }
} satisfies Actions
