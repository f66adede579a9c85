/**
 * The words of every notification, Arabic first and English after it in each message; the subject is
 * in the recipient's language. Pure functions: whatever came from a donor (names, notes) is escaped
 * here, for HTML and for Telegram's HTML parse mode alike.
 */
import { formatCount, formatKwdText, localDigits } from "@manara/domain/numbers"

export type Locale = "ar" | "en"

export interface Bilingual {
  readonly ar: string
  readonly en: string
}

/** What a message shows of its tenant. */
export interface Letterhead {
  readonly slug: string
  readonly name: Bilingual
  readonly primaryColour: string
  readonly accentColour: string
}

/** The events that have words; any other event is refused as permanent (a row nobody can word). */
export const EVENTS = [
  "capture.created",
  "capture.receipt",
  "payment.received",
  "member.invited",
  "pledge.due",
  "notification.test",
  "telegram.linked",
  "staff.payment",
  "staff.pledge_due",
  "ai.budget",
  "assistant.handoff",
  "assistant.reply"
] as const
export type NotificationEvent = (typeof EVENTS)[number]
export const isNotificationEvent = (event: string): event is NotificationEvent => (EVENTS as ReadonlyArray<string>).includes(event)

export interface MessageInput {
  readonly event: NotificationEvent
  readonly locale: Locale
  readonly letterhead: Letterhead
  /** The outbox row's payload: kind, reference, amount, name, dueDate, role ... as written. */
  readonly payload: Readonly<Record<string, unknown>>
  readonly project?: Bilingual | undefined
  readonly links: {
    readonly receipt?: string | undefined
    readonly receiptPdf?: string | undefined
    readonly dashboard?: string | undefined
    readonly accept?: string | undefined
  }
}

export interface Email {
  readonly subject: string
  readonly text: string
  readonly html: string
}

export interface Message {
  readonly email: Email
  /** For Telegram's `parse_mode: "HTML"`: short, escaped. */
  readonly telegram: string
}

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const HEX = /^#[0-9a-fA-F]{6}$/
/** A colour goes into a style attribute: anything but #rrggbb falls back to the platform's. */
const colour = (value: string, fallback: string) => (HEX.test(value) ? value : fallback)

const KIND: Record<string, Bilingual> = {
  order: { ar: "طلب", en: "order" },
  donation: { ar: "تبرع", en: "donation" },
  pledge: { ar: "تعهد", en: "pledge" }
}
const ROLE: Record<string, Bilingual> = {
  owner: { ar: "مالك", en: "owner" },
  admin: { ar: "مشرف", en: "admin" },
  member: { ar: "عضو", en: "member" }
}

const text = (value: unknown): string => (typeof value === "string" ? value : typeof value === "number" ? String(value) : "")
/** A line of donor text stays one line: a name cannot add lines or hide in a long run. */
const oneLine = (value: unknown, max = 120): string => {
  const line = text(value)
    .replace(/[\r\n\t]+/g, " ")
    .trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

interface Line {
  readonly label: Bilingual
  readonly value: Bilingual | string
}

interface Wording {
  readonly subject: Bilingual
  readonly greeting: Bilingual
  readonly lines: ReadonlyArray<Line>
  readonly link?: { readonly label: Bilingual; readonly href: string } | undefined
  readonly extraLinks?: ReadonlyArray<{ readonly label: Bilingual; readonly href: string }>
  /** The short Telegram form: one line per language. */
  readonly short: Bilingual
}

// Exact from the payload's decimal string: separators, three decimals, Arabic-Indic digits in Arabic.
const amountOf = (payload: MessageInput["payload"]): Bilingual => {
  const amount = oneLine(payload.amount, 20)
  return { ar: formatKwdText(amount, "ar"), en: formatKwdText(amount, "en") }
}

/** A due date ("2026-12-01") with the digits of each language. */
const dueDateOf = (payload: MessageInput["payload"]): Bilingual => {
  const date = oneLine(payload.dueDate, 10)
  return { ar: localDigits(date, "ar"), en: date }
}

const wording = (input: MessageInput): Wording => {
  const { payload, letterhead } = input
  const kind = KIND[text(payload.kind)] ?? { ar: "", en: "" }
  const reference = oneLine(payload.reference, 40)
  const name = oneLine(payload.name)
  const amount = amountOf(payload)
  const project = input.project
  const about: Array<Line> = [
    { label: { ar: "الرقم المرجعي", en: "Reference" }, value: reference },
    { label: { ar: "المبلغ", en: "Amount" }, value: amount },
    ...(project === undefined ? [] : [{ label: { ar: "المشروع", en: "Project" }, value: project }])
  ]
  switch (input.event) {
    case "capture.created":
      return {
        subject: { ar: `${kind.ar} جديد ${reference} — ${amount.ar}`, en: `New ${kind.en} ${reference} — ${amount.en}` },
        greeting: { ar: `وصل ${kind.ar} جديد إلى ${letterhead.name.ar}.`, en: `A new ${kind.en} reached ${letterhead.name.en}.` },
        lines: [...about, ...(name === "" ? [] : [{ label: { ar: "الاسم", en: "Name" }, value: name }])],
        link:
          input.links.dashboard === undefined
            ? undefined
            : { label: { ar: "افتحه في لوحة التحكم", en: "Open it in the dashboard" }, href: input.links.dashboard },
        short: {
          ar: `${kind.ar} جديد ${reference}: ${amount.ar}${project === undefined ? "" : ` — ${project.ar}`}${name === "" ? "" : ` — ${name}`}`,
          en: `New ${kind.en} ${reference}: ${amount.en}${project === undefined ? "" : ` — ${project.en}`}`
        }
      }
    case "capture.receipt":
      return {
        subject: { ar: `شكرًا لك — ${kind.ar} ${reference}`, en: `Thank you — ${kind.en} ${reference}` },
        greeting: {
          ar: `${name === "" ? "شكرًا لك" : `شكرًا لك يا ${name}`}، وصلنا ${kind.ar}ك إلى ${letterhead.name.ar}.`,
          en: `${name === "" ? "Thank you" : `Thank you, ${name}`}: ${letterhead.name.en} has your ${kind.en}.`
        },
        lines: [
          ...about,
          ...(payload.dueDate === undefined ? [] : [{ label: { ar: "تاريخ الاستحقاق", en: "Due date" }, value: dueDateOf(payload) }])
        ],
        link: input.links.receipt === undefined ? undefined : { label: { ar: "الإيصال", en: "Your receipt" }, href: input.links.receipt },
        extraLinks:
          input.links.receiptPdf === undefined
            ? []
            : [{ label: { ar: "الإيصال (PDF)", en: "Receipt (PDF)" }, href: input.links.receiptPdf }],
        short: { ar: `شكرًا لك: ${kind.ar} ${reference} بمبلغ ${amount.ar}`, en: `Thank you: ${kind.en} ${reference}, ${amount.en}` }
      }
    case "payment.received":
      return {
        subject: { ar: `استلمنا دفعتك — ${reference}`, en: `Payment received — ${reference}` },
        greeting: {
          ar: `استلمت ${letterhead.name.ar} دفعتك، وهذا إيصالك النهائي.`,
          en: `${letterhead.name.en} received your payment; this is your final receipt.`
        },
        lines: about,
        link:
          input.links.receipt === undefined
            ? undefined
            : { label: { ar: "الإيصال النهائي", en: "Final receipt" }, href: input.links.receipt },
        extraLinks:
          input.links.receiptPdf === undefined
            ? []
            : [{ label: { ar: "الإيصال (PDF)", en: "Receipt (PDF)" }, href: input.links.receiptPdf }],
        short: { ar: `استلمنا دفعتك ${reference}: ${amount.ar}`, en: `Payment received ${reference}: ${amount.en}` }
      }
    case "pledge.due":
      return {
        subject: { ar: `تذكير بموعد تعهدك ${reference}`, en: `Your pledge ${reference} is due` },
        greeting: {
          ar: `${name === "" ? "" : `${name}، `}نذكّرك بموعد تعهدك لـ${letterhead.name.ar}.`,
          en: `${name === "" ? "" : `${name}, `}a reminder that your pledge to ${letterhead.name.en} is due.`
        },
        lines: [
          ...about,
          { label: { ar: "تاريخ الاستحقاق", en: "Due date" }, value: dueDateOf(payload) },
          ...(Number(payload.instalments) > 1
            ? [
                {
                  label: { ar: "القسط", en: "Instalment" },
                  value: `${oneLine(payload.instalment, 3)} / ${oneLine(payload.instalments, 3)}`
                }
              ]
            : [])
        ],
        link:
          input.links.receipt === undefined ? undefined : { label: { ar: "تفاصيل التعهد", en: "Your pledge" }, href: input.links.receipt },
        short: {
          ar: `تذكير: تعهدك ${reference} يستحق في ${dueDateOf(payload).ar}`,
          en: `Reminder: pledge ${reference} is due ${oneLine(payload.dueDate, 10)}`
        }
      }
    case "member.invited": {
      const role = ROLE[text(payload.role)] ?? { ar: text(payload.role), en: text(payload.role) }
      return {
        subject: { ar: `دعوة للانضمام إلى ${letterhead.name.ar}`, en: `An invitation to join ${letterhead.name.en}` },
        greeting: {
          ar: `دُعيت للانضمام إلى فريق ${letterhead.name.ar} في منارة بصفة ${role.ar}.`,
          en: `You are invited to join ${letterhead.name.en}'s team on Manara as ${role.en}.`
        },
        lines: [{ label: { ar: "صالحة حتى", en: "Valid until" }, value: oneLine(payload.expiresAt, 30) }],
        link:
          input.links.accept === undefined
            ? undefined
            : { label: { ar: "اقبل الدعوة", en: "Accept the invitation" }, href: input.links.accept },
        short: { ar: `دعوة للانضمام إلى ${letterhead.name.ar}`, en: `An invitation to join ${letterhead.name.en}` }
      }
    }
    case "ai.budget": {
      // Arabic text carries Arabic-Indic digits.
      const ar = (latin: string) => localDigits(latin, "ar")
      // Token counts with thousands separators; anything not a plain count is shown as written.
      const tokens = (value: unknown, locale: Locale) => {
        const line = oneLine(value, 20)
        return /^[0-9]+$/.test(line) ? formatCount(BigInt(line), locale) : locale === "ar" ? ar(line) : line
      }
      const threshold = oneLine(payload.threshold, 3)
      const full = threshold === "100"
      const used = {
        ar: `${tokens(payload.usedTokens, "ar")} من ${tokens(payload.tokenBudget, "ar")} رمز`,
        en: `${tokens(payload.usedTokens, "en")} of ${tokens(payload.tokenBudget, "en")} tokens`
      }
      return {
        subject: full
          ? {
              ar: `نفدت ميزانية الذكاء الاصطناعي لشهر ${ar(oneLine(payload.month, 7))}`,
              en: `The AI budget for ${oneLine(payload.month, 7)} is spent`
            }
          : {
              ar: `بلغ استخدام الذكاء الاصطناعي ${ar(threshold)}٪ من ميزانية الشهر`,
              en: `AI usage has reached ${threshold}% of the month's budget`
            },
        greeting: full
          ? {
              ar: `استُهلكت ميزانية ${letterhead.name.ar} الشهرية للذكاء الاصطناعي؛ تُرفض الأسئلة الجديدة حتى بداية الشهر القادم.`,
              en: `The monthly AI budget of ${letterhead.name.en} is spent; new questions are refused until next month begins.`
            }
          : {
              ar: `استهلك ${letterhead.name.ar} ${ar(threshold)}٪ من ميزانية الذكاء الاصطناعي لهذا الشهر.`,
              en: `The AI usage of ${letterhead.name.en} has reached ${threshold}% of this month's budget.`
            },
        lines: [{ label: { ar: "المستخدم", en: "Used" }, value: used }],
        short: full
          ? { ar: `نفدت ميزانية الذكاء الاصطناعي لـ ${letterhead.name.ar}`, en: `${letterhead.name.en}: AI budget spent` }
          : {
              ar: `${letterhead.name.ar}: استُهلك ${ar(threshold)}٪ من ميزانية الذكاء الاصطناعي`,
              en: `${letterhead.name.en}: ${threshold}% of the AI budget used`
            }
      }
    }
    case "assistant.handoff": {
      const reason = text(payload.reason)
      const why: Bilingual =
        reason === "asked"
          ? { ar: "طلب الزائر التحدث مع موظف", en: "The visitor asked for a person" }
          : reason === "turn-cap"
            ? { ar: "بلغت المحادثة حدها من الأسئلة", en: "The conversation reached its question limit" }
            : reason === "guardrail"
              ? { ar: "لم يستطع المساعد التأكد من إجابته", en: "The assistant could not confirm its answer" }
              : { ar: "لم يجد المساعد إجابة فيما نُشر", en: "The assistant found no answer in what is published" }
      return {
        subject: { ar: `زائر ينتظر ردكم في ${letterhead.name.ar}`, en: `A visitor is waiting for a reply at ${letterhead.name.en}` },
        greeting: {
          ar: `أحال المساعد محادثة إلى فريق ${letterhead.name.ar}: ${why.ar}.`,
          en: `The assistant passed a conversation to the ${letterhead.name.en} team: ${why.en}.`
        },
        lines: [{ label: { ar: "رسالة الزائر", en: "The visitor wrote" }, value: oneLine(payload.preview, 300) }],
        link:
          input.links.dashboard === undefined
            ? undefined
            : { label: { ar: "افتح المحادثة في لوحة التحكم", en: "Open the conversation in the dashboard" }, href: input.links.dashboard },
        short: {
          ar: `زائر ينتظر ردكم (${why.ar}): ${oneLine(payload.preview, 120)}`,
          en: `A visitor is waiting (${why.en.toLowerCase()}): ${oneLine(payload.preview, 120)}`
        }
      }
    }
    case "assistant.reply":
      return {
        subject: { ar: `رد من ${letterhead.name.ar} على سؤالك`, en: `${letterhead.name.en} replied to your question` },
        greeting: {
          ar: `ردّ فريق ${letterhead.name.ar} على محادثتك مع المساعد:`,
          en: `The ${letterhead.name.en} team replied to your conversation with the assistant:`
        },
        lines: [{ label: { ar: "الرد", en: "Reply" }, value: oneLine(payload.body, 2000) }],
        short: { ar: `رد من ${letterhead.name.ar}: ${oneLine(payload.body, 200)}`, en: `Reply from ${letterhead.name.en}: ${oneLine(payload.body, 200)}` }
      }
    case "notification.test":
      return {
        subject: { ar: `رسالة تجريبية من ${letterhead.name.ar}`, en: `A test message from ${letterhead.name.en}` },
        greeting: { ar: "وصلت الرسالة التجريبية: الإشعارات تعمل.", en: "The test message arrived: notifications work." },
        lines: [],
        short: {
          ar: `رسالة تجريبية من ${letterhead.name.ar}: الإشعارات تعمل.`,
          en: `Test message from ${letterhead.name.en}: notifications work.`
        }
      }
    case "staff.payment":
      return {
        subject: {
          ar: `استُلمت دفعة ${kind.ar} ${reference} — ${amount.ar}`,
          en: `Payment received for ${kind.en} ${reference} — ${amount.en}`
        },
        greeting: {
          ar: `سُجّل استلام دفعة ${kind.ar} في ${letterhead.name.ar}.`,
          en: `A payment for a ${kind.en} was marked received at ${letterhead.name.en}.`
        },
        lines: [...about, ...(name === "" ? [] : [{ label: { ar: "الاسم", en: "Name" }, value: name }])],
        link:
          input.links.dashboard === undefined
            ? undefined
            : { label: { ar: "افتحه في لوحة التحكم", en: "Open it in the dashboard" }, href: input.links.dashboard },
        short: { ar: `استُلمت دفعة ${kind.ar} ${reference}: ${amount.ar}`, en: `Payment received: ${kind.en} ${reference}, ${amount.en}` }
      }
    case "staff.pledge_due":
      return {
        subject: {
          ar: `قسط تعهد ${reference} يستحق في ${dueDateOf(payload).ar}`,
          en: `Pledge ${reference} instalment due ${oneLine(payload.dueDate, 10)}`
        },
        greeting: {
          ar: `يستحق قسط تعهد لـ${letterhead.name.ar} قريبًا.`,
          en: `A pledge instalment to ${letterhead.name.en} falls due soon.`
        },
        lines: [
          ...about,
          { label: { ar: "تاريخ الاستحقاق", en: "Due date" }, value: dueDateOf(payload) },
          ...(name === "" ? [] : [{ label: { ar: "الاسم", en: "Name" }, value: name }])
        ],
        link:
          input.links.dashboard === undefined
            ? undefined
            : { label: { ar: "افتحه في لوحة التحكم", en: "Open it in the dashboard" }, href: input.links.dashboard },
        short: {
          ar: `قسط تعهد ${reference} يستحق في ${dueDateOf(payload).ar}: ${amount.ar}`,
          en: `Pledge ${reference} instalment due ${oneLine(payload.dueDate, 10)}: ${amount.en}`
        }
      }
    case "telegram.linked":
      return {
        subject: { ar: `رُبطت محادثة تيليجرام بـ${letterhead.name.ar}`, en: `Telegram chat linked to ${letterhead.name.en}` },
        greeting: {
          ar: "رُبطت هذه المحادثة بحسابك، وستصلك هنا الإشعارات التي تختارها.",
          en: "Your account is now linked to this chat; the notifications you choose arrive here."
        },
        lines: [],
        short: {
          ar: `رُبطت هذه المحادثة بحسابك في ${letterhead.name.ar}.`,
          en: `This chat is linked to your account at ${letterhead.name.en}.`
        }
      }
  }
}

const valueIn = (value: Line["value"], locale: Locale) => (typeof value === "string" ? value : value[locale])

const plainSection = (w: Wording, locale: Locale) =>
  [
    w.greeting[locale],
    "",
    ...w.lines.map((line) => `${line.label[locale]}: ${valueIn(line.value, locale)}`),
    ...(w.link === undefined ? [] : ["", `${w.link.label[locale]}: ${w.link.href}`]),
    ...(w.extraLinks ?? []).map((link) => `${link.label[locale]}: ${link.href}`)
  ].join("\n")

const htmlSection = (w: Wording, locale: Locale, accent: string) => {
  const dir = locale === "ar" ? "rtl" : "ltr"
  const align = locale === "ar" ? "right" : "left"
  const rows = w.lines
    .map(
      (line) =>
        `<tr><td style="padding:4px 0;color:#555">${escapeHtml(line.label[locale])}</td>` +
        `<td style="padding:4px 12px"><bdi>${escapeHtml(valueIn(line.value, locale))}</bdi></td></tr>`
    )
    .join("")
  const links = [...(w.link === undefined ? [] : [w.link]), ...(w.extraLinks ?? [])]
    .map((link) => `<p><a href="${escapeHtml(link.href)}" style="color:${accent}">${escapeHtml(link.label[locale])}</a></p>`)
    .join("")
  return (
    `<div lang="${locale}" dir="${dir}" style="text-align:${align};margin:16px 0">` +
    `<p>${escapeHtml(w.greeting[locale])}</p>` +
    (rows === "" ? "" : `<table role="presentation" dir="${dir}">${rows}</table>`) +
    links +
    `</div>`
  )
}

/** One notification, in both languages (Arabic first), as email and as a Telegram message. */
export const render = (input: MessageInput): Message => {
  const w = wording(input)
  const primary = colour(input.letterhead.primaryColour, "#0f5e4d")
  const accent = colour(input.letterhead.accentColour, "#c8a24a")
  const name = input.letterhead.name
  const subject = w.subject[input.locale]
  const html =
    `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;font-family:Tahoma,Arial,sans-serif">` +
    `<div style="background:${primary};color:#fff;padding:12px 16px"><strong>${escapeHtml(name.ar)}</strong>` +
    `<span dir="ltr" style="float:left">${escapeHtml(name.en)}</span></div>` +
    `<div style="padding:0 16px">${htmlSection(w, "ar", accent)}<hr style="border:0;border-top:1px solid ${accent}">${htmlSection(w, "en", accent)}</div>` +
    `</body></html>`
  const text = `${name.ar} | ${name.en}\n\n${plainSection(w, "ar")}\n\n— — —\n\n${plainSection(w, "en")}\n`
  const link =
    w.link === undefined ? "" : `\n<a href="${escapeHtml(w.link.href)}">${escapeHtml(w.link.label.ar)} | ${escapeHtml(w.link.label.en)}</a>`
  const telegram = `<b>${escapeHtml(name.ar)}</b>\n${escapeHtml(w.short.ar)}\n${escapeHtml(w.short.en)}${link}`
  return { email: { subject, text, html }, telegram }
}
