import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"
import { freePort, kuwaitDay, onOneKuwaitDay } from "../src/index.js"

describe("freePort", () => {
  it("gives distinct ports below the kernel's ephemeral range, each claimed by this process", async () => {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number)
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()))
    expect(new Set(ports).size).toBe(ports.length)
    for (const port of ports) {
      expect(port).toBeLessThan(low!)
      expect(readFileSync(join(tmpdir(), "manara-ports", String(port)), "utf8")).toBe(String(process.pid))
    }
  })
})

describe("onOneKuwaitDay", () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it("runs a body again on the new day when Kuwait's midnight passed under a failing run", async () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(new Date("2026-03-09T20:59:59.900Z"))
    const days: Array<string> = []
    const result = await onOneKuwaitDay((day) => {
      days.push(day)
      // The fixture was made on one day; the check reads the next.
      vi.setSystemTime(Date.now() + 200)
      if (days.length === 1) expect(kuwaitDay()).toBe(day)
      return Promise.resolve(day)
    })
    expect(days).toEqual(["2026-03-09", "2026-03-10"])
    expect(result).toBe("2026-03-10")
  })

  it("lets a failure on one day stand", async () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(new Date("2026-03-09T12:00:00Z"))
    let runs = 0
    await expect(
      onOneKuwaitDay(() => {
        runs++
        return Promise.reject(new Error("a real failure"))
      })
    ).rejects.toThrow("a real failure")
    expect(runs).toBe(1)
  })
})
