import { addMember, apiPeople, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { randomUUID } from "node:crypto"
import { readFile } from "node:fs/promises"
import { describe, expect, it } from "vitest"
import { givingTenant, htmlAttributes, openPage, ownerWithTotp, results, services, signIn, totp, useStack } from "./harness.js"

const { urls, pool } = services()

const people = apiPeople(() => stack.api.url, urls, pool)

/** Script errors and warnings; not Chromium's note of each refused call (a 401 before a refresh, the 400 this test provokes). */
const unexpected = (problems: ReadonlyArray<string>) => problems.filter((problem) => !problem.startsWith("Failed to load resource: "))

const newPage = () => openPage(stack.browser, { acceptDownloads: true })

const stack = useStack({ env: { CAPTURE_LIMIT_PER_IP: "100000" } })

const platform = (path: string) => `http://localhost:${stack.web.port}${path}`

/** A tenant that takes bank transfers, with an active project. */
const prepare = (tenant: TenantFixture, project: string) => givingTenant(urls.ownerUrl, tenant.id, project)

/** A visitor's capture through the public API, on the tenant's storefront host. */
const capture = async (tenant: TenantFixture, kind: "donations" | "pledges", body: Record<string, unknown>) => {
  const response = await fetch(`${stack.api.url}/api/v1/public/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.localhost` },
    body: JSON.stringify(body)
  })
  expect(response.status).toBe(201)
  return (await response.json()) as { reference: string }
}

/** What the storefront says a project has raised. */
const raised = async (tenant: TenantFixture, project: string): Promise<string> => {
  const response = await fetch(`${stack.api.url}/api/v1/public/catalog/${project}`, {
    headers: { "x-forwarded-host": `${tenant.slug}.localhost` }
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { item: { raised: string } }).item.raised
}

const setUp = async () => {
  const tenant = await withOwner(urls, createTenant({ nameAr: "جمعية النور الخيرية", nameEn: "Al Noor Charity" }))
  const project = `well-${randomUUID().slice(0, 6)}`
  prepare(tenant, project)
  return { tenant, project }
}

const arabicDigits = (text: string) => text.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit)))

// Whole journeys through a real browser, API, Cognito emulator, Redis and database: well past the default 5 s.
describe("the staff inbox", { timeout: 90_000 }, () => {
  it("a donation captured while the owner watches appears without a reload; payment received confirms it and raises the project; CSV, filter and search work", async () => {
    const { tenant, project } = await setUp()
    const { owner, secret } = await ownerWithTotp(people, tenant, "inbox-owner")
    const pledge = await capture(tenant, "pledges", {
      amount: "100.000",
      project,
      dueDate: "2099-01-01",
      donor: { name: "يوسف", phone: "+965 6000 2222" }
    })

    const { context, page, problems } = await newPage()
    // The dashboard opens the live stream; its answer comes once the API listens, so a capture after it is heard.
    const streamOpen = page.waitForResponse((response) => response.url().includes("/inbox/events") && response.status() === 200)
    await page.goto(platform("/signin"))
    await signIn(page, owner.email, { code: () => totp(secret) })
    await page.waitForURL(platform(`/dashboard/${tenant.slug}`))

    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "الوارد" }).click()
    await page.waitForURL(platform(`/dashboard/${tenant.slug}/inbox`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: "الوارد" }).waitFor()
    const pledgeRow = page.locator(`[data-testid="inbox-row"][data-reference="${pledge.reference}"]`)
    await pledgeRow.waitFor()
    expect(await pledgeRow.innerText()).toContain("تعهد")
    expect(await pledgeRow.innerText()).toContain("١٠٠٫٠٠٠ د.ك")
    expect(await pledgeRow.innerText()).toContain("بئر ماء في النيجر")
    // The stream is open once the page shows; a mark on the window survives only if nothing reloads.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true))
    await streamOpen

    const donor = "عبدالله الكندري"
    const before = await raised(tenant, project)
    const donation = await capture(tenant, "donations", {
      amount: "25.500",
      project,
      donor: { name: donor, phone: "+965 6555 0123" },
      paymentMethod: "bank_transfer"
    })
    const row = page.locator(`[data-testid="inbox-row"][data-reference="${donation.reference}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true)
    const rowText = await row.innerText()
    expect(rowText).toContain(donor)
    expect(rowText).toContain("٢٥٫٥٠٠ د.ك")
    expect(rowText).toContain("قيد الانتظار")
    expect(rowText).toContain("بانتظار الدفع")
    expect(rowText).toContain("وصل الآن")
    // Newest first: the donation is above the pledge.
    expect(await page.getByTestId("inbox-row").first().getAttribute("data-reference")).toBe(donation.reference)
    // Announced politely, with its reference and amount.
    const live = page.getByTestId("inbox-live")
    expect(await live.getAttribute("role")).toBe("status")
    await live.filter({ hasText: donation.reference }).waitFor()
    expect(await live.innerText()).toContain("٢٥٫٥٠٠ د.ك")
    await page.screenshot({ path: `${results}inbox-live-ar.png`, fullPage: true })

    // Elsewhere in the dashboard, the nav counts what came in since.
    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "الفريق" }).click()
    await page.waitForURL(platform(`/dashboard/${tenant.slug}/members`))
    await page.waitForTimeout(500)
    const second = await capture(tenant, "donations", {
      amount: "5.000",
      donor: { name: "فاطمة", phone: "+965 6777 0000" },
      paymentMethod: "bank_transfer"
    })
    const badge = page.getByTestId("inbox-unread")
    await badge.waitFor({ timeout: 15_000 })
    expect(await badge.innerText()).toContain("١")
    await page
      .getByRole("navigation", { name: "أقسام لوحة التحكم" })
      .getByRole("link", { name: /الوارد/ })
      .click()
    await page.locator(`[data-testid="inbox-row"][data-reference="${second.reference}"]`).waitFor()
    await badge.waitFor({ state: "detached" })

    // The donation's page: everything about it, then the payment.
    await row.getByRole("link", { name: donation.reference }).click()
    await page.waitForURL((url) => url.pathname.startsWith(`/dashboard/${tenant.slug}/inbox/donation/`))
    await page.getByRole("heading", { level: 1, name: donation.reference }).waitFor()
    expect(await page.getByTestId("capture-status").innerText()).toBe("قيد الانتظار")
    expect(await page.getByTestId("capture-payment").innerText()).toBe("بانتظار الدفع")
    const facts = await page.getByTestId("capture-detail").innerText()
    expect(facts).toContain(donor)
    // Stored as E.164 (+96565550123), shown in Kuwait's national form.
    expect(facts).toContain("6555 0123")
    expect(facts).toContain("تحويل بنكي")
    expect(facts).toContain("بئر ماء في النيجر")
    await page.getByLabel("ملاحظة (اختيارية، تُحفظ في السجل)").fill("حوالة من بيت التمويل")
    await page.getByRole("button", { name: "تسجيل استلام الدفعة" }).click()
    await page.getByTestId("capture-action-done").waitFor()
    expect(await page.getByTestId("capture-status").innerText()).toBe("مؤكَّد")
    expect(await page.getByTestId("capture-payment").innerText()).toBe("استُلمت الدفعة")
    const history = await page.getByTestId("capture-history").innerText()
    expect(history).toContain("من «بانتظار الدفع» إلى «استُلمت الدفعة»")
    expect(history).toContain("من «قيد الانتظار» إلى «مؤكَّد»")
    expect(history).toContain("حوالة من بيت التمويل")
    expect(history).not.toContain("عضو لم يعد في الفريق")
    // Received, the only next payment step is a refund.
    await page.getByRole("button", { name: "استرداد المبلغ" }).waitFor()
    expect(await page.getByRole("button", { name: "تسجيل استلام الدفعة" }).count()).toBe(0)
    // The storefront's cache (PUBLIC_CACHE_TTL, 5 s) is not told of payments: it catches up within its lifetime.
    await expect
      .poll(async () => Number(await raised(tenant, project)) - Number(before), { timeout: 10_000, interval: 500 })
      .toBeCloseTo(25.5, 3)
    await page.screenshot({ path: `${results}inbox-detail-ar.png`, fullPage: true })

    // The receipt, fetched with the token and saved.
    const [receipt] = await Promise.all([page.waitForEvent("download"), page.getByTestId("capture-receipt").click()])
    expect(receipt.suggestedFilename()).toBe(`${donation.reference}.pdf`)
    expect((await readFile((await receipt.path())!)).subarray(0, 5).toString()).toBe("%PDF-")

    await page.getByTestId("inbox-back").click()
    await page.waitForURL(platform(`/dashboard/${tenant.slug}/inbox`))
    const confirmedRow = page.locator(`[data-testid="inbox-row"][data-reference="${donation.reference}"]`)
    await confirmedRow.filter({ hasText: "مؤكَّد" }).waitFor()

    // CSV of the current filters, with a BOM so Excel reads the Arabic.
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("inbox-export").click()])
    expect(csv.suggestedFilename()).toBe(`inbox-${tenant.slug}.csv`)
    const bytes = await readFile((await csv.path())!)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const csvText = bytes.toString("utf8")
    expect(csvText).toContain(donor)
    expect(csvText).toContain(donation.reference)
    expect(csvText).toContain(pledge.reference)

    // Filter by kind: pledges only.
    await page.getByLabel("النوع", { exact: true }).selectOption("pledge")
    await page.getByRole("button", { name: "تطبيق" }).click()
    await page.waitForURL((url) => url.searchParams.get("kind") === "pledge")
    await page.getByTestId("inbox-row").first().waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="inbox-row"]').length === 1)
    expect(await page.getByTestId("inbox-row").first().getAttribute("data-reference")).toBe(pledge.reference)
    // The export follows the filters.
    const [pledgesCsv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("inbox-export").click()])
    const pledgesText = (await readFile((await pledgesCsv.path())!)).toString("utf8")
    expect(pledgesText).toContain(pledge.reference)
    expect(pledgesText).not.toContain(donation.reference)

    // Search by reference (other filters cleared first).
    await page.getByRole("button", { name: "مسح التصفية" }).click()
    await page.waitForURL(platform(`/dashboard/${tenant.slug}/inbox`))
    await page.getByLabel("بحث بالمرجع أو الاسم أو رقم الهاتف").fill(donation.reference)
    await page.getByRole("button", { name: "تطبيق" }).click()
    await page.waitForURL((url) => url.searchParams.get("q") === donation.reference)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="inbox-row"]').length === 1)
    expect(await page.getByTestId("inbox-row").first().getAttribute("data-reference")).toBe(donation.reference)
    // Phone digits typed on an Arabic keyboard find the donor too.
    await page.getByLabel("بحث بالمرجع أو الاسم أو رقم الهاتف").fill(arabicDigits("65550123"))
    await page.getByRole("button", { name: "تطبيق" }).click()
    await page.waitForURL((url) => url.searchParams.get("q") === "65550123")
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="inbox-row"]').length === 1)
    expect(await page.getByTestId("inbox-row").first().getAttribute("data-reference")).toBe(donation.reference)
    await page.screenshot({ path: `${results}inbox-search-ar.png`, fullPage: true })

    // English: left to right, the domain's "KWD 25.500".
    await page.getByTestId("language-switch").click()
    await page.waitForURL((url) => url.pathname === `/en/dashboard/${tenant.slug}/inbox`)
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: "Inbox" }).waitFor()
    const english = page.locator(`[data-testid="inbox-row"][data-reference="${donation.reference}"]`)
    await english.waitFor()
    expect(await english.innerText()).toContain("KWD 25.500")
    expect(await english.innerText()).toContain("Payment received")
    await page.screenshot({ path: `${results}inbox-en.png`, fullPage: true })

    expect(unexpected(problems)).toEqual([])
    await context.close()
  })

  it("a member moves statuses but records no payments, and a move that is no longer valid shows the API's refusal", async () => {
    const { tenant, project } = await setUp()
    const owner = await people.memberOf(tenant, "owner")
    const member = await people.person("inbox-member")
    await withOwner(urls, addMember(tenant.id, member.userId, "member"))
    const donation = await capture(tenant, "donations", {
      amount: "12.000",
      project,
      donor: { name: "مريم", phone: "+965 6111 2222" },
      paymentMethod: "bank_transfer"
    })

    const { context, page, problems } = await newPage()
    await page.goto(platform(`/signin?next=${encodeURIComponent(`/dashboard/${tenant.slug}/inbox`)}`))
    await signIn(page, member.email)
    await page.waitForURL(platform(`/dashboard/${tenant.slug}/inbox`))
    const row = page.locator(`[data-testid="inbox-row"][data-reference="${donation.reference}"]`)
    await row.getByRole("link", { name: donation.reference }).click()
    await page.getByRole("heading", { level: 1, name: donation.reference }).waitFor()
    // Money is for owners and admins: no payment buttons, and the page says why.
    await page.getByTestId("capture-payment-owners-only").waitFor()
    expect(await page.getByRole("button", { name: "تسجيل استلام الدفعة" }).count()).toBe(0)
    await page.getByRole("button", { name: "تأكيد" }).waitFor()

    // Meanwhile the owner cancels it: the member's "confirm" is refused, and the refusal is shown in Arabic.
    const list = (await (await people.call("GET", `/tenant/inbox?q=${donation.reference}`, owner, tenant.slug)).json()) as {
      entries: Array<{ id: string }>
    }
    const cancelled = await people.call("POST", `/tenant/inbox/donation/${list.entries[0]!.id}/status`, owner, tenant.slug, {
      to: "cancelled",
      note: "duplicate"
    })
    expect(cancelled.status).toBe(200)
    await page.getByRole("button", { name: "تأكيد" }).click()
    const error = page.getByTestId("capture-action-error")
    await error.waitFor()
    expect(await error.innerText()).toContain("لم تعد هذه الخطوة ممكنة من الحالة الحالية")
    // The refusal has the focus, not the status the move did not reach.
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "capture-action-error")
    expect(await page.getByTestId("capture-status").innerText()).toBe("قيد الانتظار")
    await page.screenshot({ path: `${results}inbox-refused-ar.png`, fullPage: true })

    // A reload shows where it really is, with the owner's note in the history.
    await page.reload()
    await page.getByTestId("capture-status").filter({ hasText: "ملغى" }).waitFor()
    expect(await page.getByTestId("capture-history").innerText()).toContain("duplicate")
    await page.getByTestId("capture-no-moves").waitFor()

    // An address that names nothing of this tenant.
    await page.goto(platform(`/dashboard/${tenant.slug}/inbox/donation/${randomUUID()}`))
    await page.getByTestId("capture-error").filter({ hasText: "لا يوجد طلب أو تبرع أو تعهد" }).waitFor()

    expect(unexpected(problems)).toEqual([])
    await context.close()
  })
})
