import { describe, expect, it } from "vitest"
import { proxyAllows } from "../src/lib/server/proxy.js"

describe("the /api proxy", () => {
  it("passes the storefront's public files, and nothing of the dashboard's", () => {
    expect(proxyAllows("GET", "/api/v1/public/media/3f2b6f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b")).toBe(true)
    expect(proxyAllows("GET", "/api/v1/public/receipts/abc_DEF-123/pdf")).toBe(true)
    expect(proxyAllows("GET", "/api/v1/public/catalog/water-well/share.png")).toBe(true)
    expect(proxyAllows("GET", "/api/v1/public/catalog/water-well")).toBe(false)
    expect(proxyAllows("POST", "/api/v1/public/catalog/water-well/share.png")).toBe(false)
    // Uploads, downloads and every change go through the web server's own actions and routes with the session.
    expect(proxyAllows("POST", "/api/v1/tenant/media/uploads")).toBe(false)
    expect(proxyAllows("GET", "/api/v1/tenant/inbox.csv")).toBe(false)
    expect(proxyAllows("PATCH", "/api/v1/tenant/catalog/3f2b6f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b")).toBe(false)
    expect(proxyAllows("POST", "/api/v1/public/media/3f2b6f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b")).toBe(false)
  })

  it("refuses the auth endpoints, public writes and reads the storefront does not make, and paths that climb out", () => {
    for (const path of ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/mfa", "/api/v1/auth/logout", "/api/v1/auth/me"]) {
      expect(proxyAllows("POST", path)).toBe(false)
      expect(proxyAllows("GET", path)).toBe(false)
    }
    expect(proxyAllows("POST", "/api/v1/public/donations")).toBe(false)
    expect(proxyAllows("GET", "/api/v1/public/catalog")).toBe(false)
    expect(proxyAllows("GET", "/api/v1/admin/tenants")).toBe(false)
    expect(proxyAllows("POST", "/api/v1/tenant/%2e%2e/auth/refresh")).toBe(false)
    expect(proxyAllows("POST", "/api/v1/tenant/..%2Fauth/refresh")).toBe(false)
    expect(proxyAllows("GET", "/api/v1/public/media/x%2F..%2F..%2Fauth%2Fme")).toBe(false)
  })
})
