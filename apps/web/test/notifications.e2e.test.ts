import {
  addMember,
  apiPeople,
  createTenant,
  sesEmailsTo,
  sesEnv,
  startTelegramFake,
  type TelegramFake,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { randomUUID } from "node:crypto"
import type { Page } from "playwright-core"
import { describe, expect, inject, it } from "vitest"
import { htmlAttributes, openPage, ownerWithTotp, results, services, signIn, totp, useStack, hydrated } from "./harness.js"

const { urls, pool } = services()
const ses = inject("manaraSes")

let telegram: TelegramFake | undefined
let home: TenantFixture
let foreign: TenantFixture

const people = apiPeople(() => stack.api.url, urls, pool)

/** Script errors and warnings; not Chromium's note of each refused call (the 403 and 404 this test provokes). */
const unexpected = (problems: ReadonlyArray<string>) => problems.filter((problem) => !problem.startsWith("Failed to load resource: "))

const stack = useStack({
  before: async () => {
    telegram = await startTelegramFake()
    home = await withOwner(urls, createTenant({ nameAr: "جمعية الضياء", nameEn: "Al Diyaa Society" }))
    foreign = await withOwner(urls, createTenant({ nameAr: "مسجد السلام", nameEn: "Al Salam Mosque" }))
  },
  // Delivery on for this suite's tenant only: other suites' rows in the shared database are not ours to send.
  env: () => ({
    ...sesEnv(ses),
    NOTIFY_DELIVERY: "true",
    NOTIFY_TENANTS: home.id,
    NOTIFY_MAX_ATTEMPTS: "2",
    NOTIFY_BACKOFF_BASE: "200 millis",
    NOTIFY_BACKOFF_MAX: "1 second",
    NOTIFY_POLL: "300 millis",
    TELEGRAM_API_URL: telegram!.url,
    TELEGRAM_BOT_TOKEN: "7711:kept-out-of-the-page"
  }),
  closeLast: async () => {
    await telegram?.close()
  }
})

const platform = (path: string) => `http://localhost:${stack.web.port}${path}`

/** The log row of the latest message of `event` to `target`. */
const logRow = (page: Page, event: string, target: string) =>
  page.locator(`[data-testid="delivery-row"][data-event="${event}"]`).filter({ hasText: target }).first()

/** Delivery happens in the background: reload the log (its own link) until the row reaches `status`. */
const untilStatus = async (page: Page, event: string, target: string, status: string, ms = 20_000) => {
  const until = Date.now() + ms
  for (;;) {
    const row = logRow(page, event, target)
    if ((await row.count()) > 0 && (await row.getAttribute("data-status")) === status) return row
    if (Date.now() > until)
      throw new Error(`the message to ${target} did not become ${status}: ${await row.getAttribute("data-status").catch(() => "absent")}`)
    await page.waitForTimeout(300)
    await page.reload()
  }
}

// Whole journeys through a real browser, API, Cognito, SES and Telegram emulators and database.
describe("notifications in the dashboard", { timeout: 120_000 }, () => {
  it("an owner adds an email, sends it a test that the SES emulator receives, and retries a Telegram dead letter until it is sent", async () => {
    const { owner, secret } = await ownerWithTotp(people, home, "notify-owner")
    const email = `office-${randomUUID().slice(0, 8)}@example.com`
    const chat = String(Math.floor(Math.random() * 1e9))
    // Two refusals use up NOTIFY_MAX_ATTEMPTS; after the retry Telegram answers 200.
    telegram!.script(chat, [{ status: 502 }, { status: 502 }])

    const { context, page, problems } = await openPage(stack.browser)
    await page.goto(platform("/signin"))
    await signIn(page, owner.email, { code: () => totp(secret) })
    await page.waitForURL(platform(`/dashboard/${home.slug}`))
    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "التنبيهات" }).click()
    await page.waitForURL(platform(`/dashboard/${home.slug}/notifications`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: "التنبيهات" }).waitFor()
    await page.getByTestId("no-preferences").waitFor()

    // A target that is no email address is named beside the form, and what was typed stays.
    await page.getByLabel("البريد الإلكتروني أو رقم محادثة تيليجرام").fill("not-an-address")
    await page.getByRole("button", { name: "إضافة", exact: true }).click()
    expect(await page.getByTestId("add-error").innerText()).toBe("اكتبوا عنوان بريد إلكتروني صحيحًا.")
    expect(await page.getByLabel("البريد الإلكتروني أو رقم محادثة تيليجرام").inputValue()).toBe("not-an-address")

    await page.getByLabel("البريد الإلكتروني أو رقم محادثة تيليجرام").fill(email)
    await page.getByRole("button", { name: "إضافة", exact: true }).click()
    await page.getByTestId("action-done").filter({ hasText: email }).waitFor()
    const emailRow = page.locator(`[data-testid="preference-row"][data-target="${email}"]`)
    expect(await emailRow.innerText()).toContain("بريد إلكتروني")
    expect(await emailRow.innerText()).toContain("طلب أو تبرع أو تعهد جديد")
    expect(await emailRow.innerText()).toContain("العربية")
    // The same target twice is the API's 409, in our words.
    await page.getByLabel("البريد الإلكتروني أو رقم محادثة تيليجرام").fill(email)
    await page.getByRole("button", { name: "إضافة", exact: true }).click()
    expect(await page.getByTestId("add-error").innerText()).toBe("هذه الوجهة مضافة على هذه القناة من قبل.")

    await page.getByRole("button", { name: `إرسال رسالة تجريبية إلى ${email}` }).click()
    await page.getByTestId("action-done").filter({ hasText: "أُضيفت رسالة تجريبية" }).waitFor()
    await logRow(page, "notification.test", email).waitFor()
    const sent = await untilStatus(page, "notification.test", email, "sent")
    const sentText = await sent.innerText()
    expect(sentText).toContain("رسالة تجريبية")
    expect(sentText).toContain("أُرسلت")
    expect(sentText).toContain("١")
    // Kuwait time in Arabic-Indic digits, no Western digit outside the address.
    expect(sentText.replace(email, "")).not.toMatch(/[0-9]/)
    const received = await sesEmailsTo(ses, email)
    expect(received.length).toBe(1)

    // Telegram: the fake refuses twice, the row is dead with its error, and the retry delivers it.
    await page.getByLabel("القناة").selectOption("telegram")
    await page.getByLabel("البريد الإلكتروني أو رقم محادثة تيليجرام").fill(chat)
    await page.getByRole("button", { name: "إضافة", exact: true }).click()
    await page.locator(`[data-testid="preference-row"][data-target="${chat}"]`).waitFor()
    await page.getByRole("button", { name: `إرسال رسالة تجريبية إلى ${chat}` }).click()
    await page.getByTestId("action-done").filter({ hasText: chat }).waitFor()
    const dead = await untilStatus(page, "notification.test", chat, "dead")
    expect(await dead.innerText()).toContain("متوقفة")
    expect((await dead.getByTestId("delivery-error").innerText()).length).toBeGreaterThan(0)
    expect(await page.content()).not.toContain("kept-out-of-the-page")

    // The dead letters alone, then back to the queue.
    await page.getByRole("link", { name: "المتوقفة فقط" }).click()
    await page.waitForURL(platform(`/dashboard/${home.slug}/notifications?status=dead`))
    const statuses = await page.getByTestId("delivery-row").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-status")))
    expect(statuses.length).toBeGreaterThan(0)
    expect(new Set(statuses)).toEqual(new Set(["dead"]))
    // A second tab still showing the dead letter, to retry it once more after the first did.
    const stale = await context.newPage()
    await stale.goto(platform(`/dashboard/${home.slug}/notifications?status=dead`))
    await hydrated(stale)
    await page.getByRole("button", { name: `إعادة محاولة الرسالة إلى ${chat}` }).click()
    await page.getByTestId("action-done").filter({ hasText: "عادت الرسالة" }).waitFor()
    await stale.getByRole("button", { name: `إعادة محاولة الرسالة إلى ${chat}` }).click()
    expect(await stale.getByTestId("action-error").innerText()).toBe("لا تُعاد إلا الرسائل المتوقفة، وهذه لم تتوقف.")
    await stale.close()
    await page.getByRole("link", { name: "كل الرسائل" }).click()
    await page.waitForURL(platform(`/dashboard/${home.slug}/notifications`))
    await untilStatus(page, "notification.test", chat, "sent")
    expect(
      telegram!
        .received()
        .filter((message) => message.chatId === chat)
        .map((message) => message.answeredWith)
    ).toEqual([502, 502, 200])

    // On a phone the page does not scroll sideways: the log scrolls inside its own box.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.reload()
    const widths = await page.evaluate(() => {
      const box = document.querySelector('[data-testid="deliveries-wrap"]')!
      return { page: document.documentElement.scrollWidth, box: box.clientWidth, table: box.scrollWidth }
    })
    expect(widths.page).toBeLessThanOrEqual(390)
    expect(widths.table).toBeGreaterThan(widths.box)
    await page.screenshot({ path: `${results}notifications-phone.png`, fullPage: true })
    await page.setViewportSize({ width: 1280, height: 900 })

    // Removing asks first; the row goes.
    page.once("dialog", (dialog) => dialog.accept())
    await page.getByRole("button", { name: `إزالة ${email}` }).click()
    await page.getByTestId("action-done").filter({ hasText: "لن تصل التنبيهات" }).waitFor()
    expect(await page.locator(`[data-testid="preference-row"][data-target="${email}"]`).count()).toBe(0)

    // English second: the same page, left to right.
    await page.goto(platform(`/en/dashboard/${home.slug}/notifications`))
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: "Notifications" }).waitFor()
    expect(await logRow(page, "notification.test", chat).innerText()).toContain("Sent")
    await page.screenshot({ path: `${results}notifications-en.png`, fullPage: true })

    // An invitation from the members page is emailed (its row is in the log), and its link can still be copied.
    const invitee = `invitee-${randomUUID().slice(0, 8)}@example.com`
    await page.goto(platform(`/dashboard/${home.slug}/members`))
    await hydrated(page)
    await page.getByLabel("البريد الإلكتروني").fill(invitee)
    await page.getByRole("button", { name: "إنشاء الدعوة" }).click()
    expect(await page.getByTestId("invitation-sent-by").innerText()).toContain(`الدعوة في طريقها إلى ${invitee} بالبريد الإلكتروني`)
    expect(await page.getByTestId("invitation-link").innerText()).toContain("/invite")
    await page.goto(platform(`/dashboard/${home.slug}/notifications`))
    await untilStatus(page, "member.invited", invitee, "sent")

    // Without JavaScript the forms are plain posts: a test message from the same session.
    const plain = await stack.browser.newContext({
      viewport: { width: 1280, height: 900 },
      javaScriptEnabled: false,
      storageState: await context.storageState()
    })
    const plainPage = await plain.newPage()
    await plainPage.goto(platform(`/dashboard/${home.slug}/notifications`))
    await plainPage.getByRole("button", { name: `إرسال رسالة تجريبية إلى ${chat}` }).click()
    await plainPage.getByTestId("action-done").filter({ hasText: chat }).waitFor()
    expect(await plainPage.locator(`[data-testid="delivery-row"][data-event="notification.test"]`).filter({ hasText: chat }).count()).toBe(
      2
    )
    await plain.close()

    // Another tenant's notifications are not found, as the API says.
    expect((await page.goto(platform(`/dashboard/${foreign.slug}/notifications`)))?.status()).toBe(404)
    expect(unexpected(problems)).toEqual([])
    await context.close()
  })

  it("a member is refused the page and has no link to it", async () => {
    const member = await people.person("notify-member")
    await withOwner(urls, addMember(home.id, member.userId, "member"))
    const { context, page } = await openPage(stack.browser)
    await page.goto(platform("/signin"))
    await signIn(page, member.email)
    await page.waitForURL(platform(`/dashboard/${home.slug}`))
    const nav = page.getByRole("navigation", { name: "أقسام لوحة التحكم" })
    await nav.getByRole("link", { name: "الفريق" }).waitFor()
    expect(await nav.getByRole("link", { name: "التنبيهات" }).count()).toBe(0)
    expect((await page.goto(platform(`/dashboard/${home.slug}/notifications`)))?.status()).toBe(403)
    await page.getByTestId("notifications-error").waitFor()
    await context.close()
  })
})
