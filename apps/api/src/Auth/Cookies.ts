import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { REFRESH_COOKIE, REFRESH_COOKIE_PATH } from "@manara/domain"
import { Effect } from "effect"

const LOCAL_HOST = /^(localhost|[a-z0-9.-]+\.localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/

/** Secure everywhere but on a developer's own machine (plain http on localhost). */
const isLocal = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  LOCAL_HOST.test(request.headers["x-forwarded-host"] ?? request.headers.host ?? "")
)

const setOnResponse = (
  update: (response: HttpServerResponse.HttpServerResponse, secure: boolean) => HttpServerResponse.HttpServerResponse
) => Effect.flatMap(isLocal, (local) => HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(update(response, !local))))

export const setRefreshCookie = (refreshToken: string) =>
  setOnResponse((response, secure) =>
    HttpServerResponse.unsafeSetCookie(response, REFRESH_COOKIE, refreshToken, {
      httpOnly: true,
      secure,
      sameSite: "strict",
      path: REFRESH_COOKIE_PATH,
      maxAge: "30 days"
    })
  )

export const clearRefreshCookie = setOnResponse((response, secure) =>
  HttpServerResponse.unsafeSetCookie(response, REFRESH_COOKIE, "", {
    httpOnly: true,
    secure,
    sameSite: "strict",
    path: REFRESH_COOKIE_PATH,
    maxAge: 0
  })
)

export const refreshCookie = Effect.map(HttpServerRequest.HttpServerRequest, (request) => request.cookies[REFRESH_COOKIE])

export const setHeaders = (headers: Record<string, string>) =>
  HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(HttpServerResponse.setHeaders(response, headers)))
