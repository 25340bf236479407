/**
 * `mcx serve` over Streamable HTTP; loaded on demand by the CLI so that stdio does not load
 * the HTTP stack.
 *
 * @since 0.1.0
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as McpServer from "../server/McpServer.js"
import * as StreamableHttp from "../transport/StreamableHttp.js"

/** A host as it goes in a URL (IPv6 addresses in brackets). */
const urlHost = (host: string): string => host.includes(":") && !host.startsWith("[") ? `[${host}]` : host

/** Serves `server` on `host:port` until interrupted, after printing the URL to stderr. */
export const serveHttp = <E>(
  server: Layer.Layer<McpServer.McpServer, E>,
  options: {
    readonly host: string
    readonly port: number
    readonly version: string
    readonly tools: number
    readonly sessionIdleTimeoutMs?: number | undefined
  }
) =>
  Effect.gen(function*() {
    const { address } = yield* HttpServer.HttpServer
    const url = address._tag === "TcpAddress" ? `http://${urlHost(options.host)}:${address.port}/mcp` : address.path
    yield* Effect.sync(() =>
      process.stderr.write(`mcx ${options.version}: serving MCP over Streamable HTTP at ${url} (${options.tools} tools). Stop with Ctrl-C.\n`)
    )
    return yield* Effect.never
  }).pipe(Effect.provide(StreamableHttp.layer({
    host: options.host,
    port: options.port,
    ...(options.sessionIdleTimeoutMs === undefined ? {} : { sessionIdleTimeoutMs: options.sessionIdleTimeoutMs })
  }).pipe(Layer.provide(server))))
