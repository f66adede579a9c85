import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process"
import { closeSync, openSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

export interface RunningEmulator {
  readonly endpoint: string
  readonly stop: () => Promise<void>
}

/**
 * Starts an emulator shipped as an npm package (`pkg`'s `script`) as a plain `node` process and waits
 * up to 15 s until `isUp(endpoint)` answers true; plain node, because their CLIs' shebangs differ.
 */
export const startEmulator = async (options: {
  readonly pkg: string
  readonly script: string
  /** A start script of ours instead of the package's `script` (an absolute path). */
  readonly entry?: string
  readonly args?: ReadonlyArray<string>
  readonly port: number
  readonly spawn?: Omit<SpawnOptions, "stdio">
  readonly isUp: (endpoint: string) => Promise<boolean>
  /** Where its standard output and error go (appended); nowhere when absent. */
  readonly logFile?: string
}): Promise<RunningEmulator> => {
  const require = createRequire(import.meta.url)
  const entry = options.entry ?? join(dirname(require.resolve(`${options.pkg}/package.json`)), options.script)
  const log = options.logFile === undefined ? "ignore" : openSync(options.logFile, "a")
  const child: ChildProcess = spawn(process.execPath, [entry, ...(options.args ?? [])], { ...options.spawn, stdio: ["ignore", log, log] })
  if (typeof log === "number") closeSync(log)
  const endpoint = `http://127.0.0.1:${options.port}`
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error(`${options.pkg} exited with ${child.exitCode}`)
    if (await options.isUp(endpoint).catch(() => false)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}
