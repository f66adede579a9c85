import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * Ports for the test's own servers (redis-server, postgres, emulators, the web server), handed out so
 * that nothing else can take one between the pick and the child's bind: a port from listen(0) is free
 * again the moment it is released, and the kernel hands the same ephemeral range to every outgoing
 * connection and every other listen(0) of a run. So the ports come from just below the ephemeral range
 * (the kernel never picks those itself), each claimed by an exclusive file under `$TMPDIR/manara-ports`
 * that every test process on the machine honours, and probed by a bind before it is given out. A claim
 * is kept for the process's life: a server stopped and resumed on its port finds it still free.
 */
const claims = join(tmpdir(), "manara-ports")

/** Below the kernel's ephemeral range (ip_local_port_range), 12,000 ports wide, never under 10000. */
const range = (): readonly [number, number] => {
  let low = 32768
  try {
    low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || low
  } catch {
    // Not Linux: the usual default.
  }
  return [Math.max(10_000, low - 12_000), low - 1]
}

/** A claim older than this whose process is gone is left over from an earlier run (longer than any CI run). */
const STALE_MS = 2 * 60 * 60 * 1000

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const claim = (port: number): boolean => {
  const file = join(claims, String(port))
  try {
    const fd = openSync(file, "wx")
    writeSync(fd, String(process.pid))
    closeSync(fd)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    // A dead process's old claim is removed for a later pick, never taken over in the same breath.
    try {
      if (Date.now() - statSync(file).mtimeMs > STALE_MS && !alive(Number(readFileSync(file, "utf8")))) unlinkSync(file)
    } catch {
      // Another process removed it first.
    }
    return false
  }
}

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)))
  })

/** A loopback port no other test process will be given and nothing listens on now: for a child to bind. */
export const freePort = async (): Promise<number> => {
  mkdirSync(claims, { recursive: true })
  const [low, high] = range()
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1))
    if (!claim(port)) continue
    if (await bindable(port)) return port
    // Someone outside the tests listens there: the claim stays, so no one tries it again.
  }
  throw new Error(`no free port in ${low}-${high} (claims in ${claims})`)
}
