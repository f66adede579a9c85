import { createServer, type Server, type Socket, connect } from "node:net"

/**
 * A loopback TCP proxy in front of Postgres, so a test can cut the database away from a running
 * server (health must turn 503) and later restore it.
 */
export class PgProxy {
  private readonly sockets = new Set<Socket>()
  private accepting = true
  private cutAt: number | undefined
  /** Statements executed through the proxy: simple queries ('Q') and extended-protocol binds ('B'). */
  statements = 0
  private constructor(
    private readonly server: Server,
    readonly port: number
  ) {}

  static async start(target = { host: "127.0.0.1", port: 5432 }): Promise<PgProxy> {
    let proxy: PgProxy | undefined
    const server = createServer((client) => {
      if (!proxy!.accepting) return client.destroy()
      const upstream = connect(target.port, target.host)
      for (const socket of [client, upstream]) {
        proxy!.sockets.add(socket)
        socket.on("close", () => proxy!.sockets.delete(socket))
        socket.on("error", () => {})
      }
      client.on(
        "data",
        countStatements((n) => {
          proxy!.statements += n
          if (proxy!.cutAt !== undefined && proxy!.statements >= proxy!.cutAt) {
            proxy!.cutAt = undefined
            for (const socket of proxy!.sockets) socket.destroy()
          }
        })
      )
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    if (address === null || typeof address === "string") throw new Error("proxy has no port")
    proxy = new PgProxy(server, address.port)
    return proxy
  }

  /** Runs `action` and returns how many SQL statements reached Postgres meanwhile. */
  async statementsDuring(action: () => Promise<unknown>): Promise<number> {
    const before = this.statements
    await action()
    return this.statements - before
  }

  /** Closes every open connection and refuses new ones. */
  cut(): void {
    this.accepting = false
    for (const socket of this.sockets) socket.destroy()
  }

  /** Drops every open connection once `n` more statements have passed (new ones are still let in). */
  cutAfter(n: number): void {
    this.cutAt = this.statements + n
  }

  restore(): void {
    this.accepting = true
  }

  url(databaseUrl: string): string {
    const parsed = new URL(databaseUrl)
    parsed.port = String(this.port)
    return parsed.toString()
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** Reads the frontend side of the wire protocol: the startup message, then typed messages. */
const countStatements = (onStatements: (n: number) => void) => {
  let buffered = Buffer.alloc(0)
  let startedUp = false
  return (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    let statements = 0
    for (;;) {
      if (!startedUp) {
        if (buffered.length < 4) break
        const length = buffered.readInt32BE(0)
        if (buffered.length < length) break
        buffered = buffered.subarray(length)
        startedUp = true
        continue
      }
      if (buffered.length < 5) break
      const type = String.fromCharCode(buffered[0]!)
      const length = buffered.readInt32BE(1)
      if (buffered.length < 1 + length) break
      if (type === "Q" || type === "B") statements++
      buffered = buffered.subarray(1 + length)
    }
    if (statements > 0) onStatements(statements)
  }
}
