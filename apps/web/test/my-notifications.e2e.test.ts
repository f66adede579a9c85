import { configKeyOf, SecretsLive, TelegramBot, TelegramBotLive, telegramTokenRef } from "@manara/notifications"
import {
  apiPeople,
  createTenant,
  sesEmailsTo,
  sesEnv,
  startTelegramFake,
  type TelegramFake,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { ConfigProvider, Effect, Layer } from "effect"
import { execFileSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import type { Page } from "playwright-core"
import { describe, expect, inject, it } from "vitest"
import { htmlAttributes, openPage, ownerWithTotp, results, services, signIn, totp, useStack } from "./harness.js"

const { urls, pool } = services()
const ses = inject("manaraSes")

/** The tenant's own bot: its token only in configuration, under the name its secret reference maps to. */
const BOT_TOKEN = `8811:tenant-bot-${randomUUID()}`

let telegram: TelegramFake | undefined
let home: TenantFixture

const people = apiPeople(() => stack.api.url, urls, pool)

const stack = useStack({
  before: async () => {
    telegram = await startTelegramFake()
    home = await withOwner(urls, createTenant({ nameAr: "جمعية البر", nameEn: "Al Birr Society" }))
    // The operator stores the reference (as the owner role, inside the tenant: RLS is forced on it too).
    execFileSync("psql", [
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      urls.ownerUrl,
      "-c",
      `begin; select set_config('app.current_tenant', '${home.id}', true);
    insert into tenant_telegram_bots (tenant_id, token_ref) values ('${home.id}', '${telegramTokenRef(home.id)}'); commit;`
    ])
  },
  env: () => ({
    ...sesEnv(ses),
    NOTIFY_DELIVERY: "true",
    NOTIFY_TENANTS: home.id,
    NOTIFY_POLL: "300 millis",
    TELEGRAM_API_URL: telegram!.url,
    [configKeyOf(`manara/tenant/${home.id}/telegram`)]: BOT_TOKEN
  }),
  // What the operator does once per bot, with the product's code: point its webhook at the API.
  seed: (api, env) =>
    Effect.runPromise(
      Effect.flatMap(TelegramBot, (bot) =>
        bot.setWebhook(home.id, telegramTokenRef(home.id), `${api.url}/api/v1/public/telegram/${home.id}/webhook`)
      ).pipe(
        Effect.provide(TelegramBotLive.pipe(Layer.provide(SecretsLive))),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
    ),
  closeLast: async () => {
    await telegram?.close()
  }
})

const platform = (path: string) => `http://localhost:${stack.web.port}${path}`

/** Delivery happens in the background: reload the log until the row of `target` reaches `status`. */
const untilStatus = async (page: Page, event: string, target: string, status: string, ms = 20_000) => {
  const until = Date.now() + ms
  for (;;) {
    const row = page.locator(`[data-testid="delivery-row"][data-event="${event}"]`).filter({ hasText: target }).first()
    if ((await row.count()) > 0 && (await row.getAttribute("data-status")) === status) return row
    if (Date.now() > until) throw new Error(`the message to ${target} did not become ${status}`)
    await page.waitForTimeout(300)
    await page.reload()
  }
}

describe("my notifications in the dashboard", { timeout: 120_000 }, () => {
  it("an owner chooses events, links a Telegram chat with a code sent to the tenant's bot, sends a test and sees it in the delivery log", async () => {
    const { owner, secret } = await ownerWithTotp(people, home, "my-notify-owner")
    const chat = Math.floor(Math.random() * 1e9)

    const { page, context } = await openPage(stack.browser)
    await page.goto(platform("/signin"))
    await signIn(page, owner.email, { code: () => totp(secret) })
    await page.waitForURL(platform(`/dashboard/${home.slug}`))
    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "إشعاراتي" }).click()
    await page.waitForURL(platform(`/dashboard/${home.slug}/my-notifications`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: "إشعاراتي" }).waitFor()

    // Telegram waits for a link; email can be chosen at once.
    expect(await page.getByTestId("telegram:capture.donation").isDisabled()).toBe(true)
    await page.getByTestId("email:capture.donation").check()
    await page.getByRole("button", { name: "حفظ التفضيلات" }).click()
    await page.getByTestId("action-done").filter({ hasText: "حُفظت تفضيلاتك." }).waitFor()
    await page.reload()
    expect(await page.getByTestId("email:capture.donation").isChecked()).toBe(true)

    // The code, sent to the bot as a Telegram user would; the webhook links the chat.
    await page.getByTestId("ask-code").click()
    const shown = await page.getByTestId("link-code").innerText()
    expect(shown).toMatch(/^\/start [A-Z0-9]{8}$/)
    expect(await telegram!.userSends(BOT_TOKEN, { id: chat }, shown)).toBe(200)
    await page.reload()
    expect(await page.getByTestId("telegram-linked").innerText()).toContain(String(chat))
    await page.getByTestId("telegram:capture.donation").check()
    await page.getByRole("button", { name: "حفظ التفضيلات" }).click()
    await page.getByTestId("action-done").filter({ hasText: "حُفظت تفضيلاتك." }).waitFor()

    await page.getByTestId("my-test").click()
    await page.getByTestId("action-done").filter({ hasText: "أُضيفت رسالة تجريبية إلى قناتين" }).waitFor()

    // The tenant's delivery log shows both, sent.
    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "التنبيهات" }).click()
    await page.waitForURL(platform(`/dashboard/${home.slug}/notifications`))
    expect(await (await untilStatus(page, "notification.test", String(chat), "sent")).innerText()).toContain("أُرسلت")
    await untilStatus(page, "notification.test", owner.email, "sent")
    const received = telegram!.received().filter((message) => message.chatId === String(chat))
    expect(received.every((message) => message.token === BOT_TOKEN)).toBe(true)
    expect(received.some((message) => message.text.includes("رسالة تجريبية"))).toBe(true)
    expect((await sesEmailsTo(ses, owner.email)).some((mail) => mail.subject.includes("رسالة تجريبية"))).toBe(true)
    expect(await page.content()).not.toContain(BOT_TOKEN.split(":")[1]!)

    // English second: the same page, left to right.
    await page.goto(platform(`/en/dashboard/${home.slug}/my-notifications`))
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: "My notifications" }).waitFor()
    expect(await page.getByTestId("telegram:capture.donation").isChecked()).toBe(true)
    await page.screenshot({ path: `${results}my-notifications-en.png`, fullPage: true })
    await context.close()
  })
})
