/**
 * Support of the Streamable HTTP tests: an in-process server on 127.0.0.1 (a free port) with a
 * few tools, and a small `fetch` client that reads SSE bodies.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpServer from "@effect/platform/HttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import * as Http from "node:http"
import { RequestContext } from "../../../src/protocol/RequestContext.js"
import * as McpServer from "../../../src/server/McpServer.js"
import * as Tool from "../../../src/server/Tool.js"
import * as StreamableHttp from "../../../src/transport/StreamableHttp.js"

const Echo = Tool.make("echo", {
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ text: Schema.String }),
  render: ({ text }) => text
}, (input) => Effect.succeed(input))

/** How many `slow` calls were interrupted (cancelled, or their session closed). */
export const interruptions = { slow: 0 }

/** Sleeps `ms` in `steps`, with a progress notification and a log message at each step. */
const Slow = Tool.make("slow", {
  input: Schema.Struct({ ms: Schema.Int, steps: Schema.optional(Schema.Int) })
}, ({ ms, steps = 4 }) =>
  Effect.gen(function*() {
    const request = yield* RequestContext
    for (let step = 1; step <= steps; step++) {
      yield* Effect.sleep(ms / steps)
      yield* request.progress(step, steps)
      yield* request.notify("notifications/message", { level: "info", data: `step ${step}` })
    }
    return `slept ${ms}`
  }).pipe(Effect.onInterrupt(() => Effect.sync(() => interruptions.slow++))))

/** Closes its stream at once (SEP-1699 polling), then answers after `ms`. */
const Poll = Tool.make("poll", {
  input: Schema.Struct({ ms: Schema.Int })
}, ({ ms }) =>
  Effect.gen(function*() {
    const request = yield* RequestContext
    yield* request.closeStream
    yield* Effect.sleep(ms)
    return `polled after ${ms}`
  }))

/** Asks the client for its roots and answers with how many it has. */
const Ask = Tool.make("ask", { input: Schema.Struct({}) }, () =>
  Effect.gen(function*() {
    const request = yield* RequestContext
    const result = yield* Effect.orDie(request.request("roots/list", {}, { timeoutMs: 5_000 }))
    return `roots: ${(result.roots as Array<unknown>).length}`
  }))

export const tools = [Echo, Slow, Poll, Ask] as const

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly server: McpServer.Service
  readonly close: () => Promise<void>
}

/**
 * Starts a server on 127.0.0.1 with a free port: `StreamableHttp.layer`, or with `router: true`
 * the `StreamableHttp.router` mounted in an Effect HTTP server.
 */
export const start = async (options: StreamableHttp.Options & { readonly router?: boolean } = {}): Promise<TestServer> => {
  const { router, ...endpoint } = options
  // The MCP server first, in its own runtime; the HTTP endpoint on top, closed before it (as
  // when the server layer is provided to the HTTP layer).
  const mcp = ManagedRuntime.make(McpServer.layer({ name: "http-test", version: "1.0.0" }, { tools }))
  const server = await mcp.runPromise(McpServer.McpServer)
  const http = router === true
    ? Layer.scopedDiscard(Effect.flatMap(StreamableHttp.router(endpoint), (app) => HttpServer.serveEffect(app))).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => Http.createServer(), { host: "127.0.0.1", port: 0 }))
    )
    : StreamableHttp.layer({ port: 0, ...endpoint })
  const runtime = ManagedRuntime.make(http.pipe(Layer.provide(Layer.succeed(McpServer.McpServer, server))))
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return {
    url: `http://127.0.0.1:${address.port}${options.path ?? "/mcp"}`,
    port: address.port,
    server,
    close: () => runtime.dispose().then(() => mcp.dispose())
  }
}

export const both = "application/json, text/event-stream"

/** POSTs a JSON-RPC body (an object is serialized). */
export const post = (url: string, body: unknown, options: {
  readonly session?: string
  readonly accept?: string
  readonly contentType?: string
  readonly version?: string
  readonly headers?: Record<string, string>
  readonly signal?: AbortSignal
} = {}): Promise<Response> => {
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/json",
    accept: options.accept ?? both,
    ...options.headers
  }
  if (options.session !== undefined) headers["mcp-session-id"] = options.session
  if (options.version !== undefined) headers["mcp-protocol-version"] = options.version
  return fetch(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(options.signal === undefined ? {} : { signal: options.signal })
  })
}

/** Opens a GET stream (optionally resuming after `lastEventId`). */
export const get = (url: string, session: string, options: { readonly lastEventId?: string; readonly signal?: AbortSignal } = {}): Promise<Response> =>
  fetch(url, {
    headers: {
      accept: "text/event-stream",
      "mcp-session-id": session,
      ...(options.lastEventId === undefined ? {} : { "last-event-id": options.lastEventId })
    },
    ...(options.signal === undefined ? {} : { signal: options.signal })
  })

export const request = (id: number | string, method: string, params?: Record<string, unknown>) =>
  params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params }

/** `tools/call`; progress is asked for (token = the request id) unless `progress` is false. */
export const call = (id: number | string, name: string, args: Record<string, unknown>, progress = true) =>
  request(id, "tools/call", progress ? { name, arguments: args, _meta: { progressToken: id } } : { name, arguments: args })

/** Initializes a session (and sends `notifications/initialized`); returns its id. */
export const initialize = async (url: string, version = "2025-11-25", capabilities: Record<string, unknown> = {}): Promise<string> => {
  const response = await post(url, request("init", "initialize", { protocolVersion: version, capabilities, clientInfo: { name: "http-test", version: "1" } }))
  const session = response.headers.get("mcp-session-id")
  await response.text()
  if (response.status !== 200 || session === null) throw new Error(`initialize failed: ${response.status}`)
  const initialized = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { session })
  await initialized.text()
  return session
}

/** One SSE event as read back. */
export interface SseEvent {
  readonly id: string | undefined
  readonly retry: number | undefined
  readonly data: string
  /** The data parsed as JSON (undefined for empty data). */
  readonly message: any
}

const parseEvent = (block: string): SseEvent => {
  let id: string | undefined
  let retry: number | undefined
  const data: Array<string> = []
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":")
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
    if (field === "id") id = value
    else if (field === "retry") retry = Number(value)
    else if (field === "data") data.push(value)
  }
  const text = data.join("\n")
  return { id, retry, data: text, message: text === "" ? undefined : JSON.parse(text) }
}

/**
 * Reads SSE events from a response, handing each to `onEvent`; stops (and cancels the body) when
 * `onEvent` returns true, or when the body ends. Rejects after `timeoutMs`.
 */
export const readEvents = async (
  response: Response,
  onEvent: (event: SseEvent, all: ReadonlyArray<SseEvent>) => boolean = () => false,
  timeoutMs = 5_000
): Promise<{ readonly events: ReadonlyArray<SseEvent>; readonly ended: boolean }> => {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const events: Array<SseEvent> = []
  let buffered = ""
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    reader.cancel().catch(() => undefined)
  }, timeoutMs)
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (error) {
        throw new Error(`SSE read failed after ${events.length} events: ${String(error)}`)
      }
      if (chunk.done) {
        if (timedOut) throw new Error(`no end of the SSE stream within ${timeoutMs} ms; events: ${JSON.stringify(events.map((e) => e.data))}`)
        return { events, ended: true }
      }
      buffered += decoder.decode(chunk.value, { stream: true })
      let end = buffered.indexOf("\n\n")
      while (end !== -1) {
        const block = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        if (block.split("\n").some((line) => line.startsWith("data"))) {
          const event = parseEvent(block)
          events.push(event)
          if (onEvent(event, events)) {
            await reader.cancel()
            return { events, ended: false }
          }
        }
        end = buffered.indexOf("\n\n")
      }
    }
  } finally {
    clearTimeout(timer)
  }
}

/** Every JSON-RPC message of a list of events (priming events left out). */
export const messages = (events: ReadonlyArray<SseEvent>): Array<any> => events.filter((e) => e.message !== undefined).map((e) => e.message)

export const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))
