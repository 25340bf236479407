/**
 * Request guards of the Streamable HTTP endpoint: checks every request passes, in order, before
 * the endpoint sees it. The built-in one validates Host and Origin; authentication and
 * authorization chain after it the same way (`Options.guards`).
 *
 * DNS-rebinding protection: a page on another site must not reach a server on the user's
 * machine by pointing its own host name at 127.0.0.1. On by default for loopback servers:
 * the `Host` must be a loopback name, and an `Origin`, when present, too. Requests without
 * `Origin` (non-browser clients) pass.
 */
import * as Effect from "effect/Effect"
import * as Answer from "./Answer.js"

/** What a guard sees of a request (header names in lower case). */
export interface RequestHead {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

/** A guard's verdict: the answer refusing the request (401, 403…), or undefined to let it through. */
export type Verdict = Answer.Answer | undefined

/**
 * A check of a request. A synchronous verdict costs nothing extra; a guard that must wait
 * (verifying a token against a key set, asking a rate limiter) returns an Effect of it.
 */
export type Guard = (request: RequestHead) => Verdict | Effect.Effect<Verdict>

/** Runs guards in order; the first refusal wins. Synchronous guards stay synchronous. */
export const chain = (guards: ReadonlyArray<Guard>): Guard | undefined => {
  if (guards.length === 0) return undefined
  if (guards.length === 1) return guards[0]
  const from = (request: RequestHead, start: number): Verdict | Effect.Effect<Verdict> => {
    for (let i = start; i < guards.length; i++) {
      const verdict = guards[i]!(request)
      if (Effect.isEffect(verdict)) {
        return Effect.flatMap(verdict, (refusal) => {
          if (refusal !== undefined) return Effect.succeed(refusal)
          const rest = from(request, i + 1)
          return Effect.isEffect(rest) ? rest : Effect.succeed(rest)
        })
      }
      if (verdict !== undefined) return verdict
    }
    return undefined
  }
  return (request) => from(request, 0)
}

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

const single = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" || value === undefined ? value : value[0]

/** The `Host`/`Origin` guard: a refused request gets 403 and a JSON-RPC error. */
export const hostGuard = (policy: HostPolicy, loopback: boolean): Guard => {
  const check = hostCheck(policy, loopback)
  return (request) => {
    const refusal = check(single(request.headers.host), single(request.headers.origin))
    return refusal === undefined ? undefined : Answer.forbidden(refusal)
  }
}
