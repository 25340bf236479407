/**
 * Request guards of the Streamable HTTP endpoint, as `HttpMiddleware`s applied before the
 * endpoint, so that others (authentication, authorization) chain after them the same way.
 *
 * DNS-rebinding protection: a page on another site must not reach a server on the user's
 * machine by pointing its own host name at 127.0.0.1. On by default for loopback servers:
 * the `Host` must be a loopback name, and an `Origin`, when present, too. Requests without
 * `Origin` (non-browser clients) pass.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as Effect from "effect/Effect"
import * as Responses from "./Responses.js"

/** Which `Host` and `Origin` values are accepted. */
export interface HostPolicy {
  /**
   * Host names (any port) or `host:port` values accepted in `Host`. Default for loopback
   * servers: `localhost`, `127.0.0.1` and `[::1]`; otherwise any host.
   */
  readonly allowedHosts?: ReadonlyArray<string>
  /**
   * Origins (`scheme://host[:port]`) or host names (any scheme and port) accepted in `Origin`.
   * Default for loopback servers: the loopback names; otherwise an `Origin` must name the same
   * host as `Host` (no cross-site browser requests).
   */
  readonly allowedOrigins?: ReadonlyArray<string>
}

const loopbackNames = ["localhost", "127.0.0.1", "[::1]"]

/** Whether a listening address is a loopback one (the guard is on by default there). */
export const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.")

/** `host` without its port, lower case (`[::1]:3000` → `[::1]`). */
export const hostName = (host: string): string => {
  const lower = host.toLowerCase()
  if (lower.startsWith("[")) {
    const end = lower.indexOf("]")
    return end === -1 ? lower : lower.slice(0, end + 1)
  }
  const colon = lower.lastIndexOf(":")
  return colon === -1 ? lower : lower.slice(0, colon)
}

/** The host name of an origin (`http://localhost:3000` → `localhost`), or undefined when unreadable. */
const originHost = (origin: string): string | undefined => {
  const start = origin.indexOf("://")
  if (start === -1) return undefined
  const rest = origin.slice(start + 3)
  const slash = rest.indexOf("/")
  return hostName(slash === -1 ? rest : rest.slice(0, slash))
}

/**
 * Decides, from the `Host` and `Origin` headers, whether a request passes: returns the reason
 * to refuse it, or undefined. Built once; a request costs a few string operations.
 */
export const hostCheck = (policy: HostPolicy, loopback: boolean): ((host: string | undefined, origin: string | undefined) => string | undefined) => {
  const hosts = policy.allowedHosts ?? (loopback ? loopbackNames : undefined)
  const hostSet = hosts === undefined ? undefined : new Set(hosts.map((h) => h.toLowerCase()))
  const origins = policy.allowedOrigins ?? (loopback ? loopbackNames : undefined)
  const originSet = origins === undefined ? undefined : new Set(origins.map((o) => o.toLowerCase()))
  return (host, origin) => {
    if (hostSet !== undefined) {
      if (host === undefined) return "Missing Host header"
      const lower = host.toLowerCase()
      if (!hostSet.has(lower) && !hostSet.has(hostName(lower))) return `Invalid Host: ${host}`
    }
    if (origin === undefined) return undefined
    const lower = origin.toLowerCase()
    const name = originHost(lower)
    if (originSet !== undefined) {
      if (originSet.has(lower) || (name !== undefined && originSet.has(name))) return undefined
      return `Invalid Origin: ${origin}`
    }
    return name !== undefined && host !== undefined && name === hostName(host) ? undefined : `Invalid Origin: ${origin}`
  }
}

/** The `Host`/`Origin` guard as a middleware: a refused request gets 403 and a JSON-RPC error. */
export const hostGuard = (policy: HostPolicy, loopback: boolean): HttpMiddleware.HttpMiddleware => {
  const check = hostCheck(policy, loopback)
  return (app) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const refusal = check(request.headers.host, request.headers.origin)
      return refusal === undefined ? app : Effect.succeed(Responses.forbidden(refusal))
    })
}
