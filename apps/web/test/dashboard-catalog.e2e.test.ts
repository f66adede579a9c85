import { apiPeople, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import type { BrowserContext, Locator, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import {
  htmlAttributes,
  openPage,
  ownerWithTotp,
  results,
  services,
  signIn,
  solidPng,
  storefrontUrl,
  totp,
  useStack,
  watchProblems,
  hydrated
} from "./harness.js"

const { urls, pool } = services()

let tenant: TenantFixture
let owner: Person
let secret: string
// The owner's browser stays signed in from one test to the next: an authenticator code is good once.
let ownerContext: BrowserContext | undefined

const people = apiPeople(() => stack.api.url, urls, pool)

/** An API call as the owner that must answer `status`; its JSON body. */
const expectCall = async (status: number, method: string, path: string, body?: unknown) => {
  const response = await people.call(method, path, owner, tenant.slug, body)
  const text = await response.text()
  if (response.status !== status) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  return text === "" ? undefined : JSON.parse(text)
}

/** Chromium's note of each refused call (the 415 of a file that lies about its type) is expected; the page says what happened. */
const unexpected = (problems: ReadonlyArray<string>) => problems.filter((problem) => !problem.startsWith("Failed to load resource: "))

/** An image's pixels have arrived: its natural width once loaded. */
const loadedWidth = async (image: Locator) => {
  await image.scrollIntoViewIfNeeded()
  await image.evaluate((element: HTMLImageElement) =>
    element.complete ? undefined : new Promise((resolve) => element.addEventListener("load", resolve, { once: true }))
  )
  return image.evaluate((element: HTMLImageElement) => element.naturalWidth)
}

const stack = useStack({
  seed: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية السقيا الخيرية", nameEn: "Al Suqya Charity" }))
    // TOTP on for real, verified with the previous period's code so the current one stays unused for the sign-in.
    const made = await ownerWithTotp(people, tenant, "catalog-owner")
    owner = made.owner
    secret = made.secret
  },
  closeFirst: async () => {
    await ownerContext?.close()
  },
  // Up to a minute: the web server drains open connections (the dashboard's inbox event stream among them) before it exits.
  stopTimeout: 60_000
})

// The dashboard works on any host: here the tenant's own, so the storefront is one navigation away.
const at = (path: string) => storefrontUrl(stack.web, tenant.slug, path)

const signInHere = async (page: Page, email: string, code?: () => string) => {
  await page.goto(at("/signin"))
  await signIn(page, email, { code })
  await page.waitForURL(at(`/dashboard/${tenant.slug}`))
}

const project = {
  slug: "clean-water",
  title: { ar: "مياه نظيفة للقرية", en: "Clean water for the village" },
  summary: { ar: "خزان وشبكة أنابيب", en: "A tank and a pipe network" }
}
const proof = { ar: "اكتمل تركيب الخزان", en: "The tank is installed" }

// A whole journey through a real browser, API, Cognito emulator, S3 emulator and database.
describe("dashboard catalog", { timeout: 120_000 }, () => {
  let itemUrl = ""

  it("an owner creates a project (field errors first), uploads its cover, publishes it, and the storefront shows it in both languages", async () => {
    ownerContext = await stack.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const context = ownerContext
    const page = await context.newPage()
    const problems = watchProblems(page)
    await signInHere(page, owner.email, () => totp(secret))

    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "الكتالوج" }).click()
    await page.waitForURL(at(`/dashboard/${tenant.slug}/catalog`))
    await page.getByRole("heading", { level: 1, name: "الكتالوج" }).waitFor()
    expect(await page.getByTestId("catalog-empty").innerText()).toContain("لا توجد عناصر في الكتالوج بعد")
    expect(await page.getByRole("link", { name: "الكتالوج" }).getAttribute("aria-current")).toBe("page")

    await page.getByTestId("new-item").click()
    await page.waitForURL(at(`/dashboard/${tenant.slug}/catalog/new`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    // Kind decides the money fields: a product has a price; a project a goal, a category and the zakat flag.
    await page.getByLabel("منتج").check()
    await page.getByLabel("السعر بالدينار الكويتي").waitFor()
    expect(await page.getByLabel("المبلغ المستهدف بالدينار الكويتي").count()).toBe(0)
    await page.getByLabel("مشروع").check()
    expect(await page.getByLabel("السعر بالدينار الكويتي").count()).toBe(0)

    // No Arabic title and a fourth decimal: refused by the form action, each error by its field, nothing created.
    await page.getByLabel("المعرّف في الرابط").fill(project.slug)
    await page.getByLabel("العنوان بالإنجليزية").fill(project.title.en)
    await page.getByLabel("المبلغ المستهدف بالدينار الكويتي").fill("1500.1234")
    await page.getByRole("button", { name: "إنشاء المسودة" }).click()
    expect(await page.getByTestId("title_ar-error").innerText()).toContain("اكتبوا العنوان بالعربية.")
    expect(await page.getByTestId("goal-error").innerText()).toContain("بثلاث خانات عشرية على الأكثر")
    expect(await page.getByTestId("form-error").innerText()).toContain("لم يُحفظ شيء")
    // The refusal takes the focus to its summary, which links to each field to fix.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("form-error")
    expect(await page.getByTestId("form-error").getByRole("link", { name: "اكتبوا العنوان بالعربية." }).getAttribute("href")).toBe(
      "#title_ar"
    )
    expect(await page.locator("#title_ar").getAttribute("aria-invalid")).toBe("true")
    expect(await page.locator("#title_ar").getAttribute("aria-describedby")).toBe("title_ar-error")
    // What was typed stays; Arabic on the right of English in RTL, side by side.
    expect(await page.getByLabel("العنوان بالإنجليزية").inputValue()).toBe(project.title.en)
    const arabic = (await page.locator("#title_ar").boundingBox())!
    const english = (await page.locator("#title_en").boundingBox())!
    expect(arabic.x).toBeGreaterThan(english.x)
    expect(Math.abs(arabic.y - english.y)).toBeLessThan(arabic.height)
    expect(page.url()).toBe(at(`/dashboard/${tenant.slug}/catalog/new`))
    expect((await expectCall(200, "GET", "/tenant/catalog")).items).toEqual([])
    await page.screenshot({ path: `${results}dashboard-catalog-form-ar.png`, fullPage: true })

    await page.getByLabel("العنوان بالعربية").fill(project.title.ar)
    await page.getByLabel("الملخص بالعربية").fill(project.summary.ar)
    await page.getByLabel("الملخص بالإنجليزية").fill(project.summary.en)
    // Typed on an Arabic keyboard: Arabic-Indic digits and the Arabic decimal separator.
    await page.getByLabel("المبلغ المستهدف بالدينار الكويتي").fill("١٥٠٠٫٥")
    await page.getByLabel("نوع العطاء").selectOption("zakat")
    await page.getByLabel("يجوز فيه دفع الزكاة").check()
    await page.getByRole("button", { name: "إنشاء المسودة" }).click()
    await page.waitForURL((url) => /\/catalog\/[0-9a-f-]{36}$/.test(url.pathname) && url.searchParams.has("created"))
    itemUrl = page.url().split("?")[0]!
    await page.getByTestId("item-created").waitFor()
    expect(await page.getByTestId("item-status").innerText()).toBe("مسودة")
    const created = (await expectCall(200, "GET", "/tenant/catalog")).items
    expect(created).toHaveLength(1)
    expect(created[0]).toMatchObject({
      slug: project.slug,
      kind: "project",
      status: "draft",
      goal: "1500.500",
      category: "zakat",
      zakatEligible: true,
      title: project.title
    })

    // Uploads: a file that is not what it says is refused by the API (415), one over 10 MiB before it is sent.
    const upload = page.locator("#media-upload")
    await upload.setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("this is not a picture at all") })
    expect(await page.getByTestId("media-upload-error").innerText()).toContain("نوع الملف غير مقبول")
    await upload.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(10 * 1024 * 1024 + 1) })
    expect(await page.getByTestId("media-upload-error").innerText()).toContain("أكبر من ١٠ ميغابايت")
    expect(await page.getByTestId("no-media").count()).toBe(1)

    await upload.setInputFiles({ name: "water.png", mimeType: "image/png", buffer: Buffer.from(solidPng(640, 480, [20, 110, 160])) })
    const picture = page.getByTestId("media-item").filter({ hasText: "water.png" })
    await picture.waitFor()
    expect(await page.getByTestId("media-upload-error").count()).toBe(0)
    expect(await loadedWidth(picture.getByRole("img", { name: "water.png" }))).toBeGreaterThan(0)
    await page.getByRole("button", { name: "اجعلوها الغلاف: water.png" }).click()
    await picture.getByTestId("cover-badge").waitFor()
    expect(await page.getByTestId("gallery-unsaved").count()).toBe(1)
    await page.getByTestId("save-gallery").click()
    await page.getByTestId("media-done").filter({ hasText: "حُفظ المعرض." }).waitFor()
    // Saved: the "unsaved changes" notice is gone, and the button waits for the next change.
    expect(await page.getByTestId("gallery-unsaved").count()).toBe(0)
    expect(await page.getByTestId("save-gallery").isDisabled()).toBe(true)

    // Publishing: the valid next statuses of a draft project, with a note, then the history.
    const statuses = page.locator('[data-testid^="status-to-"]')
    expect(await statuses.allInnerTexts()).toEqual(["تغيير الحالة إلى: منشور", "تغيير الحالة إلى: مؤرشف"])
    await page.getByLabel("ملاحظة (اختيارية) تُحفظ في السجل").fill("جاهز للتبرعات")
    await page.getByTestId("status-to-active").click()
    await page.getByTestId("item-status").filter({ hasText: "منشور" }).waitFor()
    const members = (await expectCall(200, "GET", "/tenant/members")) as Array<{ userId: string; displayName: string; email: string }>
    const ownerName = members.find((member) => member.userId === owner.userId)!
    const latest = page.getByTestId("history-entry").first()
    expect(await latest.innerText()).toContain("من «مسودة» إلى «منشور»")
    expect(await latest.innerText()).toContain(ownerName.displayName || ownerName.email)
    expect(await latest.innerText()).toContain("جاهز للتبرعات")
    expect(await page.getByTestId("history-entry").count()).toBe(2)
    expect(await statuses.allInnerTexts()).toEqual([
      "تغيير الحالة إلى: مكتمل التمويل",
      "تغيير الحالة إلى: منجز",
      "تغيير الحالة إلى: مسودة",
      "تغيير الحالة إلى: مؤرشف"
    ])
    await page.screenshot({ path: `${results}dashboard-catalog-item-ar.png`, fullPage: true })

    // The storefront, on the same host, in Arabic and English, with its cover loaded.
    const storefront = await context.newPage()
    const storefrontProblems = watchProblems(storefront)
    for (const locale of ["ar", "en"] as const) {
      expect((await storefront.goto(at(`${locale === "en" ? "/en" : ""}/catalog/${project.slug}`)))?.status()).toBe(200)
      expect(await htmlAttributes(storefront)).toEqual(locale === "ar" ? { lang: "ar", dir: "rtl" } : { lang: "en", dir: "ltr" })
      expect(await storefront.getByRole("heading", { level: 1 }).innerText()).toBe(project.title[locale])
      expect(await storefront.getByText(project.summary[locale]).count()).toBeGreaterThan(0)
      expect(await storefront.getByRole("progressbar").getAttribute("aria-valuetext")).toContain(
        locale === "ar" ? "١٬٥٠٠٫٥٠٠ د.ك" : "KWD 1,500.500"
      )
      expect(await loadedWidth(storefront.getByRole("img", { name: project.title[locale], exact: true }))).toBe(640)
      await storefront.screenshot({ path: `${results}dashboard-catalog-storefront-${locale}.png`, fullPage: true })
    }
    expect(storefrontProblems).toEqual([])
    await storefront.close()

    // The list: its status badge and goal in KWD with three decimals; a filter that matches nothing.
    await page.getByRole("link", { name: "العودة إلى الكتالوج" }).first().click()
    const row = page.getByTestId("catalog-row").filter({ hasText: project.title.ar })
    await row.waitFor()
    expect(await row.getByTestId("status-badge").innerText()).toBe("منشور")
    expect(await row.innerText()).toContain("١٬٥٠٠٫٥٠٠ د.ك")
    await page.getByLabel("الحالة").selectOption("draft")
    await page.getByRole("button", { name: "تطبيق" }).click()
    await page.waitForURL((url) => url.searchParams.get("status") === "draft")
    expect(await page.getByTestId("catalog-empty").innerText()).toContain("لا توجد عناصر مطابقة.")
    expect(unexpected(problems)).toEqual([])
    await page.close()
  })

  it("a member edits but sees no status or publishing controls", async () => {
    const member = await people.memberOf(tenant, "member", "catalog-member")
    const context = await stack.browser.newContext()
    const page = await context.newPage()
    const problems = watchProblems(page)
    await signInHere(page, member.email)
    await page.goto(itemUrl)
    await hydrated(page)
    await page.getByTestId("item-form").waitFor()
    expect(await page.getByText("يغيّر الحالة وينشر المالكون والمشرفون فقط.").count()).toBe(1)
    expect(await page.locator('[data-testid^="status-to-"]').count()).toBe(0)
    // Editing goes through the form action with the member's own token.
    await page.getByLabel("العنوان بالإنجليزية").fill("Clean water for the whole village")
    await page.getByRole("button", { name: "حفظ التعديلات" }).click()
    await page.getByTestId("item-saved").waitFor()
    expect((await expectCall(200, "GET", "/tenant/catalog")).items[0].title.en).toBe("Clean water for the whole village")
    project.title.en = "Clean water for the whole village"
    expect(unexpected(problems)).toEqual([])
    await context.close()
  })

  it("an owner adds a proof with a photo, publishes it completing the project, and the storefront's timeline shows it", async () => {
    const context = ownerContext!
    const page = await context.newPage()
    const problems = watchProblems(page)
    // A new tab: the same session cookie, the same server-side session.
    await page.goto(itemUrl)
    await hydrated(page)
    await page.getByTestId("no-proofs").waitFor()

    const form = page.getByTestId("proof-form")
    // No Arabic caption: refused by the field, nothing added.
    await form.getByLabel("الوصف بالإنجليزية").fill(proof.en)
    await form.getByRole("button", { name: "إضافة الإثبات مسودةً" }).click()
    expect(await page.getByTestId("proof-caption_ar-error").innerText()).toContain("اكتبوا الوصف بالعربية.")
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "proof-form-error")
    await form.getByLabel("نوع الإثبات").selectOption("photo")
    await form.getByLabel("الوصف بالعربية").fill(proof.ar)
    await form.getByLabel("التاريخ").fill("2026-11-20")
    await form.getByLabel("المبلغ المصروف بالدينار (اختياري)").fill("200.250")
    await page
      .locator("#proof-upload")
      .setInputFiles({ name: "tank.png", mimeType: "image/png", buffer: Buffer.from(solidPng(400, 300, [200, 162, 74])) })
    await page.getByTestId("proof-file").filter({ hasText: "tank.png" }).waitFor()
    await form.getByRole("button", { name: "إضافة الإثبات مسودةً" }).click()
    const row = page.getByTestId("proof-row")
    await row.filter({ hasText: proof.ar }).waitFor()
    expect(await row.getAttribute("data-status")).toBe("draft")
    expect(await row.innerText()).toContain("المبلغ المصروف: ٢٠٠٫٢٥٠ د.ك")

    await row.getByTestId("complete-with-proof").check()
    await row.getByTestId("publish-proof").click()
    await page.getByTestId("proof-done").filter({ hasText: "نُشر الإثبات." }).waitFor()
    expect(await row.getAttribute("data-status")).toBe("published")
    expect(await page.getByTestId("item-status").innerText()).toBe("منجز")
    expect(await page.getByTestId("history-entry").first().innerText()).toContain("من «منشور» إلى «منجز»")

    const storefront = await context.newPage()
    for (const locale of ["ar", "en"] as const) {
      await storefront.goto(at(`${locale === "en" ? "/en" : ""}/catalog/${project.slug}`))
      expect(await storefront.getByRole("heading", { level: 1 }).innerText()).toBe(project.title[locale])
      expect(await storefront.getByTestId("proof-caption").allInnerTexts()).toEqual([proof[locale]])
      expect(await storefront.getByTestId("proof-spent").innerText()).toBe(
        locale === "ar" ? "المبلغ المصروف: ٢٠٠٫٢٥٠ د.ك" : "Amount spent: KWD 200.250"
      )
      expect(await loadedWidth(storefront.getByTestId("proof").getByRole("img"))).toBeGreaterThan(0)
      await storefront.screenshot({ path: `${results}dashboard-catalog-proof-${locale}.png`, fullPage: true })
    }
    expect(unexpected(problems)).toEqual([])
    await page.close()
  })

  it("without JavaScript: an owner creates an item, saves it, publishes it, adds a proof (refused by its field first), publishes and deletes it", async () => {
    const { owner: other, secret: otherSecret } = await ownerWithTotp(people, tenant, "catalog-owner-nojs")
    const { context, page } = await openPage(stack.browser, { javaScriptEnabled: false })
    await signInHere(page, other.email, () => totp(otherSecret))

    await page.goto(at(`/dashboard/${tenant.slug}/catalog/new`))
    await page.getByLabel("مشروع").check()
    await page.getByLabel("المعرّف في الرابط").fill("school-roof")
    await page.getByLabel("العنوان بالعربية").fill("سقف المدرسة")
    await page.getByLabel("المبلغ المستهدف بالدينار الكويتي").fill("800")
    await page.getByRole("button", { name: "إنشاء المسودة" }).click()
    await page.waitForURL((url) => /\/catalog\/[0-9a-f-]{36}$/.test(url.pathname) && url.searchParams.has("created"))
    const roofUrl = page.url().split("?")[0]!

    // Each change is a plain form post to the page's own action; the server answers with the page again.
    await page.getByLabel("العنوان بالإنجليزية").fill("The school roof")
    await page.getByRole("button", { name: "حفظ التعديلات" }).click()
    await page.getByTestId("item-saved").waitFor()
    await page.getByLabel("ملاحظة (اختيارية) تُحفظ في السجل").fill("بلا جافاسكربت")
    await page.getByTestId("status-to-active").click()
    await page.getByTestId("item-status").filter({ hasText: "منشور" }).waitFor()
    expect(await page.getByTestId("history-entry").first().innerText()).toContain("بلا جافاسكربت")

    const form = page.getByTestId("proof-form")
    await form.getByLabel("الوصف بالإنجليزية").fill("Work has begun")
    await form.getByLabel("المبلغ المصروف بالدينار (اختياري)").fill("12.3456")
    await form.getByRole("button", { name: "إضافة الإثبات مسودةً" }).click()
    expect(await page.getByTestId("proof-caption_ar-error").innerText()).toContain("اكتبوا الوصف بالعربية.")
    expect(await page.getByTestId("proof-amountSpent-error").count()).toBe(1)
    // What was typed comes back with the refusal.
    expect(await form.getByLabel("الوصف بالإنجليزية").inputValue()).toBe("Work has begun")
    await form.getByLabel("الوصف بالعربية").fill("بدأ العمل")
    await form.getByLabel("المبلغ المصروف بالدينار (اختياري)").fill("12.5")
    await form.getByRole("button", { name: "إضافة الإثبات مسودةً" }).click()
    await page.getByTestId("proof-done").filter({ hasText: "أُضيف الإثبات" }).waitFor()
    const row = page.getByTestId("proof-row").filter({ hasText: "بدأ العمل" })
    expect(await row.getAttribute("data-status")).toBe("draft")
    await row.getByTestId("publish-proof").click()
    await page.getByTestId("proof-done").filter({ hasText: "نُشر الإثبات." }).waitFor()
    expect(await page.getByTestId("proof-row").getAttribute("data-status")).toBe("published")
    await page.getByTestId("delete-proof").click()
    await page.getByTestId("no-proofs").waitFor()
    expect(page.url().split("?")[0]).toBe(roofUrl)
    const [saved] = (await expectCall(200, "GET", "/tenant/catalog")).items.filter((item: { slug: string }) => item.slug === "school-roof")
    expect(saved).toMatchObject({ status: "active", title: { ar: "سقف المدرسة", en: "The school roof" } })
    await context.close()
  })
})
