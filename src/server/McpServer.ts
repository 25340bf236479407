/**
 * The MCP server: lifecycle (`initialize`, `ping`), tools (`tools/list`, `tools/call`) and
 * list-change notifications, served over any transport through the Protocol engine.
 *
 * @example
 * ```ts
 * const Main = McpServer.layer({ name: "demo", version: "1.0.0" }, { tools: [Echo] })
 * const program = McpServer.serve(Stdio.processTransport())
 * Effect.scoped(program).pipe(Effect.provide(Main), NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { McpError, type TransportError } from "../protocol/errors.js"
import * as Protocol from "../protocol/Protocol.js"
import { RequestContext } from "../protocol/RequestContext.js"
import * as Router from "../protocol/Router.js"
import { CallToolRequestParams, InitializeRequestParams, ListToolsRequestParams } from "../schema/index.js"
import type { CallToolResult, Implementation, InitializeResult, ListToolsResult, ServerCapabilities } from "../schema/index.js"
import { isAtLeast, negotiate } from "../schema/versions.js"
import type { Transport } from "../transport/Transport.js"
import { RawJson } from "../protocol/internal/wire.js"
import { formatIssues } from "../protocol/Router.js"
import * as Tool from "./Tool.js"

/** What the server says about itself in `initialize`. */
export interface Info extends Implementation {
  /** Instructions for the model on how to use this server. */
  readonly instructions?: string
}

/** Options of the server. */
export interface Options<Tools extends ReadonlyArray<Tool.Any> = ReadonlyArray<Tool.Any>> extends Protocol.Options {
  /** Tools served from the start; more can be added at runtime. */
  readonly tools?: Tools
  /** Items per page of `tools/list`; all in one page when not set. */
  readonly pageSize?: number
}

/** The server as a service. */
export interface Service {
  readonly info: Info
  /** The method table; other features register their routes here. */
  readonly router: Router.Router<any>
  /** Adds (or replaces) a tool; connected clients get `notifications/tools/list_changed`. */
  readonly addTool: (tool: Tool.Any) => Effect.Effect<void>
  /** Removes a tool; connected clients get `notifications/tools/list_changed`. */
  readonly removeTool: (name: string) => Effect.Effect<boolean>
  /** The tools served now. */
  readonly tools: Effect.Effect<ReadonlyArray<Tool.Any>>
  /** Opens a connection over `transport`; it lives as long as the Scope. */
  readonly connect: (transport: Transport) => Effect.Effect<Protocol.ConnectionHandle, never, Scope.Scope>
  /** Serves one connection over `transport` until the peer closes it. */
  readonly serve: (transport: Transport) => Effect.Effect<void, TransportError>
}

/** The MCP server. */
export class McpServer extends Context.Tag("machine-context/McpServer")<McpServer, Service>() {}

const encodeCursor = (offset: number): string => Buffer.from(JSON.stringify({ o: offset })).toString("base64url")

const decodeCursor = (cursor: string): number | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    const offset = typeof value === "object" && value !== null ? (value as { o?: unknown }).o : undefined
    return typeof offset === "number" && Number.isInteger(offset) && offset >= 0 ? offset : undefined
  } catch {
    return undefined
  }
}

/** Builds the server; needs the Protocol engine and the services its tools use. */
export const make = <Tools extends ReadonlyArray<Tool.Any>>(
  info: Info,
  options: Options<Tools> = {}
): Effect.Effect<Service, never, Protocol.Protocol | Tool.Requirements<Tools[number]>> =>
  Effect.gen(function*() {
    const protocol = yield* Protocol.Protocol
    const context = yield* Effect.context<Tool.Requirements<Tools[number]>>()
    const tools = new Map<string, Tool.Any>()
    for (const tool of options.tools ?? []) tools.set(tool.name, tool)
    const connections = new Set<Protocol.ConnectionHandle>()
    let listCache: Map<number, RawJson> = new Map()

    const toolsChanged = Effect.suspend(() => {
      listCache = new Map()
      return Effect.forEach(
        [...connections].filter((c) => c.session.protocolVersion !== undefined),
        (c) => c.notify("notifications/tools/list_changed"),
        { discard: true }
      )
    })

    const capabilities: ServerCapabilities = { tools: { listChanged: true } }

    const initialize = Router.request("initialize", InitializeRequestParams, (params) =>
      Effect.flatMap(RequestContext, (request) => {
        if (request.session.protocolVersion !== undefined) {
          return Effect.fail(McpError.invalidRequest("Invalid request: the connection is already initialized"))
        }
        const version = negotiate(params.protocolVersion)
        request.session.negotiated(version, params.clientInfo, params.capabilities as Record<string, unknown>)
        const result: InitializeResult = {
          protocolVersion: version,
          capabilities,
          serverInfo: serverInfo(info),
          ...(info.instructions === undefined ? {} : { instructions: info.instructions })
        }
        return Effect.succeed(result)
      }), { priority: "immediate", beforeInitialize: true })

    const listTools = Router.request("tools/list", ListToolsRequestParams, (params) => {
      let offset = 0
      if (params.cursor !== undefined) {
        const decoded = decodeCursor(params.cursor)
        if (decoded === undefined) return Effect.fail(McpError.invalidParams("Invalid params for tools/list: unknown cursor"))
        offset = decoded
      }
      const cached = listCache.get(offset)
      if (cached !== undefined) return Effect.succeed(cached)
      const all = [...tools.values()]
      const end = options.pageSize === undefined ? all.length : Math.min(all.length, offset + options.pageSize)
      const result: ListToolsResult = end < all.length
        ? { tools: all.slice(offset, end).map((t) => t.wire()), nextCursor: encodeCursor(end) }
        : { tools: all.slice(offset, end).map((t) => t.wire()) }
      const raw = new RawJson(JSON.stringify(result))
      listCache.set(offset, raw)
      return Effect.succeed(raw)
    })

    const callTool = Router.request("tools/call", CallToolRequestParams, (params) =>
      Effect.flatMap(RequestContext, (request): Effect.Effect<CallToolResult, McpError, any> => {
        const tool = tools.get(params.name)
        if (tool === undefined) {
          return Effect.fail(McpError.invalidParams(`Unknown tool: ${params.name}`, { name: params.name }))
        }
        const input = tool.decodeInput(params.arguments ?? {})
        if (input._tag === "Left") {
          const issues = formatIssues(input.left)
          const message = `Invalid arguments for tool ${tool.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`
          // Since 2025-11-25 input errors are tool errors the model can see and correct.
          const version = request.session.protocolVersion
          return version !== undefined && isAtLeast(version, "2025-11-25")
            ? Effect.succeed(Tool.errorResult(tool, message, { issues }))
            : Effect.fail(McpError.invalidParams(message, { issues }))
        }
        return Tool.run(tool, input.right)
      }))

    const router = new Router.Router<any>([
      initialize,
      Router.request("ping", Schema.Struct({}), () => Effect.succeed({}), { priority: "immediate", beforeInitialize: true }),
      Router.notification("notifications/initialized", Schema.Struct({}), () =>
        Effect.map(RequestContext, (request) => {
          request.session.initialized = true
        })),
      listTools,
      callTool
    ])

    const connect = (transport: Transport) =>
      Effect.gen(function*() {
        // Handlers run on the connection's runtime: give it the services the tools need.
        const connection = yield* Effect.provide(protocol.connect(transport, router, "server"), context)
        connections.add(connection)
        yield* Effect.addFinalizer(() => Effect.sync(() => connections.delete(connection)))
        return connection
      })

    return McpServer.of({
      info,
      router,
      addTool: (tool) => Effect.zipRight(Effect.sync(() => tools.set(tool.name, tool)), toolsChanged),
      removeTool: (name) =>
        Effect.suspend(() => tools.delete(name) ? Effect.as(toolsChanged, true) : Effect.succeed(false)),
      tools: Effect.sync(() => [...tools.values()]),
      connect,
      serve: (transport) => Effect.scoped(Effect.flatMap(connect(transport), (connection) => connection.run))
    })
  })

const serverInfo = (info: Info): Implementation => {
  const { instructions: _, ...implementation } = info
  return implementation
}

/** The server as a layer, with its own Protocol engine configured from `options`. */
export const layer = <const Tools extends ReadonlyArray<Tool.Any> = []>(
  info: Info,
  options: Options<Tools> = {}
): Layer.Layer<McpServer, never, Tool.Requirements<Tools[number]>> =>
  Layer.effect(McpServer, make(info, options)).pipe(Layer.provide(Protocol.layer(options)))

/** Serves one connection over `transport` until the peer closes it. */
export const serve = (transport: Transport): Effect.Effect<void, TransportError, McpServer> =>
  Effect.flatMap(McpServer, (server) => server.serve(transport))
