/**
 * Streamable HTTP: MCP over one HTTP endpoint (POST for JSON-RPC bodies, GET for the standalone
 * SSE stream and for resuming streams, DELETE to end a session), with sessions for the stateful
 * eras (2024-11-05 to 2025-11-25), resumable SSE streams, SEP-1699 polling, and
 * DNS-rebinding protection on loopback servers.
 *
 * Each session is one connection of the `McpServer` (`McpServer.connect`) in its own Scope;
 * each POST is answered on its own outbound, so progress, logs and requests to the client
 * travel on that POST's SSE stream.
 *
 * @example
 * ```ts
 * const Main = StreamableHttp.layer({ port: 3000 }).pipe(
 *   Layer.provide(McpServer.layer({ name: "demo", version: "1.0.0" }, { tools: [Echo] }))
 * )
 * Layer.launch(Main).pipe(NodeRuntime.runMain)
 * ```
 *
 * @since 0.2.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Limits from "../protocol/Limits.js"
import { McpServer } from "../server/McpServer.js"
import * as Endpoint from "./http/Endpoint.js"
import * as EventStore from "./http/EventStore.js"
import * as Responses from "./http/Responses.js"
import * as Security from "./http/Security.js"
import { Sessions } from "./http/Sessions.js"

/** Options of the endpoint; every field has a default. */
export interface Options extends Security.HostPolicy {
  /** Address to listen on. Default `127.0.0.1` (loopback only). */
  readonly host?: string
  /** Port to listen on; 0 picks a free one (read it from `HttpServer.HttpServer`). Default 3000. */
  readonly port?: number
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly path?: `/${string}`
  /** Largest POST body; larger ones get 413. Default: the protocol's message limit (4 MiB). */
  readonly maxBodyBytes?: number
  /** Sessions open at once; beyond it new sessions get 503. Default 10,000. */
  readonly maxSessions?: number
  /** A session without requests or open streams for this long is closed. Default 30 minutes. */
  readonly sessionIdleTimeoutMs?: number
  /** The `retry:` delay sent to clients (priming events, polling). Default 1,000 ms. */
  readonly retryMs?: number
  /** Unread bytes one SSE connection may hold before it is dropped (its client resumes). Default 1 MiB. */
  readonly maxBufferedBytes?: number
  /** At shutdown, how long requests in flight may still finish. Default 5,000 ms. */
  readonly shutdownTimeoutMs?: number
  /**
   * Whether answers that need no stream (`initialize`, `ping`, lists) go out as
   * `application/json` when the client accepts it. Default true.
   */
  readonly jsonResponses?: boolean
  /** Host/Origin validation. Default: on when `host` is a loopback address. */
  readonly dnsRebindingProtection?: boolean
  /**
   * Middleware run after the built-in guards and before the endpoint: the place for
   * authentication and authorization.
   */
  readonly middleware?: HttpMiddleware.HttpMiddleware
  /** Bounds of the memory event store, used when no `EventStore` service is provided. */
  readonly eventStore?: EventStore.MemoryOptions
  /** Whether each HTTP request gets a tracing span. Default false (it costs on every request). */
  readonly tracing?: boolean
}

/** The endpoint (without path routing) and its session table. */
interface Built {
  readonly endpoint: HttpApp.Default<never, HttpServerRequest.HttpServerRequest | Scope.Scope>
  readonly sessions: Sessions
}

const build = (options: Options): Effect.Effect<Built, never, McpServer | Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* McpServer
    const store = Option.getOrElse(yield* Effect.serviceOption(EventStore.EventStore), () => EventStore.makeMemory(options.eventStore))
    const sessions = yield* Sessions.make(server, {
      store,
      retryMs: options.retryMs ?? 1_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      maxSessions: options.maxSessions ?? 10_000,
      idleTimeoutMs: options.sessionIdleTimeoutMs ?? 30 * 60_000,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000
    })
    let endpoint = Endpoint.make(sessions, {
      maxBodyBytes: options.maxBodyBytes ?? Limits.defaults.maxMessageBytes,
      jsonResponses: options.jsonResponses ?? true
    })
    if (options.middleware !== undefined) endpoint = options.middleware(endpoint) as typeof endpoint
    const host = options.host ?? "127.0.0.1"
    if (options.dnsRebindingProtection ?? Security.isLoopback(host)) {
      endpoint = Security.hostGuard(options, Security.isLoopback(host))(endpoint) as typeof endpoint
    }
    return { endpoint, sessions }
  })

/** The endpoint at `path` (a query string is allowed), 404 elsewhere; cheaper than a router. */
const atPath = (path: string, endpoint: Built["endpoint"]): Built["endpoint"] => {
  const withQuery = `${path}?`
  const notFound = Responses.jsonRpcError(404, Responses.TransportErrorCode, "Not Found")
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    request.url === path || request.url.startsWith(withQuery) ? endpoint : Effect.succeed(notFound))
}

/**
 * The endpoint as an `HttpRouter`, to mount in an application's own HTTP server. Its sessions
 * live as long as the Scope.
 */
export const router = (options: Options = {}): Effect.Effect<HttpRouter.HttpRouter, never, McpServer | Scope.Scope> =>
  Effect.map(build(options), (built) => HttpRouter.all(HttpRouter.empty, options.path ?? "/mcp", built.endpoint))

/**
 * Serves the endpoint on `host:port` for as long as the layer lives. Closing it stops taking
 * sessions, lets requests in flight finish (up to `shutdownTimeoutMs`), closes every session,
 * then the server. The layer gives the `HttpServer` (its `address` tells the port chosen for 0).
 */
export const layer = (options: Options = {}): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError, McpServer> => {
  let nodeServer: Http.Server | undefined
  const listen = NodeHttpServer.layerServer(() => (nodeServer = Http.createServer()), {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 3000
  })
  const serve = Layer.scopedDiscard(Effect.gen(function*() {
    // Runs last: the sessions are closed, so what remains are idle keep-alive connections
    // (closed now) or stragglers (closed after a grace period), which would hold the server open.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        const server = nodeServer
        if (server === undefined) return
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), 1_000).unref()
      })
    )
    const { endpoint, sessions } = yield* build(options)
    const serving = HttpServer.serveEffect(atPath(options.path ?? "/mcp", endpoint))
    yield* options.tracing === true ? serving : HttpMiddleware.withTracerDisabledWhenEffect(serving, () => true)
    // Runs first: sessions end while the server still answers requests.
    yield* Effect.addFinalizer(() => sessions.shutdown)
  }))
  return serve.pipe(Layer.provideMerge(listen))
}

/** Serves the endpoint until interrupted (SIGINT/SIGTERM under `NodeRuntime.runMain`). */
export const serve = (options: Options = {}): Effect.Effect<never, HttpServerError.ServeError, McpServer> =>
  Layer.launch(layer(options))

