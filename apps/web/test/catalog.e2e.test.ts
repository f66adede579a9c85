import { apiPeople, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { execFileSync } from "node:child_process"
import type { Locator, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { htmlAttributes, results, services, solidPng, storefrontUrl, useStack, watchProblems, hydrated } from "./harness.js"

const { urls, pool } = services()

let tenant: TenantFixture
let owner: Person
const media = { cover: "", photo: "", invoice: "" }

const { call, memberOf } = apiPeople(() => stack.api.url, urls, pool)

const names = { ar: "جمعية البر الخيرية", en: "Al Birr Charity" }
// Written with its diacritics, as staff type a title; visitors search without them.
const well = {
  kind: "project",
  slug: "village-well",
  title: { ar: "بِئْرُ مَاءٍ لِلْقَرْيَةِ", en: "A water well for the village" },
  summary: { ar: "ماء نظيف لمئة أسرة", en: "Clean water for a hundred families" },
  body: {
    ar: "نحفر بئرًا عميقة تكفي القرية كلها.\n\nالتكلفة تشمل المضخة <script>window.injected = true</script> و<b>الخزان</b>.",
    en: "We dig a deep well for the whole village.\n\nThe cost covers the pump <script>window.injected = true</script> and <b>the tank</b>."
  },
  goal: "1500.000",
  category: "zakat",
  zakatEligible: true,
  featured: true
}
// No English summary: the Arabic one stands in on English pages, marked as Arabic.
const book = {
  kind: "product",
  slug: "recited-quran",
  title: { ar: "مصحف مرتّل", en: "A recited Quran" },
  summary: { ar: "بصوت قارئ معروف" },
  price: "4.500"
}
const hidden = {
  kind: "project",
  slug: "not-yet",
  title: { ar: "مشروع لم يُنشر", en: "Not published yet" },
  goal: "100.000",
  category: "general"
}
interface ProofSeed {
  readonly kind: string
  readonly caption: { readonly ar: string; readonly en: string }
  readonly occurredOn: string
  readonly amountSpent?: string
  readonly file?: "photo" | "invoice"
}
// Published out of order: the timeline sorts by the day each happened, newest first.
const proofs: ReadonlyArray<ProofSeed> = [
  { kind: "update", caption: { ar: "بدأ الحفر", en: "Digging started" }, occurredOn: "2026-10-15" },
  {
    kind: "invoice",
    caption: { ar: "فاتورة الحفر", en: "The drilling invoice" },
    occurredOn: "2026-11-20",
    amountSpent: "300.000",
    file: "invoice"
  },
  {
    kind: "photo",
    caption: { ar: "وصلت المعدات إلى القرية", en: "The equipment reached the village" },
    occurredOn: "2026-10-01",
    file: "photo"
  }
]
const timeline = {
  ar: ["فاتورة الحفر", "بدأ الحفر", "وصلت المعدات إلى القرية"],
  en: ["The drilling invoice", "Digging started", "The equipment reached the village"]
}

/** An API call as the owner that must answer `status`; its JSON body. */
const expectCall = async (status: number, method: string, path: string, body?: unknown) => {
  const response = await call(method, path, owner, tenant.slug, body)
  const text = await response.text()
  if (response.status !== status) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  return text === "" ? undefined : JSON.parse(text)
}

/** Ticket, the bytes posted to the bucket as a browser would, then completion: the media id. */
const upload = async (bytes: Uint8Array, contentType: string, filename: string): Promise<string> => {
  const ticket = await expectCall(201, "POST", "/tenant/media/uploads", { contentType, byteSize: bytes.byteLength, filename })
  const form = new FormData()
  for (const [name, value] of Object.entries(ticket.fields as Record<string, string>)) form.append(name, value)
  form.append("file", new Blob([Buffer.from(bytes)], { type: contentType }))
  const stored = await fetch(ticket.url, { method: "POST", body: form })
  if (stored.status >= 300) throw new Error(`the bucket answered ${stored.status}: ${await stored.text()}`)
  await expectCall(200, "POST", `/tenant/media/${ticket.mediaId}/complete`)
  return ticket.mediaId
}

const createItem = async (item: object, active: boolean) => {
  const created = await expectCall(201, "POST", "/tenant/catalog", item)
  if (active) await expectCall(200, "POST", `/tenant/catalog/${created.id}/status`, { to: "active" })
  return created.id as string
}

/** No API moves money into an item yet (donations come later): set the totals as the owner, inside the tenant. */
const setTotals = (itemId: string, raised: string, pledged: string) =>
  execFileSync("psql", [
    urls.ownerUrl,
    "-v",
    "ON_ERROR_STOP=1",
    "-qc",
    `select set_config('app.current_tenant', '${tenant.id}', true);
     update catalog_items set raised_amount = ${raised}, pledged_amount = ${pledged} where id = '${itemId}'`
  ])

const stack = useStack({
  seed: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: names.ar, nameEn: names.en }))
    owner = await memberOf(tenant, "owner")

    media.cover = await upload(solidPng(600, 400, [15, 94, 77]), "image/png", "cover.png")
    media.photo = await upload(solidPng(400, 300, [200, 162, 74]), "image/png", "site.png")
    media.invoice = await upload(
      new TextEncoder().encode("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
      "application/pdf",
      "invoice.pdf"
    )

    const wellId = await createItem(well, false)
    await expectCall(200, "PATCH", `/tenant/catalog/${wellId}`, { coverMediaId: media.cover })
    await expectCall(200, "PUT", `/tenant/catalog/${wellId}/gallery`, { mediaIds: [media.photo] })
    setTotals(wellId, "250.000", "100.000")
    await expectCall(200, "POST", `/tenant/catalog/${wellId}/status`, { to: "active" })
    for (const { file, ...proof } of proofs) {
      const mediaId = file === undefined ? {} : { mediaId: media[file] }
      const added = await expectCall(201, "POST", `/tenant/catalog/${wellId}/proofs`, { ...proof, ...mediaId })
      await expectCall(200, "POST", `/tenant/proofs/${added.id}/publish`, {})
    }
    await createItem(book, true)
    await createItem(hidden, false)
  }
})

const urlOf = (path: string) => storefrontUrl(stack.web, tenant.slug, path)

/** Lazy images load once near the viewport: bring it there, then wait for the bytes. */
const loadedWidth = async (image: Locator) => {
  await image.scrollIntoViewIfNeeded()
  await image.evaluate((element: HTMLImageElement) =>
    element.complete ? undefined : new Promise((resolve) => element.addEventListener("load", resolve, { once: true }))
  )
  return image.evaluate((element: HTMLImageElement) => element.naturalWidth)
}

/** What a person reads, whitespace folded: flex items are blocks to innerText. */
const text = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, " ").trim()

/** A file as the browser gets it, redirects to the bucket followed: status, type and first bytes. */
const download = (page: Page, href: string) =>
  page.evaluate(async (address) => {
    const response = await fetch(address)
    const bytes = new Uint8Array(await response.arrayBuffer())
    return { status: response.status, type: response.headers.get("content-type"), start: String.fromCharCode(...bytes.subarray(0, 5)) }
  }, href)

const captions = (page: Page) => page.getByTestId("proof-caption").allInnerTexts()

/**
 * The page's head, addresses without their scheme: with no ORIGIN or PROTOCOL_HEADER set, adapter-node
 * takes every request for https (as behind the production proxy), though the tests speak http.
 */
const head = async (page: Page) => {
  const found = await page.evaluate(() => {
    const meta = (selector: string) => document.querySelector(selector)?.getAttribute("content") ?? null
    const link = (selector: string) => document.querySelector(selector)?.getAttribute("href") ?? null
    return {
      title: document.title,
      description: meta('meta[name="description"]'),
      canonical: link('link[rel="canonical"]'),
      ar: link('link[rel="alternate"][hreflang="ar"]'),
      en: link('link[rel="alternate"][hreflang="en"]'),
      xDefault: link('link[rel="alternate"][hreflang="x-default"]'),
      ogTitle: meta('meta[property="og:title"]'),
      ogDescription: meta('meta[property="og:description"]'),
      ogUrl: meta('meta[property="og:url"]'),
      ogImage: meta('meta[property="og:image"]'),
      ogLocale: meta('meta[property="og:locale"]')
    }
  })
  const address = (url: string | null) => url?.replace(/^https?:/, "") ?? null
  return {
    ...found,
    canonical: address(found.canonical),
    ar: address(found.ar),
    en: address(found.en),
    xDefault: address(found.xDefault),
    ogUrl: address(found.ogUrl),
    ogImage: address(found.ogImage)
  }
}

/** An address on the storefront's host, as `head` reports it. */
const onHost = (path: string) => urlOf(path).replace(/^http:/, "")

describe("home page", () => {
  it("shows the featured project's raised and pledged against its goal, in Arabic right to left", async () => {
    const page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } })
    const problems = watchProblems(page)
    expect((await page.goto(urlOf("/")))?.status()).toBe(200)
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    const bar = page.getByRole("progressbar", { name: `التبرّعات لمشروع ${well.title.ar}` })
    expect(await bar.getAttribute("aria-valuenow")).toBe("16")
    expect(await bar.getAttribute("aria-valuetext")).toBe("جُمع ٢٥٠٫٠٠٠ د.ك من ١٬٥٠٠٫٠٠٠ د.ك")
    const pledge = page.locator(`[id="${await bar.getAttribute("aria-describedby")}"]`)
    expect(await pledge.innerText()).toBe("وتعهّدات بمبلغ ١٠٠٫٠٠٠ د.ك")
    // Two segments from the inline start, which is the right edge in Arabic: 250 and 100 of 1500.
    const track = (await bar.boundingBox())!
    const raised = (await bar.locator(".raised").boundingBox())!
    const pledged = (await bar.locator(".pledged").boundingBox())!
    expect(raised.width / track.width).toBeCloseTo(0.166, 2)
    expect(pledged.width / track.width).toBeCloseTo(0.066, 2)
    expect(raised.x + raised.width).toBeCloseTo(track.x + track.width, 0)
    expect(pledged.x + pledged.width).toBeCloseTo(raised.x, 0)

    const projects = page.getByTestId("home-projects")
    expect(await projects.getByTestId("item-card").count()).toBe(1)
    expect(await projects.getByTestId("zakat-eligible").innerText()).toBe("يجوز فيه دفع الزكاة")
    expect(await text(page.getByTestId("home-products").getByTestId("price"))).toBe("السعر ٤٫٥٠٠ د.ك")
    expect(await page.getByText(hidden.title.ar).count()).toBe(0)
    expect(await page.getByTestId("home-proofs").getByTestId("proof-caption").allInnerTexts()).toEqual(timeline.ar)
    expect(await loadedWidth(projects.getByRole("img", { name: well.title.ar }))).toBeGreaterThan(0)
    await page.screenshot({ path: `${results}home-ar.png`, fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it("shows the same in English, left to right, with the bar starting at the left", async () => {
    const page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(urlOf("/en"))
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    const bar = page.getByRole("progressbar", { name: `Donations to ${well.title.en}` })
    expect(await bar.getAttribute("aria-valuetext")).toBe("KWD 250.000 of KWD 1,500.000 raised")
    expect(await page.getByTestId("progress-pledged").innerText()).toBe("KWD 100.000 pledged")
    const track = (await bar.boundingBox())!
    const raised = (await bar.locator(".raised").boundingBox())!
    expect(raised.x).toBeCloseTo(track.x, 0)
    const product = page.getByTestId("home-products").getByTestId("item-card")
    expect(await text(product.getByTestId("price"))).toBe("Price KWD 4.500")
    const summary = product.getByText(book.summary.ar)
    expect([await summary.getAttribute("lang"), await summary.getAttribute("dir")]).toEqual(["ar", "rtl"])
    expect(await product.getByRole("link", { name: book.title.en }).getAttribute("lang")).toBeNull()
    await page.getByRole("link", { name: "Browse all projects and products" }).click()
    await page.waitForURL(urlOf("/en/catalog"))
    await page.close()
  })
})

describe("catalog list", () => {
  it("finds the item by Arabic words typed without diacritics, and filters by kind", async () => {
    const page = await stack.browser.newPage()
    await page.goto(urlOf("/catalog"))
    await hydrated(page)
    expect(await page.getByTestId("item-card").count()).toBe(2)
    expect(await page.getByTestId("catalog-count").innerText()).toBe("عدد النتائج: ٢")
    await page.getByLabel("ابحثوا في المشاريع والمنتجات").fill("بئر ماء")
    await page.getByRole("button", { name: "بحث" }).click()
    await page.waitForURL((url) => url.searchParams.get("q") === "بئر ماء")
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("نتائج البحث عن «بئر ماء»")
    const cards = page.getByTestId("item-card")
    expect(await cards.evaluateAll((found) => found.map((card) => card.getAttribute("data-slug")))).toEqual([well.slug])
    expect(await page.getByTestId("catalog-count").innerText()).toBe("عدد النتائج: ١")
    expect(await page.getByLabel("ابحثوا في المشاريع والمنتجات").inputValue()).toBe("بئر ماء")

    await page.goto(urlOf("/catalog?kind=product"))
    expect(await cards.evaluateAll((found) => found.map((card) => card.getAttribute("data-slug")))).toEqual([book.slug])
    await page.goto(urlOf("/catalog?category=zakat"))
    expect(await cards.evaluateAll((found) => found.map((card) => card.getAttribute("data-slug")))).toEqual([well.slug])

    await page.goto(urlOf(`/catalog?q=${encodeURIComponent("مستشفى")}`))
    expect(await page.getByTestId("catalog-empty").innerText()).toContain("لا توجد نتائج مطابقة.")
    await page.close()
  })

  it("pages with a 'more' link that carries the cursor and the filters, without repeats", async () => {
    const shop = await withOwner(urls, createTenant({ nameAr: "مكتبة الفجر", nameEn: "Al Fajr Books" }))
    const keeper = await memberOf(shop, "owner", "shop")
    const asKeeper = async (status: number, method: string, path: string, body: unknown) => {
      const response = await call(method, path, keeper, shop.slug, body)
      if (response.status !== status) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`)
      return response.json()
    }
    for (let n = 1; n <= 14; n++) {
      const created = await asKeeper(201, "POST", "/tenant/catalog", {
        kind: "product",
        slug: `book-${n}`,
        title: { ar: `كتاب ${n}`, en: `Book ${n}` },
        price: `${n}.250`
      })
      await asKeeper(200, "POST", `/tenant/catalog/${created.id}/status`, { to: "active" })
    }
    const page = await stack.browser.newPage()
    const slugs = () => page.getByTestId("item-card").evaluateAll((cards) => cards.map((card) => card.getAttribute("data-slug")!))
    await page.goto(storefrontUrl(stack.web, shop.slug, "/en/catalog?kind=product"))
    const first = await slugs()
    expect(first).toHaveLength(12)
    expect(await page.getByTestId("catalog-count").innerText()).toBe("Showing 12 results; there are more.")
    const more = page.getByTestId("catalog-more")
    const next = new URL((await more.getAttribute("href"))!, page.url())
    expect(next.pathname).toBe("/en/catalog")
    expect(next.searchParams.get("kind")).toBe("product")
    expect(next.searchParams.get("cursor")).toMatch(/^[A-Za-z0-9_-]+$/)
    await more.click()
    await page.waitForURL((url) => url.searchParams.has("cursor"))
    const second = await slugs()
    expect(second).toHaveLength(2)
    expect(new Set([...first, ...second]).size).toBe(14)
    expect(await page.getByTestId("catalog-count").innerText()).toBe("Results: 2")
    expect(await more.count()).toBe(0)
    await page.getByRole("link", { name: "Back to the first results" }).click()
    await page.waitForURL((url) => !url.searchParams.has("cursor"))
    expect(await slugs()).toEqual(first)
    await page.close()
  })
})

describe("item page", () => {
  for (const locale of ["ar", "en"] as const) {
    it(`shows the gallery and the proof timeline, newest first (${locale})`, async () => {
      const page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } })
      const problems = watchProblems(page)
      const response = await page.goto(urlOf(`${locale === "en" ? "/en" : ""}/catalog/${well.slug}`))
      expect(response?.status()).toBe(200)
      expect(await htmlAttributes(page)).toEqual(locale === "ar" ? { lang: "ar", dir: "rtl" } : { lang: "en", dir: "ltr" })
      expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe(well.title[locale])
      expect(await page.getByTestId("category").innerText()).toBe(locale === "ar" ? "زكاة" : "Zakat")
      expect(await page.getByTestId("zakat-eligible").count()).toBe(1)
      expect(await page.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("16")

      const gallery = page.getByTestId("gallery").getByRole("img")
      expect(await gallery.count()).toBe(1)
      expect(await gallery.getAttribute("alt")).toBe(locale === "ar" ? `${well.title.ar} — الصورة 1` : `${well.title.en} — photo 1`)
      expect(await gallery.getAttribute("width")).toBe("400")
      expect(await loadedWidth(gallery)).toBeGreaterThan(0)
      const cover = page.getByRole("img", { name: well.title[locale], exact: true })
      expect(await loadedWidth(cover)).toBe(600)

      expect(await captions(page)).toEqual(timeline[locale])
      expect(
        await page
          .getByTestId("proof")
          .locator("time")
          .evaluateAll((times) => times.map((time) => time.getAttribute("datetime")))
      ).toEqual(["2026-11-20", "2026-10-15", "2026-10-01"])
      const newest = page.getByTestId("proof").first()
      expect(await newest.locator("time").innerText()).toBe(locale === "ar" ? "٢٠ نوفمبر ٢٠٢٦" : "20 November 2026")
      expect(await newest.getByTestId("proof-spent").innerText()).toBe(
        locale === "ar" ? "المبلغ المصروف: ٣٠٠٫٠٠٠ د.ك" : "Amount spent: KWD 300.000"
      )
      const file = newest.getByTestId("proof-file")
      expect(await file.innerText()).toBe(locale === "ar" ? "فاتورة (ملف PDF)" : "Invoice (PDF)")
      expect(await download(page, (await file.getAttribute("href"))!)).toEqual({ status: 200, type: "application/pdf", start: "%PDF-" })
      const photo = page.getByTestId("proof").last().getByRole("img")
      expect(await loadedWidth(photo)).toBeGreaterThan(0)
      expect(await photo.locator("xpath=..").getAttribute("href")).toBe(`/api/v1/public/media/${media.photo}?size=full`)

      // The body is text: its markup shows as typed and nothing in it runs.
      const body = page
        .locator("section", { has: page.getByRole("heading", { name: locale === "ar" ? "التفاصيل" : "Details" }) })
        .locator("p")
      expect(await body.count()).toBe(2)
      expect(await body.nth(1).innerText()).toContain("<script>window.injected = true</script>")
      expect(await page.evaluate(() => (window as { injected?: boolean }).injected)).toBeUndefined()

      await page.screenshot({ path: `${results}item-${locale}.png`, fullPage: true })
      expect(problems).toEqual([])
      await page.close()
    })
  }

  it("answers a draft, or an unknown slug, with the 404 page in the visitor's language", async () => {
    const page = await stack.browser.newPage()
    for (const path of [`/catalog/${hidden.slug}`, "/catalog/no-such-thing", "/catalog/Not_A_Slug"]) {
      expect((await page.goto(urlOf(path)))?.status(), path).toBe(404)
      expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
      await page.getByRole("heading", { level: 1, name: "الصفحة غير موجودة" }).waitFor()
    }
    expect((await page.goto(urlOf(`/en/catalog/${hidden.slug}`)))?.status()).toBe(404)
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor()
    await page.close()
  })
})

describe("without JavaScript", () => {
  it("ships no script, renders every page and searches with the plain form", async () => {
    const context = await stack.browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(urlOf("/"))
    expect(await page.locator("script").count()).toBe(0)
    expect(await page.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("16")
    await page.getByRole("link", { name: "تصفّحوا كل المشاريع والمنتجات" }).click()
    await page.waitForURL(urlOf("/catalog"))
    expect(await page.locator("script").count()).toBe(0)
    await page.getByLabel("ابحثوا في المشاريع والمنتجات").fill("مصحف")
    await page.getByRole("button", { name: "بحث" }).click()
    await page.waitForURL((url) => url.searchParams.get("q") === "مصحف")
    const card = page.getByTestId("item-card")
    expect(await card.getAttribute("data-slug")).toBe(book.slug)
    expect(await text(card.getByTestId("price"))).toBe("السعر ٤٫٥٠٠ د.ك")
    await card.getByRole("link", { name: book.title.ar }).click()
    await page.waitForURL(urlOf(`/catalog/${book.slug}`))
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe(book.title.ar)
    expect(await page.locator("script").count()).toBe(0)
    await page.goto(urlOf(`/en/catalog/${well.slug}`))
    expect(await captions(page)).toEqual(timeline.en)
    await context.close()
  })
})

describe("search engines and link previews", () => {
  it("each page names its canonical address, its alternates in both languages and its Open Graph card", async () => {
    const page = await stack.browser.newPage()
    await page.goto(urlOf(`/catalog/${well.slug}`))
    const coverUrl = onHost(`/api/v1/public/media/${media.cover}?size=full`)
    expect(await head(page)).toEqual({
      title: `${well.title.ar} — ${names.ar}`,
      description: well.summary.ar,
      canonical: onHost(`/catalog/${well.slug}`),
      ar: onHost(`/catalog/${well.slug}`),
      en: onHost(`/en/catalog/${well.slug}`),
      xDefault: onHost(`/catalog/${well.slug}`),
      ogTitle: well.title.ar,
      ogDescription: well.summary.ar,
      ogUrl: onHost(`/catalog/${well.slug}`),
      // An item's card is its share picture (cover, title, progress), made for it in its language.
      ogImage: onHost(`/api/v1/public/catalog/${well.slug}/share.png?lang=ar`),
      ogLocale: "ar_KW"
    })
    // A crawler fetches the pictures from the storefront's own host.
    expect(await download(page, `/api/v1/public/media/${media.cover}?size=full`)).toMatchObject({ status: 200, type: "image/png" })
    expect(await download(page, `/api/v1/public/catalog/${well.slug}/share.png?lang=ar`)).toMatchObject({ status: 200, type: "image/png" })

    await page.goto(urlOf(`/en/catalog/${well.slug}`))
    expect(await head(page)).toMatchObject({
      title: `${well.title.en} — ${names.en}`,
      description: well.summary.en,
      canonical: onHost(`/en/catalog/${well.slug}`),
      ogLocale: "en_GB",
      ogImage: onHost(`/api/v1/public/catalog/${well.slug}/share.png?lang=en`)
    })

    await page.goto(urlOf("/en/catalog?kind=project"))
    expect(await head(page)).toMatchObject({
      title: `Projects and products — ${names.en}`,
      canonical: onHost("/en/catalog?kind=project"),
      ar: onHost("/catalog?kind=project"),
      xDefault: onHost("/catalog?kind=project")
    })
    expect(await page.locator('meta[name="robots"]').count()).toBe(0)
    await page.goto(urlOf(`/catalog?q=${encodeURIComponent("بئر")}`))
    expect(await page.locator('meta[name="robots"]').getAttribute("content")).toBe("noindex, follow")

    await page.goto(urlOf("/"))
    expect(await head(page)).toMatchObject({ canonical: onHost("/"), en: onHost("/en"), ogTitle: names.ar, ogImage: coverUrl })
    await page.close()
  })
})
