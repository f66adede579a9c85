// The storefront is whole pages from the server and plain forms: no page of it ships or runs client JavaScript.
export const csr = false
