/**
 * The built SvelteKit storefront (`apps/web/build`, adapter-node) in this process, rendering pages
 * from the API at API_URL: what a visitor's browser gets. adapter-node listens on import, configured
 * by PORT/HOST; the url is announced like the other servers'. BENCH_WEB_ENTRY=shell serves the SSR
 * group's baseline instead (`bench/shell`: the same shell, no data, no API).
 */
import { createServer } from "node:net"
import { pathToFileURL } from "node:url"
import { fileURLToPath } from "node:url"
import { requiredEnv, serveUntilStopped } from "./child.js"

const shell = process.env["BENCH_WEB_ENTRY"] === "shell"
// BENCH_WEB_BUILD: a copy of apps/web/build, so the web app can be rebuilt while the bench runs.
const entry = shell
  ? fileURLToPath(new URL("../shell/build/index.js", import.meta.url))
  : `${process.env["BENCH_WEB_BUILD"] ?? fileURLToPath(new URL("../../apps/web/build", import.meta.url))}/index.js`
const port = await new Promise<number>((resolve, reject) => {
  const probe = createServer().once("error", reject)
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => resolve(port))
  })
})
if (!shell) requiredEnv("API_URL")
delete process.env["ORIGIN"]
process.env["PORT"] = String(port)
process.env["HOST"] = "127.0.0.1"
// The storefront's host arrives as X-Forwarded-Host, as behind the production proxy.
process.env["HOST_HEADER"] = "x-forwarded-host"
// adapter-node stops itself on SIGTERM/SIGINT; stdin closing (the bench gone) exits as well.
await import(pathToFileURL(entry).href)
for (
  let attempt = 0;
  !(await fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false
  ));
  attempt++
) {
  if (attempt > 200) throw new Error("the web server did not answer")
  await new Promise((resolve) => setTimeout(resolve, 100))
}
serveUntilStopped(`http://127.0.0.1:${port}`, async () => {})
