import { createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { formatKwdText } from "@manara/domain"
import { execFileSync } from "node:child_process"
import { request as httpRequest } from "node:http"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { results, services, storefrontUrl, useStack, watchProblems, hydrated } from "./harness.js"

const { urls } = services()

let tenant: TenantFixture

const IBAN = "KW81CBKU0000000000001234560101"
const well = { slug: "village-well", title: "بئر ماء للقرية" }
const dates = { slug: "ajwa-dates", title: "تمر عجوة", price: "4.500" }

/** SQL as the owner role inside the tenant (RLS is forced on the owner too): what the database really holds. */
const psql = (statements: string) =>
  execFileSync("psql", [
    urls.ownerUrl,
    "-v",
    "ON_ERROR_STOP=1",
    "-qAt",
    "-c",
    `select set_config('app.current_tenant', '${tenant.id}', false)`,
    "-c",
    statements
  ])
    .toString()
    .split("\n")
    .slice(1)
    .join("\n")

/** Rows of one query as JSON objects; values the test made itself, so inlined without quoting worries. */
const rows = <A>(query: string): Array<A> => JSON.parse(psql(`select coalesce(json_agg(q), '[]') from (${query}) q`)) as Array<A>

/**
 * A form POST straight to the web server, as a browser's resubmit sends it (Node cannot resolve
 * `*.localhost`: the storefront's host goes in the Host header). Status and Location, redirects not followed.
 */
const postForm = (path: string, fields: Record<string, string>) =>
  new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const host = `${tenant.slug}.localhost:${stack.web.port}`
    const body = new URLSearchParams(fields).toString()
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port: stack.web.port,
        method: "POST",
        path,
        headers: {
          host,
          origin: `http://${host}`,
          accept: "text/html",
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body)
        }
      },
      (response) => {
        response.resume()
        response.on("end", () => resolve({ status: response.statusCode ?? 0, location: response.headers.location }))
      }
    )
    request.on("error", reject)
    request.end(body)
  })

const count = (table: "donations" | "pledges" | "orders") => rows<{ n: number }>(`select count(*)::int as n from ${table}`)[0]!.n

/** A reference or name, checked before it goes into SQL text. */
const literal = (value: string) => {
  if (!/^[\p{L}\p{N} -]+$/u.test(value)) throw new Error(`not a plain value: ${value}`)
  return `'${value}'`
}

const stack = useStack({
  // Every capture of this file comes from one address: the limit has a test of its own in the API.
  env: { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" },
  seed: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية النور الخيرية", nameEn: "Al Noor Charity" }))
    // A tenant that takes bank transfers (no pay link), with a zakat project and a product.
    psql(`update tenants set settings = '${JSON.stringify({ bankTransfer: { bank: "بيت التمويل الكويتي", iban: IBAN } })}'::jsonb where id = '${tenant.id}';
    insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, zakat_eligible, status)
      values ('${tenant.id}', 'project', '${well.slug}', '${well.title}', 'A well for the village', 1500, 'zakat', true, 'active');
    insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, price, status)
      values ('${tenant.id}', 'product', '${dates.slug}', '${dates.title}', 'Ajwa dates', ${dates.price}, 'active')`)
  }
})

const urlOf = (path: string) => storefrontUrl(stack.web, tenant.slug, path)

const arabicDigits = (text: string) => text.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit))).replace(".", "٫")

/** A page whose waits fail with the locator's own message, inside the test's time (20 s: a loaded CI answers a form slowly). */
const openPage = async (options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {}) => {
  const context = await stack.browser.newContext(options)
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  return page
}

/** The receipt token from a confirmation page's address. */
const tokenOf = (page: Page) => new URL(page.url()).pathname.split("/").pop()!

describe("donations", { timeout: 90_000 }, () => {
  it("donates a preset amount with the fees covered, in Arabic, and lands on the confirmation with the bank details", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 900 } })
    const problems = watchProblems(page)
    const before = count("donations")
    await page.goto(urlOf(`/catalog/${well.slug}`))
    await hydrated(page)
    const form = page.getByTestId("donate-form")
    await form.getByText("٢٥ د.ك", { exact: true }).click()
    await form.getByLabel("أضف ٢٫٥٪ لتغطية رسوم الدفع").check()
    // The fee of the chosen preset, shown without a script: 2.5% of 25.000 is 0.625.
    expect(await page.getByTestId("fees-hint").innerText()).toContain("أي ٠٫٦٢٥ د.ك على ٢٥ د.ك.")
    await form.getByLabel("الاسم").fill("أم محمد")
    await form.getByLabel("رقم الهاتف").fill("+965 5000 1234")
    await form.getByLabel("إهداء (اختياري)").fill("عن والدتي")
    await page.screenshot({ path: `${results}give-donate-ar.png`, fullPage: true })
    await form.getByRole("button", { name: "تبرّع الآن" }).click()
    await page.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/)

    const reference = await page.getByTestId("reference").innerText()
    expect(reference).toMatch(/^DON-\d{4}-\d{6}$/)
    expect(await page.getByTestId("amount").innerText()).toBe(`${arabicDigits("25.625")} د.ك`)
    expect(await page.getByTestId("iban").innerText()).toBe(IBAN)
    expect(await page.getByTestId("bank-transfer").innerText()).toContain(reference)
    expect(await page.getByTestId("zakat-note").innerText()).toBe("هذا التبرع مسجّل زكاةً.")
    const pdf = page.getByTestId("receipt-pdf")
    expect(await pdf.getAttribute("href")).toBe(`/api/v1/public/receipts/${tokenOf(page)}/pdf`)
    await page.screenshot({ path: `${results}give-thanks-ar.png`, fullPage: true })

    // Read again from the API by its token: a refresh shows the same receipt.
    await page.reload()
    expect(await page.getByTestId("reference").innerText()).toBe(reference)
    const [row] = rows(
      `select amount::text, fees_amount::text as fees, category, dedication from donations where reference = ${literal(reference)}`
    )
    expect(row).toEqual({ amount: "25.000", fees: "0.625", category: "zakat", dedication: "عن والدتي" })
    expect(count("donations")).toBe(before + 1)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it("refuses a malformed custom amount next to the field, keeps what was typed, and records nothing", async () => {
    const page = await openPage()
    const before = count("donations")
    await page.goto(urlOf(`/catalog/${well.slug}`))
    await hydrated(page)
    for (const typed of ["1.2345", "abc"]) {
      const form = page.getByTestId("donate-form")
      await form.getByLabel("مبلغ آخر بالدينار الكويتي").fill(typed)
      await form.getByLabel("الاسم").fill("سالم")
      await form.getByRole("button", { name: "تبرّع الآن" }).click()
      await page.waitForLoadState()
      expect(await page.getByTestId("error-amount").innerText()).toContain("أدخل مبلغًا بالدينار الكويتي أكبر من صفر")
      expect(await page.getByLabel("مبلغ آخر بالدينار الكويتي").getAttribute("aria-invalid")).toBe("true")
      expect(await page.getByLabel("مبلغ آخر بالدينار الكويتي").inputValue()).toBe(typed)
      expect(await page.getByTestId("donate-form").getByLabel("الاسم").inputValue()).toBe("سالم")
    }
    await page.screenshot({ path: `${results}give-error-ar.png`, fullPage: true })
    // A way of paying the tenant has not set up is not offered at all (capture refuses it too: apps/api/test/settings.test.ts).
    expect(await page.getByLabel("رابط دفع إلكتروني").count()).toBe(0)
    expect(await page.getByLabel("تحويل بنكي").isChecked()).toBe(true)
    expect(count("donations")).toBe(before)
    await page.context().close()
  })

  it("works with JavaScript disabled: a general donation in English", async () => {
    const page = await openPage({ javaScriptEnabled: false })
    await page.goto(urlOf("/en/donate"))
    expect(await page.locator("script").count()).toBe(0)
    const form = page.getByTestId("donate-form")
    await form.getByLabel("Another amount in KWD").fill("7.5")
    await form.getByLabel("Give anonymously (your name is not shown)").check()
    await form.getByRole("button", { name: "Donate now" }).click()
    await page.waitForURL(/\/en\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/)
    const reference = await page.getByTestId("reference").innerText()
    expect(reference).toMatch(/^DON-\d{4}-\d{6}$/)
    expect(await page.getByTestId("amount").innerText()).toBe("KWD 7.500")
    expect(await page.getByTestId("iban").innerText()).toBe(IBAN)
    expect(await page.getByTestId("zakat-note").count()).toBe(0)
    const [row] = rows(
      `select category, anonymous, catalog_item_id::text as project from donations where reference = ${literal(reference)}`
    )
    expect(row).toEqual({ category: "general", anonymous: true, project: null })
    await page.screenshot({ path: `${results}give-thanks-en-nojs.png`, fullPage: true })
    await page.context().close()
  })

  it("records one donation when the same form is sent twice with its idempotency key", async () => {
    const page = await openPage()
    await page.goto(urlOf(`/en/catalog/${well.slug}`))
    const key = await page.getByTestId("donate-form").locator('input[name="idempotencyKey"]').inputValue()
    const fields = {
      idempotencyKey: key,
      amount: "10",
      customAmount: "",
      category: "sadaqah",
      name: "Twice",
      phone: "+965 5000 9999",
      paymentMethod: "bank_transfer"
    }
    const first = await postForm(`/en/catalog/${well.slug}?/donate`, fields)
    const second = await postForm(`/en/catalog/${well.slug}?/donate`, fields)
    expect(first.status).toBe(303)
    expect(first.location).toMatch(/^\/en\/thanks\/[A-Za-z0-9_-]{32,64}$/)
    // The second answer is the first one replayed by the API: the same receipt, no second record.
    expect(second).toEqual(first)
    expect(rows(`select count(*)::int as n from donations where donor_name = 'Twice'`)).toEqual([{ n: 1 }])
    await page.context().close()
  })
})

describe("pledges", { timeout: 90_000 }, () => {
  it("pledges monthly from the project page; the project's pledged amount grows", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 900 } })
    const before = rows<{ pledged: string }>(`select pledged_amount::text as pledged from catalog_items where slug = '${well.slug}'`)[0]!
      .pledged
    await page.goto(urlOf(`/catalog/${well.slug}`))
    await page.getByTestId("pledge").locator("summary").click()
    const form = page.getByTestId("pledge-form")
    await form.getByLabel("المبلغ بالدينار الكويتي").fill("120")
    await form.getByLabel("شهريًا").check()
    await form.getByLabel("عدد الدفعات الشهرية (من ١ إلى ٦٠)").fill("6")
    await form.getByLabel("الاسم").fill("عبدالله")
    await form.getByLabel("رقم الهاتف").fill("+965 6000 1111")
    await form.getByRole("button", { name: "سجّل التعهد" }).click()
    await page.waitForURL(/\/thanks\/pledge\/PLG-\d{4}-\d{6}(#pledge)?$/)
    const reference = await page.getByTestId("reference").innerText()
    expect(reference).toMatch(/^PLG-\d{4}-\d{6}$/)
    expect(await page.getByTestId("amount").innerText()).toBe(`${arabicDigits("120.000")} د.ك`)
    expect(await page.getByTestId("pledge-schedule").innerText()).toContain("شهريًا، ٦ دفعات")
    await page.screenshot({ path: `${results}give-pledge-ar.png`, fullPage: true })
    await page.reload()
    expect(await page.getByTestId("reference").innerText()).toBe(reference)

    const [row] = rows(`select p.schedule, p.instalments, i.pledged_amount::text as pledged
      from pledges p join catalog_items i on i.id = p.catalog_item_id where p.reference = ${literal(reference)}`)
    expect(row).toEqual({ schedule: "monthly", instalments: 6, pledged: (Number(before) + 120).toFixed(3) })
    // The public catalog is cached for 5 s: within a few, the project page shows the new pledge.
    await page.getByTestId("back-to-project").click()
    // The domain's formatter (pinned by packages/domain/test/numbers.test.ts): separators once it passes 1,000.
    const shown = formatKwdText((Number(before) + 120).toFixed(3), "ar")
    for (let attempt = 0; attempt < 20 && !(await page.getByTestId("progress-pledged").innerText()).includes(shown); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      await page.reload()
    }
    expect(await page.getByTestId("progress-pledged").innerText()).toContain(shown)
    await page.context().close()
  })

  it("refuses a pledge without a name or a valid phone, next to those fields", async () => {
    const page = await openPage()
    const before = count("pledges")
    await page.goto(urlOf(`/en/catalog/${well.slug}`))
    await page.getByTestId("pledge").locator("summary").click()
    const form = page.getByTestId("pledge-form")
    await form.getByLabel("Amount in KWD").fill("50")
    await form.getByLabel("Phone").fill("12")
    await form.getByRole("button", { name: "Make the pledge" }).click()
    await page.waitForLoadState()
    expect(await page.getByTestId("pledge").getAttribute("open")).not.toBeNull()
    expect(await page.getByTestId("pledge-form").getByTestId("error-name").innerText()).toContain("Enter your name")
    expect(await page.getByTestId("pledge-form").getByTestId("error-phone").innerText()).toContain("+965 5000 0000")
    expect(count("pledges")).toBe(before)
    await page.context().close()
  })
})

describe("cart and checkout", { timeout: 90_000 }, () => {
  it("adds a product twice, checks out and gets an order reference with the exact total", async () => {
    const page = await openPage({ viewport: { width: 1280, height: 900 } })
    const problems = watchProblems(page)
    await page.goto(urlOf(`/catalog/${dates.slug}`))
    await hydrated(page)
    await page.getByTestId("add-to-cart").getByRole("button", { name: "أضف إلى السلة" }).click()
    await page.waitForURL(urlOf("/cart"))
    // Again, from the product's card in the catalog: the same line, quantity 2.
    await page.goto(urlOf("/catalog?kind=product"))
    await hydrated(page)
    // The card's button names its product too (Chromium spaces the hidden part off: "…السلة : تمر…").
    await page
      .locator(`[data-testid="item-card"][data-slug="${dates.slug}"]`)
      .getByRole("button", { name: new RegExp(`^أضف إلى السلة ?: ${dates.title}$`) })
      .click()
    await page.waitForURL(urlOf("/cart"))
    expect(await page.getByTestId("cart-line").count()).toBe(1)
    expect(await page.getByTestId("quantity").inputValue()).toBe("2")
    expect(await page.getByTestId("cart-total").innerText()).toBe(`الإجمالي: ${arabicDigits("9.000")} د.ك`)
    expect(await page.getByTestId("nav-cart").innerText()).toBe("السلة (٢)")
    // The cookie holds the product and its quantity, never a price.
    const cookie = (await page.context().cookies()).find((found) => found.name === "manara_cart")
    expect([cookie?.value, cookie?.httpOnly]).toEqual([`${dates.slug}%3A2`, true])
    await page.screenshot({ path: `${results}give-cart-ar.png`, fullPage: true })

    await page.getByTestId("checkout-link").click()
    await page.waitForURL(urlOf("/checkout"))
    const form = page.getByTestId("checkout-form")
    await form.getByLabel("الاسم").fill("خالد")
    await form.getByLabel("رقم الهاتف").fill("+965 5555 0000")
    await form.getByLabel("ملاحظات (اختياري)").fill("التوصيل مساءً")
    await form.getByRole("button", { name: "أرسل الطلب" }).click()
    await page.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/)
    const reference = await page.getByTestId("reference").innerText()
    expect(reference).toMatch(/^ORD-\d{4}-\d{6}$/)
    expect(await page.getByTestId("amount").innerText()).toBe(`${arabicDigits("9.000")} د.ك`)
    expect(await page.getByTestId("iban").innerText()).toBe(IBAN)
    expect(await page.getByTestId("receipt-pdf").getAttribute("href")).toBe(`/api/v1/public/receipts/${tokenOf(page)}/pdf`)
    await page.screenshot({ path: `${results}give-order-ar.png`, fullPage: true })
    const [row] = rows(`select total::text, notes from orders where reference = ${literal(reference)}`)
    expect(row).toEqual({ total: "9.000", notes: "التوصيل مساءً" })
    // The order empties the cart.
    await page.goto(urlOf("/cart"))
    expect(await page.getByTestId("cart-empty").count()).toBe(1)
    expect(problems).toEqual([])
    await page.context().close()
  })
})
