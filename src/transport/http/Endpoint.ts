/**
 * The MCP endpoint: POST (JSON-RPC bodies), GET (the standalone stream, or resuming a stream
 * with `Last-Event-ID`), DELETE (ending a session). Header checks are string comparisons on
 * values prepared once; the body is parsed once here and once by the engine.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { isProtocolVersion } from "../../schema/versions.js"
import * as Body from "./Body.js"
import { Exchange } from "./Exchange.js"
import type { HttpSession } from "./HttpSession.js"
import * as Responses from "./Responses.js"
import * as Sse from "./Sse.js"
import type { Sessions } from "./Sessions.js"

/** What the endpoint needs besides its sessions. */
export interface Config {
  readonly maxBodyBytes: number
  /** Whether answers that need no stream may go out as `application/json` (when accepted). */
  readonly jsonResponses: boolean
}

const eventStreamHeaders: Record<string, string> = { "cache-control": "no-cache, no-transform" }

/** Whether an `Accept` header lists `type` (`a/b`), or a wildcard covering it. */
const accepts = (accept: string | undefined, type: string, wildcard: string): boolean =>
  accept === undefined || accept.includes(type) || accept.includes("*/*") || accept.includes(wildcard)

const isJsonContentType = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const lower = contentType.length === 16 ? contentType : contentType.toLowerCase()
  if (!lower.startsWith("application/json")) return false
  const next = lower.charCodeAt(16)
  // End, ";" (parameters) or a space: not "application/jsonx".
  return Number.isNaN(next) || next === 0x3b || next === 0x20
}

/** The `mcp-protocol-version` header must name a version this server speaks (when present). */
const versionRefusal = (headers: Record<string, string | undefined>): HttpServerResponse.HttpServerResponse | undefined => {
  const version = headers["mcp-protocol-version"]
  return version === undefined || isProtocolVersion(version)
    ? undefined
    : Responses.badRequest(`Unsupported protocol version: ${version}`)
}

/** The session named by `Mcp-Session-Id`, or the answer refusing the request. */
const sessionOf = (sessions: Sessions, headers: Record<string, string | undefined>): HttpSession | HttpServerResponse.HttpServerResponse => {
  const id = headers["mcp-session-id"]
  if (id === undefined) return Responses.badRequest("Mcp-Session-Id header is required")
  const session = sessions.get(id)
  if (session === undefined) return Responses.sessionNotFound()
  return versionRefusal(headers) ?? session
}

const sseResponse = (writer: Sse.SseWriter, headers: Record<string, string>): Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope> =>
  // When the HTTP exchange is over (or never got to send its body), the writer is released.
  Effect.as(
    Effect.addFinalizer(() => Effect.sync(() => writer.abandon())),
    HttpServerResponse.stream(writer.body(), { contentType: "text/event-stream", headers })
  )

/** Builds the endpoint over a session table. */
export const make = (sessions: Sessions, config: Config): HttpApp.Default<never, HttpServerRequest.HttpServerRequest | Scope.Scope> => {
  /**
   * The answer to a body that is answered already, in one write: JSON when possible, else one
   * SSE body (without event ids: there is nothing to resume). `sessionId` goes with `initialize`.
   */
  const complete = (exchange: Exchange, shape: Body.Shape, acceptsJson: boolean, sessionId?: string): HttpServerResponse.HttpServerResponse => {
    const frames = exchange.frames
    const headers = sessionId === undefined ? undefined : { "mcp-session-id": sessionId }
    if (shape.requests === 0) {
      // Not a request the engine could read (an invalid message): the error alone, as JSON.
      return Responses.text(frames.join("\n"), "application/json", 400, headers)
    }
    if (config.jsonResponses && acceptsJson && shape.quick && frames.length === 1) {
      return Responses.text(frames[0]!, "application/json", 200, headers)
    }
    let text = ""
    for (const frame of frames) text += Sse.anonymousEvent(frame)
    return Responses.text(text, "text/event-stream", 200, headers === undefined ? eventStreamHeaders : { ...eventStreamHeaders, ...headers })
  }

  /** Feeds the body to the session's connection and answers the POST. */
  const exchange = (session: HttpSession, text: string, shape: Body.Shape, acceptsJson: boolean) => {
    session.touch(Date.now())
    const exchange = new Exchange(session)
    if (!session.connection.handle(text, exchange)) return Effect.succeed(Responses.accepted())
    if (exchange.done) return Effect.succeed(complete(exchange, shape, acceptsJson))
    return sseResponse(exchange.openStream(), eventStreamHeaders)
  }

  /** `initialize` without a session: opens one, kept only when the answer is a result. */
  const initialize = (text: string, shape: Body.Shape, acceptsJson: boolean) =>
    Effect.flatMap(sessions.open, (session) => {
      if (session === "Full") return Effect.succeed(Responses.unavailable("too many sessions"))
      if (session === "ShuttingDown") return Effect.succeed(Responses.unavailable("the server is shutting down"))
      session.touch(Date.now())
      const exchange = new Exchange(session)
      session.connection.handle(text, exchange)
      return Effect.async<void>((resume) => exchange.whenSettled(() => resume(Effect.void))).pipe(
        Effect.zipRight(Effect.suspend(() => {
          if (session.initialized) return Effect.succeed(complete(exchange, shape, acceptsJson, session.id))
          return Effect.as(sessions.close(session), complete(exchange, shape, acceptsJson))
        }))
      )
    })

  const post = (request: HttpServerRequest.HttpServerRequest) => {
    const headers = request.headers
    if (!isJsonContentType(headers["content-type"])) return Effect.succeed(Responses.unsupportedMediaType())
    const accept = headers.accept
    if (!accepts(accept, "text/event-stream", "text/*")) {
      return Effect.succeed(Responses.notAcceptable("the client must accept text/event-stream (and application/json)"))
    }
    const acceptsJson = accepts(accept, "application/json", "application/*")
    return Effect.matchEffect(Body.read(request, config.maxBodyBytes), {
      onFailure: (failure) =>
        Effect.succeed(failure === "TooLarge" ? Responses.payloadTooLarge(config.maxBodyBytes) : Responses.badRequest("the body could not be read")),
      onSuccess: (text) => {
        const shape = Body.shape(text)
        if (shape === undefined) return Effect.succeed(Responses.parseError())
        if (headers["mcp-session-id"] === undefined) {
          if (shape.initialize) return initialize(text, shape, acceptsJson)
          // The 2026-07-28 era has no session: its requests carry their version in `_meta`.
          if (shape.statelessVersion !== undefined) return Effect.succeed(stateless(shape.statelessVersion))
        }
        const session = sessionOf(sessions, headers)
        return HttpServerResponse.isServerResponse(session) ? Effect.succeed(session) : exchange(session, text, shape, acceptsJson)
      }
    })
  }

  const get = (request: HttpServerRequest.HttpServerRequest) => {
    const headers = request.headers
    if (!accepts(headers.accept, "text/event-stream", "text/*")) {
      return Effect.succeed(Responses.notAcceptable("the client must accept text/event-stream"))
    }
    const session = sessionOf(sessions, headers)
    if (HttpServerResponse.isServerResponse(session)) return Effect.succeed(session)
    session.touch(Date.now())
    const lastEventId = headers["last-event-id"]
    if (lastEventId === undefined) {
      const standalone = session.standalone()
      if (standalone.connected) return Effect.succeed(Responses.conflict("this session already has a standalone SSE stream"))
      return sseResponse(standalone.connect(undefined), eventStreamHeaders)
    }
    const colon = lastEventId.lastIndexOf(":")
    const seq = colon === -1 ? Number.NaN : Number(lastEventId.slice(colon + 1))
    if (!Number.isSafeInteger(seq) || seq < 0) return Effect.succeed(Responses.badRequest("unknown Last-Event-ID"))
    const stream = session.stream(lastEventId.slice(0, colon))
    // Nothing left on that stream: 204 tells SSE clients not to reconnect.
    if (stream === undefined) return Effect.succeed(Responses.noContent())
    return sseResponse(stream.connect(seq), eventStreamHeaders)
  }

  const del = (request: HttpServerRequest.HttpServerRequest) => {
    const session = sessionOf(sessions, request.headers)
    if (HttpServerResponse.isServerResponse(session)) return Effect.succeed(session)
    return Effect.as(sessions.close(session), Responses.noContent())
  }

  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request): Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope> => {
    switch (request.method) {
      case "POST":
        return post(request)
      case "GET":
        return get(request)
      case "DELETE":
        return del(request)
      default:
        return Effect.succeed(Responses.methodNotAllowed())
    }
  })
}

/**
 * A request of the stateless era (2026-07-28): served by this endpoint in a later version, without
 * a session. Until then it is refused with the versions this endpoint does speak.
 */
const stateless = (version: string): HttpServerResponse.HttpServerResponse =>
  Responses.badRequest(`protocol version ${version} (stateless) is not served here; initialize a session with 2025-11-25 or earlier`)
