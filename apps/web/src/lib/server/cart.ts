import type { Cookies } from "@sveltejs/kit"
import { formatMoney, ItemSlug, PublicCatalogItem } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { type CartLine, lineTotal, parseCart, serialiseCart } from "$lib/storefront/give.js"
import type { CardData } from "./catalog.js"
import { missingOrDown } from "./storefront.js"

export const CART_COOKIE = "manara_cart"

/** The visitor's cart: product slugs and quantities only. Prices are read from the catalog each time. */
export const readCart = (cookies: Cookies): Array<CartLine> => parseCart(cookies.get(CART_COOKIE))

export const writeCart = (cookies: Cookies, url: URL, lines: ReadonlyArray<CartLine>) => {
  const options = { path: "/", httpOnly: true, sameSite: "lax", secure: url.protocol === "https:" } as const
  if (lines.length === 0) cookies.delete(CART_COOKIE, options)
  else cookies.set(CART_COOKIE, serialiseCart(lines), { ...options, maxAge: 60 * 60 * 24 * 30 })
}

export interface PricedLine {
  readonly slug: string
  readonly quantity: number
  /** The product as the catalog shows it now; null when it is no longer for sale. */
  readonly card: CardData | null
  /** Price times quantity, a decimal string; null when not for sale. */
  readonly total: string | null
}

export interface PricedCart {
  readonly lines: ReadonlyArray<PricedLine>
  /** What the lines for sale come to, for display: the API prices the order itself. */
  readonly total: string
  readonly unavailable: number
}

const encodeItem = Schema.encodeSync(PublicCatalogItem)
const isItemSlug = Schema.is(ItemSlug)

/** A product as the public catalog shows it now, or null when it is not there or not for sale. */
export const productCard = async (locals: App.Locals, host: string, slug: string): Promise<CardData | null> => {
  if (!isItemSlug(slug)) return null
  const result = await locals.api((client) =>
    client.publicCatalog.item({ headers: { "x-forwarded-host": host }, path: { slug } }).pipe(Effect.timeout("5 seconds"))
  )
  if (Either.isLeft(result)) {
    // Gone is a line to show as unavailable; the API being down is the page's error.
    if (missingOrDown(result.left) === 404) return null
    throw result.left
  }
  const { item } = encodeItem(result.right)
  return item.kind === "product" && item.status === "active" && item.price !== null ? item : null
}

/** Each line with its current price (read in parallel), and the total in exact fils. */
export const priceCart = async (locals: App.Locals, host: string, lines: ReadonlyArray<CartLine>): Promise<PricedCart> => {
  const cards = await Promise.all(lines.map((line) => productCard(locals, host, line.slug)))
  let sum = 0n
  const priced = lines.map((line, index): PricedLine => {
    const card = cards[index] ?? null
    const total = card?.price == null ? undefined : lineTotal(card.price, line.quantity)
    if (total !== undefined) sum += total
    return {
      slug: line.slug,
      quantity: line.quantity,
      card: total === undefined ? null : card,
      total: total === undefined ? null : formatMoney(total)
    }
  })
  return { lines: priced, total: formatMoney(sum), unavailable: priced.filter((line) => line.card === null).length }
}

/**
 * The order's items as the API takes them: product ids and quantities. The public card carries the
 * id only once the API sends it (see the report on the storefront's catalog contract).
 */
export const orderItems = (cart: PricedCart): Array<{ itemId: string; quantity: number }> | undefined => {
  const items: Array<{ itemId: string; quantity: number }> = []
  for (const line of cart.lines) {
    const id = (line.card as { readonly id?: unknown } | null)?.id
    if (typeof id !== "string") return undefined
    items.push({ itemId: id, quantity: line.quantity })
  }
  return items
}
