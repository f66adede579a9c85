/**
 * autocannon for one case its CLI cannot express: every request carries the next storefront host of
 * a list, round robin across all connections, so that no two requests in flight ask for the same
 * tenant (the CLI sends one fixed header; its HAR mode starts every connection at the same entry).
 * Run in a process of its own by main.ts, like the CLI; prints the same JSON as `autocannon -j`.
 *
 * argv: <url> <file with a JSON array of hosts> <connections> <seconds>
 */
import autocannon from "autocannon"
import { readFileSync } from "node:fs"

const [url, hostsFile, connections, seconds] = process.argv.slice(2)
if (url === undefined || hostsFile === undefined || connections === undefined || seconds === undefined) {
  process.stderr.write("usage: load-hosts <url> <hosts.json> <connections> <seconds>\n")
  process.exit(2)
}
const hosts = JSON.parse(readFileSync(hostsFile, "utf8")) as ReadonlyArray<string>
let next = Math.floor(Math.random() * hosts.length)

const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      method: "GET",
      setupRequest: (request) => ({
        ...request,
        headers: { ...request.headers, "x-forwarded-host": hosts[next++ % hosts.length]! }
      })
    }
  ]
})
process.stdout.write(`${JSON.stringify(result)}\n`)
