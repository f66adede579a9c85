import { describe, expect, it } from "vitest"
import {
  channelName,
  eventName,
  languageName,
  memberEventName,
  memberEvents,
  myNotificationProblem,
  notificationProblem,
  statusName
} from "../src/lib/dashboard/notifications.js"
import { formatDateTime } from "../src/lib/dashboard/format.js"

const problem = (kind: string, status: number) => ({ type: `https://manara.app/problems/${kind}`, status })

describe("notifications in the product's words", () => {
  it("names events, channels, languages and statuses in both languages", () => {
    expect(eventName("notification.test", "ar")).toBe("رسالة تجريبية")
    expect(eventName("member.invited", "en")).toBe("Team invitation")
    // An event the API adds later shows as itself until it has words.
    expect(eventName("budget.alert", "ar")).toBe("budget.alert")
    expect(channelName("telegram", "ar")).toBe("تيليجرام")
    expect(channelName("email", "en")).toBe("Email")
    expect(languageName("en", "ar")).toBe("الإنجليزية")
    expect(statusName("dead", "ar")).toBe("متوقفة")
    expect(statusName("sent", "en")).toBe("Sent")
  })

  it("names what a member can choose, and the events written for them, in both languages", () => {
    expect(memberEvents.map((event) => memberEventName(event, "ar"))).toEqual([
      "طلب جديد",
      "تبرع جديد",
      "تعهد جديد",
      "استلام دفعة",
      "قسط تعهد يحين موعده"
    ])
    expect(memberEventName("payment.received", "en")).toBe("Payment received")
    expect(eventName("staff.payment", "en")).toBe("Payment received (staff)")
    expect(eventName("telegram.linked", "ar")).toBe("ربط محادثة تيليجرام")
    expect(myNotificationProblem(problem("telegram-not-linked", 409))).toBeDefined()
    expect(myNotificationProblem(problem("preference-exists", 409))).toBeUndefined()
  })

  it("words the notifications API's own problems, and leaves the rest to the shared descriptions", () => {
    expect(notificationProblem(problem("delivery-not-dead", 409))).toBeDefined()
    expect(notificationProblem(problem("preference-exists", 409))).toBeDefined()
    expect(notificationProblem(problem("tenant-not-found", 404))).toBeUndefined()
    expect(notificationProblem(undefined)).toBeUndefined()
  })

  it("shows the log's times in Kuwait, with Arabic-Indic digits in Arabic", () => {
    const arabic = formatDateTime("2026-12-03T07:31:00Z", "ar")
    expect(arabic).toContain("١٠:٣١")
    expect(arabic).not.toMatch(/[0-9]/)
    expect(formatDateTime("2026-12-03T07:31:00Z", "en")).toContain("10:31")
  })
})
