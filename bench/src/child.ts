/**
 * What both servers under test share: announce the url on stdout as `BENCH_URL <url>` (the one line
 * the bench reads), and stop on SIGTERM/SIGINT or when the bench's end of stdin closes, so a server
 * never outlives a bench that died without cleaning up.
 */
export const serveUntilStopped = (url: string, close: () => Promise<void>): void => {
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    const timer = setTimeout(() => process.exit(1), 5_000)
    timer.unref()
    close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGTERM", stop)
  process.once("SIGINT", stop)
  process.stdin.on("end", stop)
  process.stdin.on("close", stop)
  process.stdin.resume()
  process.stdout.write(`BENCH_URL ${url}\n`)
}

export const requiredEnv = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === "") {
    process.stderr.write(`${name} is not set\n`)
    process.exit(2)
  }
  return value
}
