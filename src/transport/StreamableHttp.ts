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
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Limits from "../protocol/Limits.js"
import * as ParamHeaders from "../schema/paramHeaders.js"
import { McpServer, type Service as McpServerService } from "../server/McpServer.js"
import { ToolVersionKey } from "../server/tools/ToolManager.js"
import * as Answer from "./http/Answer.js"
import * as EffectApp from "./http/EffectApp.js"
import { Endpoint } from "./http/Endpoint.js"
import * as EventStore from "./http/EventStore.js"
import * as NodeHandler from "./http/NodeHandler.js"
import * as Security from "./http/Security.js"
import { Sessions } from "./http/Sessions.js"

export type { Answer } from "./http/Answer.js"
export type { Guard, HostPolicy, RequestHead } from "./http/Security.js"

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
  /**
   * An SSE connection with nothing to send for this long gets a comment line, so that proxies
   * and client idle timeouts do not close a quiet stream (`subscriptions/listen`, the standalone
   * GET stream). Milliseconds; 0 disables. Default 15 s.
   */
  readonly keepAliveMs?: number
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
   * Checks run on every request after the built-in Host/Origin guard, in order: the place for
   * authentication and authorization. A guard returns the answer refusing a request, or undefined.
   */
  readonly guards?: ReadonlyArray<Security.Guard>
  /** Bounds of the memory event store, used when no `EventStore` service is provided. */
  readonly eventStore?: EventStore.MemoryOptions
}

/** Refuses a request with a JSON-RPC error body (id null), for guards. */
export const refuse = (status: number, message: string, headers?: Readonly<Record<string, string>>): Answer.Answer =>
  Answer.jsonRpcError(status, Answer.TransportErrorCode, message, headers)

interface Built {
  readonly endpoint: Endpoint
  readonly sessions: Sessions
  readonly guard: Security.Guard | undefined
  readonly maxBodyBytes: number
}

/** The `x-mcp-header` parameters of the server's tools, read once per tool definition. */
const paramHeadersOf = (server: McpServerService) => {
  const known = new WeakMap<object, ReadonlyArray<ParamHeaders.ParamHeader>>()
  return (name: string, meta: Readonly<Record<string, unknown>> | undefined): ReadonlyArray<ParamHeaders.ParamHeader> => {
    // The version the call runs: the pinned one, else the default; one map read, not a list of every tool.
    const pinned = meta?.[ToolVersionKey]
    const tool = server.toolManager.find(name, typeof pinned === "string" ? pinned : undefined)?.tool
    if (tool === undefined) return []
    let headers = known.get(tool)
    if (headers === undefined) {
      const read = ParamHeaders.annotations(tool.wire().inputSchema)
      // Tool.make refuses invalid annotations: none to check here otherwise.
      headers = "headers" in read ? read.headers : []
      known.set(tool, headers)
    }
    return headers
  }
}

const build = (options: Options): Effect.Effect<Built, never, McpServer | Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* McpServer
    const store = Option.getOrElse(yield* Effect.serviceOption(EventStore.EventStore), () => EventStore.makeMemory(options.eventStore))
    const sessions = yield* Sessions.make(server, {
      store,
      retryMs: options.retryMs ?? 1_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      keepAliveMs: options.keepAliveMs ?? 15_000,
      maxSessions: options.maxSessions ?? 10_000,
      idleTimeoutMs: options.sessionIdleTimeoutMs ?? 30 * 60_000,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000
    })
    const maxBodyBytes = options.maxBodyBytes ?? Limits.defaults.maxMessageBytes
    const endpoint = new Endpoint(sessions, { maxBodyBytes, jsonResponses: options.jsonResponses ?? true, paramHeaders: paramHeadersOf(server) })
    const host = options.host ?? "127.0.0.1"
    const guards = options.dnsRebindingProtection ?? Security.isLoopback(host)
      ? [Security.hostGuard(options, Security.isLoopback(host)), ...(options.guards ?? [])]
      : options.guards ?? []
    return { endpoint, sessions, guard: Security.chain(guards), maxBodyBytes }
  })

/**
 * The endpoint as an `HttpRouter` (at `path`), to mount in an Effect HTTP application. Its
 * sessions live as long as the Scope. `host` only decides the default of the Host/Origin guard.
 */
export const router = (options: Options = {}): Effect.Effect<HttpRouter.HttpRouter, never, McpServer | Scope.Scope> =>
  Effect.map(build(options), (built) =>
    HttpRouter.all(HttpRouter.empty, options.path ?? "/mcp", EffectApp.make(built.endpoint, built.maxBodyBytes, built.guard)))

/**
 * Serves the endpoint on `host:port` for as long as the layer lives. Closing it stops taking
 * sessions, lets requests in flight finish (up to `shutdownTimeoutMs`), closes every session,
 * then the server. The layer gives the `HttpServer` (its `address` tells the port chosen for 0).
 */
export const layer = (options: Options = {}): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError, McpServer> =>
  // Each build gets its own Node server and listener.
  Layer.unwrapEffect(Effect.sync(() => {
    let nodeServer: Http.Server | undefined
    // Requests that arrive before the endpoint is built (none in practice: it is built before
    // the layer is done) are refused.
    let listener: (req: Http.IncomingMessage, res: Http.ServerResponse) => void = (_, res) => {
      res.writeHead(503).end()
    }
    const listen = NodeHttpServer.layerServer(() => (nodeServer = Http.createServer((req, res) => listener(req, res))), {
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
      const { endpoint, guard, maxBodyBytes, sessions } = yield* build(options)
      listener = NodeHandler.make(endpoint, yield* Effect.runtime<never>(), { path: options.path ?? "/mcp", maxBodyBytes, guard })
      // Runs first: sessions end while the server still answers requests.
      yield* Effect.addFinalizer(() => sessions.shutdown)
    }))
    return serve.pipe(Layer.provideMerge(listen))
  }))

/** Serves the endpoint until interrupted (SIGINT/SIGTERM under `NodeRuntime.runMain`). */
export const serve = (options: Options = {}): Effect.Effect<never, HttpServerError.ServeError, McpServer> =>
  Layer.launch(layer(options))
