import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"

const root = fileURLToPath(new URL("../../../..", import.meta.url))

interface Service {
  readonly image?: string
  readonly build?: { readonly context: string; readonly dockerfile: string }
  readonly environment?: Record<string, string>
  readonly ports?: ReadonlyArray<string>
  readonly command?: ReadonlyArray<string>
  readonly depends_on?: Record<string, { readonly condition: string }>
}
const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>
}
const services = compose.services

/** Every TypeScript and Svelte source the apps run (not tests): where a variable must be read. */
const sources = (directory: string): Array<string> =>
  readdirSync(directory).flatMap((name) => {
    const path = join(directory, name)
    if (name === "node_modules" || name === "test" || name === "build" || name.startsWith(".")) return []
    if (statSync(path).isDirectory()) return sources(path)
    return /\.(ts|js|svelte)$/.test(name) ? [readFileSync(path, "utf8")] : []
  })
const code = [...["apps", "packages"].flatMap((dir) => sources(join(root, dir))), readFileSync(join(root, "scripts/demo.sh"), "utf8")].join(
  "\n"
)

/** The container ports a service publishes. */
const containerPorts = (service: Service) => (service.ports ?? []).map((mapping) => Number(mapping.split(":").pop()))

/** The services a service waits for, through its dependencies' dependencies too. */
const waitsFor = (name: string, seen = new Set<string>()): Set<string> => {
  for (const dependency of Object.keys(services[name]?.depends_on ?? {})) {
    if (!seen.has(dependency)) waitsFor(dependency, seen.add(dependency))
  }
  return seen
}

describe("docker-compose.yml", () => {
  it("has Postgres 16, Redis 7, the three AWS emulators, and api, worker and web built from their Dockerfiles", () => {
    expect(Object.keys(services).sort()).toEqual(["api", "cognito", "install", "postgres", "redis", "s3", "ses", "setup", "web", "worker"])
    expect(services.postgres!.image).toMatch(/^postgres:16(\.|$)/)
    expect(services.redis!.image).toMatch(/^redis:7(\.|$)/)
    for (const app of ["api", "worker", "web"]) {
      expect(services[app]!.build).toEqual({ context: ".", dockerfile: `docker/${app}.Dockerfile` })
      expect(existsSync(join(root, `docker/${app}.Dockerfile`))).toBe(true)
    }
  })

  it("runs the emulators and jobs on the Dockerfiles' pinned Node image, from files that exist", () => {
    const pinned = /ARG NODE_IMAGE=(\S+)/.exec(readFileSync(join(root, "docker/api.Dockerfile"), "utf8"))![1]
    for (const name of ["install", "setup", "cognito", "s3", "ses"]) {
      expect(services[name]!.image, name).toBe(pinned)
      // Paths under /app are the repository: what they run must be there (the workspace installed).
      for (const path of (services[name]!.command ?? []).join(" ").match(/\/app\/[^\s"]+/g) ?? []) {
        expect(existsSync(join(root, path.slice("/app/".length))), path).toBe(true)
      }
    }
  })

  it("publishes each port where the service listens, and the api and web where their images expose them", () => {
    expect(containerPorts(services.postgres!)).toEqual([5432])
    expect(containerPorts(services.redis!)).toEqual([6379])
    expect(containerPorts(services.cognito!)).toEqual([Number(services.cognito!.environment!.PORT)])
    expect(containerPorts(services.s3!)).toEqual([Number(/-p (\d+)/.exec(services.s3!.command!.join(" "))![1])])
    expect(containerPorts(services.ses!)).toEqual([Number(/--port (\d+)/.exec(services.ses!.command!.join(" "))![1])])
    const exposed = (app: string) => Number(/EXPOSE (\d+)/.exec(readFileSync(join(root, `docker/${app}.Dockerfile`), "utf8"))![1])
    expect(containerPorts(services.api!)).toEqual([exposed("api")])
    expect(Number(services.api!.environment!.API_PORT)).toBe(exposed("api"))
    expect(containerPorts(services.web!)).toEqual([exposed("web")])
    expect(Number(services.web!.environment!.PORT)).toBe(exposed("web"))
  })

  it("points every URL at a service of this file, on the port it listens on", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        const url = /^(?:postgres|redis|http):\/\/(?:[^@/]+@)?([^:/]+):(\d+)/.exec(String(value))
        if (url === null || url[1] === "localhost" || url[1]!.includes("{slug}")) continue
        const [, host, port] = url
        expect(Object.keys(services), `${name}.${key} -> ${host}`).toContain(host)
        const target = services[host!]!
        const listens = host === "postgres" ? [5432] : host === "redis" ? [6379] : containerPorts(target)
        expect(listens, `${name}.${key}`).toContain(Number(port))
        // Started before whoever needs it (directly, or through a job that waited for it).
        expect([...waitsFor(name)], `${name} waits for ${host}`).toContain(host)
      }
    }
  })

  it("sets only variables the code reads, and all the API needs to reach Postgres, Redis, S3, SES and Cognito", () => {
    // Read by the images themselves, not by our code: Postgres's, and adapter-node's HOST and PORT.
    const theirs = new Set(["POSTGRES_PASSWORD", "HOST", "PORT"])
    for (const [name, service] of Object.entries(services)) {
      for (const key of Object.keys(service.environment ?? {})) {
        if (theirs.has(key)) continue
        expect(code.includes(`"${key}"`) || code.includes(`${key}=`), `${name}.${key} is read nowhere`).toBe(true)
      }
    }
    for (const key of ["DATABASE_URL", "REDIS_URL", "S3_ENDPOINT", "SES_ENDPOINT", "COGNITO_ENDPOINT", "API_HOST"]) {
      expect(Object.keys(services.api!.environment!)).toContain(key)
    }
    // The pool's ids come from setup's file; the API reads them before it starts.
    expect(services.api!.command!.join(" ")).toMatch(/\. \/state\/cognito\.env && exec node/)
    for (const key of ["DATABASE_URL", "SES_ENDPOINT"]) expect(Object.keys(services.worker!.environment!)).toContain(key)
    // One sender: the worker drains the outbox, the API does not.
    expect(services.api!.environment!.NOTIFY_DELIVERY).toBe("false")
    expect(services.worker!.environment!.NOTIFY_DELIVERY).toBeUndefined()
  })
})
