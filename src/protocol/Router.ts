/**
 * The Router: a table of method → handler, with the decoder of each method's params compiled
 * once, and a priority class per route.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import type { McpError } from "./errors.js"
import type { RequestContext } from "./RequestContext.js"

/**
 * - `immediate`: never waits behind queued work and does not count against the connection's
 *   concurrency limit (ping, initialize).
 * - `queued`: served under the per-connection concurrency limit.
 * - `stream`: a request that lasts until it is cancelled (`subscriptions/listen`): like
 *   `immediate`, and when the peer closes it is ended rather than waited for.
 */
export type Priority = "immediate" | "queued" | "stream"

/** A handler of one method. Requests answer with the handler's value; notifications don't. */
export interface Route<P = unknown, R = never> {
  readonly method: string
  readonly kind: "request" | "notification"
  readonly decode: (params: unknown) => Either.Either<P, ParseResult.ParseIssue>
  readonly handler: (params: P) => Effect.Effect<unknown, McpError, RequestContext | R>
  readonly priority: Priority
  /** Whether the route is served before the connection is initialized. */
  readonly beforeInitialize: boolean
  /** Services made afresh for each request and put in its context with `RequestContext`. */
  readonly perRequest: ReadonlyArray<PerRequest> | undefined
}

/**
 * A service made for each request of a route, in the same step as the request's context (no
 * second copy of it): how the tool pipeline hands a `tools/call` its per-call Scope.
 */
export interface PerRequest {
  readonly tag: Context.Tag<any, any>
  readonly make: () => unknown
}

/** Options of a route. */
export interface RouteOptions {
  readonly priority?: Priority
  readonly beforeInitialize?: boolean
  readonly perRequest?: ReadonlyArray<PerRequest>
}

const compile = <P, I>(schema: Schema.Schema<P, I, never>) => ParseResult.decodeUnknownEither(schema, { errors: "all" })

/** A request route: the handler's success value is the response's `result`. */
export const request = <P, I, R = never>(
  method: string,
  params: Schema.Schema<P, I, never>,
  handler: (params: P) => Effect.Effect<unknown, McpError, RequestContext | R>,
  options: RouteOptions = {}
): Route<P, R> => ({
  method,
  kind: "request",
  decode: compile(params),
  handler,
  priority: options.priority ?? "queued",
  beforeInitialize: options.beforeInitialize ?? false,
  perRequest: options.perRequest
})

/** A notification route: the handler runs, nothing is answered. */
export const notification = <P, I, R = never>(
  method: string,
  params: Schema.Schema<P, I, never>,
  handler: (params: P) => Effect.Effect<void, McpError, RequestContext | R>,
  options: RouteOptions = {}
): Route<P, R> => ({
  method,
  kind: "notification",
  decode: compile(params),
  handler,
  priority: options.priority ?? "immediate",
  beforeInitialize: options.beforeInitialize ?? true,
  perRequest: options.perRequest
})

/**
 * A mutable method table. Exact names win; a pattern ending in `*` matches every method with
 * that prefix (`"notifications/*"`), the longest prefix first.
 */
export class Router<R = never> {
  private readonly exact = new Map<string, Route<any, R>>()
  private prefixes: Array<readonly [string, Route<any, R>]> = []

  constructor(routes: Iterable<Route<any, R>> = []) {
    for (const route of routes) this.add(route)
  }

  /** Adds (or replaces) the route of `route.method`. */
  add(route: Route<any, R>): this {
    if (route.method.endsWith("*")) {
      const prefix = route.method.slice(0, -1)
      this.prefixes = [...this.prefixes.filter(([p]) => p !== prefix), [prefix, route] as const]
        .sort((a, b) => b[0].length - a[0].length)
    } else {
      this.exact.set(route.method, route)
    }
    return this
  }

  /** Removes the route registered under `method` (a name or a pattern). */
  remove(method: string): boolean {
    if (method.endsWith("*")) {
      const before = this.prefixes.length
      this.prefixes = this.prefixes.filter(([p]) => p !== method.slice(0, -1))
      return this.prefixes.length !== before
    }
    return this.exact.delete(method)
  }

  /** The route that serves `method`, if any. */
  match(method: string): Route<any, R> | undefined {
    const route = this.exact.get(method)
    if (route !== undefined || this.prefixes.length === 0) return route
    for (const [prefix, candidate] of this.prefixes) {
      if (method.startsWith(prefix)) return candidate
    }
    return undefined
  }

  /** Every method name and pattern served. */
  methods(): ReadonlyArray<string> {
    return [...this.exact.keys(), ...this.prefixes.map(([p]) => `${p}*`)]
  }
}

/** A readable `path: reason` rendering of a params decoding failure. */
export const formatIssues = (issue: ParseResult.ParseIssue): ReadonlyArray<{ path: string; message: string }> =>
  ParseResult.ArrayFormatter.formatIssueSync(issue).map((issue) => ({
    path: issue.path.length === 0 ? "params" : issue.path.map(String).join("."),
    message: issue.message
  }))
