import { env } from "$env/dynamic/private"
import { connectRedis, isClusterFlag, type RedisConnection } from "@manara/db/redis-connection"
import type { Cookies } from "@sveltejs/kit"
import { createHash, randomBytes } from "node:crypto"

/**
 * The browser's only hold on a session: a random id, in a `__Host-` cookie (Secure, Path=/, no Domain:
 * this host only, never a sibling tenant's). Chromium and Firefox take a Secure cookie from plain-http
 * `localhost`, `*.localhost` and 127.0.0.1 (they are secure contexts), so the one name works in dev and tests too.
 */
export const SESSION_COOKIE = "__Host-manara_session"

/** Idle lifetime: each request that finds the session extends it; the refresh token outlives it (30 days). */
const IDLE_SECONDS = 12 * 60 * 60

/** What the web server keeps for one browser; none of it is ever rendered or sent to the browser. */
export interface SessionData {
  readonly email: string
  /** Password accepted, authenticator code still due: Cognito's challenge session. */
  readonly challenge?: string
  readonly accessToken?: string
  /** The `manara_refresh` cookie value the API set, kept here instead of in the browser. */
  readonly refreshToken?: string
  /** When the access token expires (ms since the epoch). */
  readonly expiresAt?: number
  /** An authenticator being set up: the same secret across reloads until it is verified. */
  readonly mfaSetup?: { readonly secret: string; readonly otpauthUri: string }
  /**
   * Password accepted, MFA required and none set up yet: Cognito's MFA_SETUP challenge session, then (once begun)
   * the authenticator's secret with the session to confirm it, kept so a reload shows the same secret.
   */
  readonly setupChallenge?: { readonly session: string; readonly secret?: string; readonly otpauthUri?: string }
}

export interface Session {
  readonly id: string
  readonly data: SessionData
}

let redis: RedisConnection | undefined
const client = () => {
  if (redis === undefined) {
    // The API's configuration: `REDIS_URL`, and `REDIS_CLUSTER=true` when it is a Redis Cluster's seed.
    redis = connectRedis(
      { url: env.REDIS_URL || "redis://127.0.0.1:6379", cluster: isClusterFlag(env.REDIS_CLUSTER) },
      { maxRetriesPerRequest: 2 }
    )
    // adapter-node says so once it stopped taking requests: an open connection must not keep the process alive.
    process.once("sveltekit:shutdown", () => void redis?.quit())
  }
  return redis
}

/** The one Redis connection of the web server (sessions, the visit salt). */
export const sharedRedis = () => client()

/** Keyed by the id's SHA-256: a leaked Redis dump names no live cookie. */
const keyOf = (id: string) => `${env.REDIS_KEY_PREFIX ?? "manara:"}web-session:${createHash("sha256").update(id).digest("base64url")}`

const ID = /^[A-Za-z0-9_-]{43}$/

export const readSession = async (cookies: Cookies): Promise<Session | undefined> => {
  const id = cookies.get(SESSION_COOKIE)
  if (id === undefined || !ID.test(id)) return undefined
  const stored = await client().getex(keyOf(id), "EX", IDLE_SECONDS)
  if (stored === null) return undefined
  return { id, data: JSON.parse(stored) as SessionData }
}

const cookieOptions = { path: "/", httpOnly: true, secure: true, sameSite: "lax", maxAge: IDLE_SECONDS } as const

/** A new id for every sign-in step that raises what the session may do (no fixation). */
export const startSession = async (cookies: Cookies, data: SessionData, previous?: Session): Promise<Session> => {
  if (previous !== undefined) await client().del(keyOf(previous.id))
  const id = randomBytes(32).toString("base64url")
  await client().set(keyOf(id), JSON.stringify(data), "EX", IDLE_SECONDS)
  cookies.set(SESSION_COOKIE, id, cookieOptions)
  return { id, data }
}

export const saveSession = async (session: Session, data: SessionData): Promise<Session> => {
  await client().set(keyOf(session.id), JSON.stringify(data), "EX", IDLE_SECONDS)
  return { id: session.id, data }
}

export const endSession = async (cookies: Cookies, session: Session | undefined): Promise<void> => {
  if (session !== undefined) await client().del(keyOf(session.id))
  cookies.delete(SESSION_COOKIE, { path: "/", secure: true })
}

/** Whether the session is signed in (not only halfway, at the code step). */
export const isSignedIn = (session: Session | undefined): session is Session & { data: { accessToken: string } } =>
  session?.data.accessToken !== undefined
