// The storefront ships no client JavaScript (apps/web/src/routes/(storefront)/+layout.ts): neither does its baseline.
export const csr = false
