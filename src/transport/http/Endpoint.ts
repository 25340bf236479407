/**
 * The MCP endpoint, independent of the HTTP server: POST (JSON-RPC bodies), GET (the standalone
 * stream, or resuming a stream with `Last-Event-ID`), DELETE (ending a session). It reads
 * headers and body text and gives `Answer`s; adapters send them. Header checks are string
 * comparisons; the body is parsed once here and once by the engine.
 *
 * Most answers are computed synchronously. Opening and closing a session run Effects (a Scope
 * per session): those answers are Effects.
 */
import * as Effect from "effect/Effect"
import * as ParamHeaders from "../../schema/paramHeaders.js"
import { StatelessErrorCode } from "../../schema/stateless.js"
import { isProtocolVersion } from "../../schema/versions.js"
import * as Answer from "./Answer.js"
import * as Body from "./Body.js"
import { Exchange } from "./Exchange.js"
import type { HttpSession } from "./HttpSession.js"
import * as Sse from "./Sse.js"
import type { Sessions } from "./Sessions.js"

/** Request headers, names in lower case (as Node gives them). */
export type RequestHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** What the endpoint needs besides its sessions. */
export interface Config {
  readonly maxBodyBytes: number
  /** Whether answers that need no stream may go out as `application/json` (when accepted). */
  readonly jsonResponses: boolean
  /**
   * The parameters a tool mirrors into `Mcp-Param-*` headers (`x-mcp-header`), for the version
   * the call's `_meta` selects; none for an unknown tool or version.
   */
  readonly paramHeaders: (tool: string, meta: Readonly<Record<string, unknown>> | undefined) => ReadonlyArray<ParamHeaders.ParamHeader>
}

const header = (headers: RequestHeaders, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" || value === undefined ? value : value.join(", ")
}

/** Whether an `Accept` header lists `type` (`a/b`), or a wildcard covering it. */
const accepts = (accept: string | undefined, type: string, wildcard: string): boolean =>
  accept === undefined || accept.includes(type) || accept.includes("*/*") || accept.includes(wildcard)

/**
 * Whether a complete answer may go out as JSON: the client accepts it, and does not list
 * `text/event-stream` before it (an order the official SDK client never uses, raw clients may).
 */
const prefersJson = (accept: string | undefined): boolean => {
  if (accept === undefined) return true
  const json = accept.indexOf("application/json")
  if (json === -1) return accept.includes("application/*") || accept.includes("*/*")
  const sse = accept.indexOf("text/event-stream")
  return sse === -1 || json < sse
}

const isJsonContentType = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const lower = contentType.length === 16 ? contentType : contentType.toLowerCase()
  if (!lower.startsWith("application/json")) return false
  const next = lower.charCodeAt(16)
  // End, ";" (parameters) or a space: not "application/jsonx".
  return Number.isNaN(next) || next === 0x3b || next === 0x20
}

/**
 * The refusal of a 2026-07-28 POST whose headers disagree with its body: `MCP-Protocol-Version`
 * must be the body's version, `Mcp-Method` its method, `Mcp-Name` (tools/call, prompts/get,
 * resources/read) the name or URI it acts on.
 */
const headersDisagree = (headers: RequestHeaders, shape: Body.Shape, config: Config): Answer.Answer | undefined => {
  const version = header(headers, "mcp-protocol-version")
  if (version !== shape.statelessVersion) {
    return Answer.headerMismatch(shape.id, `MCP-Protocol-Version header ${describe(version)} does not match the body's version '${shape.statelessVersion}'`)
  }
  const method = header(headers, "mcp-method")
  if (method !== shape.method) {
    return Answer.headerMismatch(shape.id, `Mcp-Method header ${describe(method)} does not match body value '${shape.method}'`)
  }
  if (shape.method !== undefined && Object.hasOwn(Body.NamedMethods, shape.method)) {
    const raw = header(headers, "mcp-name")
    const name = raw === undefined ? undefined : ParamHeaders.decode(raw)
    if (name !== shape.name) return Answer.headerMismatch(shape.id, `Mcp-Name header ${describe(raw)} does not match body value '${shape.name}'`)
  }
  if (shape.method === "tools/call" && shape.name !== undefined) {
    for (const param of config.paramHeaders(shape.name, shape.meta)) {
      const field = `mcp-param-${param.name.toLowerCase()}`
      const raw = header(headers, field)
      const value = raw === undefined ? undefined : ParamHeaders.decode(raw)
      if (raw !== undefined && value === undefined) return Answer.headerMismatch(shape.id, `Mcp-Param-${param.name} header has an invalid value`)
      const expected = ParamHeaders.valueAt(shape.arguments, param.path)
      if (value !== expected) {
        return Answer.headerMismatch(shape.id, `Mcp-Param-${param.name} header ${describe(raw)} does not match body value ${expected === undefined ? "(none)" : `'${expected}'`}`)
      }
    }
  }
  return undefined
}

const describe = (value: string | undefined): string => value === undefined ? "(missing)" : `'${value}'`

/** Errors that 2026-07-28 answers with 400 over HTTP: a missing client capability, an unsupported version. */
const badRequestCodes: ReadonlySet<unknown> = new Set([StatelessErrorCode.MissingRequiredClientCapability, StatelessErrorCode.UnsupportedProtocolVersion])

/** Whether a lone answer frame is an error 2026-07-28 sends with status 400. */
const isBadRequestError = (frame: string): boolean => {
  if (!frame.includes("\"error\"")) return false
  const message = JSON.parse(frame) as { readonly error?: { readonly code?: unknown } }
  return badRequestCodes.has(message.error?.code)
}

export class Endpoint {
  constructor(private readonly sessions: Sessions, private readonly config: Config) {}

  /** The checks of a POST that need no body: the refusal, if any. */
  checkPost(headers: RequestHeaders): Answer.Answer | undefined {
    if (!isJsonContentType(header(headers, "content-type"))) return Answer.unsupportedMediaType
    if (!accepts(header(headers, "accept"), "text/event-stream", "text/*")) {
      return Answer.notAcceptable("the client must accept text/event-stream (and application/json)")
    }
    return undefined
  }

  /** Answers a POST whose body was read (and passed `checkPost`). */
  post(headers: RequestHeaders, text: string): Answer.Answer | Effect.Effect<Answer.Answer> {
    const shape = Body.shape(text)
    if (shape === undefined) return Answer.parseError
    const acceptsJson = prefersJson(header(headers, "accept"))
    if (headers["mcp-session-id"] === undefined) {
      if (shape.initialize) return this.initialize(text, shape, acceptsJson)
      // The 2026-07-28 era has no session: its requests carry their version in `_meta`.
      if (shape.statelessVersion !== undefined) return this.stateless(headers, text, shape, acceptsJson)
    }
    const session = this.session(headers)
    if (!("connection" in session)) return session
    session.touch(Date.now())
    const exchange = new Exchange(session)
    if (!session.connection.handle(text, exchange)) return Answer.accepted
    if (exchange.done) return this.complete(exchange, shape, acceptsJson)
    return Answer.stream(exchange.openStream())
  }

  /** Answers a GET: the standalone stream, or a stream resumed after `Last-Event-ID`. */
  get(headers: RequestHeaders): Answer.Answer {
    if (!accepts(header(headers, "accept"), "text/event-stream", "text/*")) {
      return Answer.notAcceptable("the client must accept text/event-stream")
    }
    const session = this.session(headers)
    if (!("connection" in session)) return session
    session.touch(Date.now())
    const lastEventId = header(headers, "last-event-id")
    if (lastEventId === undefined) {
      const standalone = session.standalone()
      if (standalone.connected) return Answer.conflict("this session already has a standalone SSE stream")
      return Answer.stream(standalone.connect(undefined))
    }
    const colon = lastEventId.lastIndexOf(":")
    const seq = colon === -1 ? Number.NaN : Number(lastEventId.slice(colon + 1))
    if (!Number.isSafeInteger(seq) || seq < 0) return Answer.badRequest("unknown Last-Event-ID")
    const stream = session.stream(lastEventId.slice(0, colon))
    // Nothing left on that stream: 204 tells SSE clients not to reconnect.
    if (stream === undefined) return Answer.noContent
    return Answer.stream(stream.connect(seq))
  }

  /** Answers a DELETE: ends the session. */
  delete(headers: RequestHeaders): Answer.Answer | Effect.Effect<Answer.Answer> {
    const session = this.session(headers)
    if (!("connection" in session)) return session
    return Effect.as(this.sessions.close(session), Answer.noContent)
  }

  /** The session named by `Mcp-Session-Id`, or the answer refusing the request. */
  private session(headers: RequestHeaders): HttpSession | Answer.Answer {
    const id = header(headers, "mcp-session-id")
    if (id === undefined) return Answer.badRequest("Mcp-Session-Id header is required")
    const session = this.sessions.get(id)
    if (session === undefined) return Answer.sessionNotFound
    const version = header(headers, "mcp-protocol-version")
    // Any version this server speaks is accepted (clients send older ones on newer sessions).
    if (version !== undefined && !isProtocolVersion(version)) return Answer.badRequest(`Unsupported protocol version: ${version}`)
    return session
  }

  /**
   * A 2026-07-28 POST: served on a connection of its own, never named to the client, closed
   * once the answer is out, or when the client drops the response (which is how a
   * `subscriptions/listen` ends over HTTP). The status is decided by the first message: a lone
   * error the era answers with 400 (-32021, -32022), even one found while the handler ran,
   * gets it; anything else opens the stream.
   */
  private stateless(headers: RequestHeaders, text: string, shape: Body.Shape, acceptsJson: boolean): Answer.Answer | Effect.Effect<Answer.Answer> {
    const refusal = headersDisagree(headers, shape, this.config)
    if (refusal !== undefined) return refusal
    return Effect.flatMap(this.sessions.openExchange, (session) => {
      if (session === "ShuttingDown") return Effect.succeed(Answer.unavailable("the server is shutting down"))
      const close = () => Effect.runFork(this.sessions.closeExchange(session))
      const exchange = new Exchange(session)
      if (!session.connection.handle(text, exchange)) {
        close()
        return Effect.succeed(exchange.done ? this.settledStateless(exchange, shape, acceptsJson) : Answer.accepted)
      }
      return Effect.async<void>((resume) => exchange.whenFirst(() => resume(Effect.void))).pipe(
        Effect.map(() => {
          if (exchange.done) {
            close()
            return this.settledStateless(exchange, shape, acceptsJson)
          }
          session.onIdle = close
          return Answer.stream(exchange.openStream())
        }),
        // The client went away before the first message.
        Effect.onInterrupt(() => Effect.sync(close))
      )
    })
  }

  /** The answer to a 2026-07-28 POST that is answered already. */
  private settledStateless(exchange: Exchange, shape: Body.Shape, acceptsJson: boolean): Answer.Answer {
    // An error the era sends with 400 goes alone, as JSON, whatever the client prefers.
    return exchange.frames.length === 1 && isBadRequestError(exchange.frames[0]!)
      ? Answer.text(exchange.frames[0]!, "application/json", 400)
      : this.complete(exchange, shape, acceptsJson)
  }

  /** `initialize` without a session: opens one, kept only when the answer is a result. */
  private initialize(text: string, shape: Body.Shape, acceptsJson: boolean): Effect.Effect<Answer.Answer> {
    return Effect.flatMap(this.sessions.open, (session) => {
      if (session === "Full") return Effect.succeed(Answer.unavailable("too many sessions"))
      if (session === "ShuttingDown") return Effect.succeed(Answer.unavailable("the server is shutting down"))
      session.touch(Date.now())
      const exchange = new Exchange(session)
      session.connection.handle(text, exchange)
      return Effect.async<void>((resume) => exchange.whenSettled(() => resume(Effect.void))).pipe(
        Effect.zipRight(Effect.suspend(() =>
          session.initialized
            ? Effect.succeed(this.complete(exchange, shape, acceptsJson, session.id))
            : Effect.as(this.sessions.close(session), this.complete(exchange, shape, acceptsJson))
        ))
      )
    })
  }

  /**
   * The answer to a body that is answered already, in one write: JSON when possible, else one
   * SSE body (without event ids: there is nothing to resume). `sessionId` goes with `initialize`.
   */
  private complete(exchange: Exchange, shape: Body.Shape, acceptsJson: boolean, sessionId?: string): Answer.Answer {
    const frames = exchange.frames
    const headers = sessionId === undefined ? undefined : { "mcp-session-id": sessionId }
    if (shape.requests === 0) {
      // Not a request the engine could read (an invalid message): the error alone, as JSON.
      return Answer.text(frames.join("\n"), "application/json", 400, headers)
    }
    if (this.config.jsonResponses && acceptsJson && shape.quick && frames.length === 1) {
      return Answer.text(frames[0]!, "application/json", 200, headers)
    }
    let text = ""
    for (const frame of frames) text += Sse.anonymousEvent(frame)
    return Answer.text(text, "text/event-stream", 200, headers === undefined ? sseCacheHeaders : { ...sseCacheHeaders, ...headers })
  }
}

const sseCacheHeaders: Answer.Headers = { "cache-control": "no-cache, no-transform" }
