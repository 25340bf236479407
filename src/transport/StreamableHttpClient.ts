/**
 * The client side of Streamable HTTP: every outgoing frame is a POST to the endpoint, answered
 * with JSON or an SSE stream; a GET stream carries what the server sends outside requests.
 * Keeps the `Mcp-Session-Id` the server gives, sends `Mcp-Protocol-Version` once negotiated,
 * resumes broken SSE streams with `Last-Event-ID` after the server's `retry`, and ends the
 * session with DELETE on close. Built on the platform's `fetch` (Node ≥ 20): the transport's
 * `send` is fire-and-forget and SSE needs the raw byte stream, so no HTTP client layer is needed.
 *
 * Failures of an exchange (HTTP errors, an unreachable server, authorization) reach the engine
 * as JSON-RPC error answers to the requests of that exchange, with the details in
 * `error.data["machine-context/transport"]` (`TransportFailure`). A session the server no
 * longer knows (404) or a server that cannot be reached ends `receive` with a `TransportError`.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import { createParser } from "eventsource-parser"
import type { AuthProvider } from "../client/AuthProvider.js"
import { AuthError } from "../client/AuthProvider.js"
import { TransportError } from "../protocol/errors.js"
import type { RequestId } from "../schema/jsonrpc.js"
import { MetaKeys } from "../schema/stateless.js"
import { NamedMethods } from "./http/Body.js"
import type { Frame, Transport } from "./Transport.js"

/** Options of the HTTP client transport. */
export interface Options {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  readonly url: string | URL
  /** Headers added to every request. */
  readonly headers?: Readonly<Record<string, string>>
  /** Authorizes every request (see `AuthProvider`). */
  readonly auth?: AuthProvider
  /** Waited before resuming a stream when the server gave no `retry`. Default 1,000 ms. */
  readonly defaultRetryMs?: number
  /** Resumptions of one stream before its requests fail. Default 5. */
  readonly maxResumptions?: number
}

/** The `error.data` key under which failed exchanges carry their `TransportFailure`. */
export const FailureKey = "machine-context/transport"

/** JSON-RPC code of the answers synthesized for failed exchanges. */
export const FailureCode = -32000

/** Why an exchange failed, as carried in `error.data["machine-context/transport"]`. */
export interface TransportFailure {
  /** The HTTP status, when the server answered. */
  readonly status?: number
  /** The server no longer knows the session (404 to a request naming it). */
  readonly sessionExpired?: boolean
  /** The server could not be reached, or the stream broke for good. */
  readonly unreachable?: boolean
  /** Authorization failed. */
  readonly auth?: { readonly reason: AuthError["reason"]; readonly message: string }
}

/** The HTTP client transport: a `Transport` plus what the client tells it after negotiation. */
export interface HttpClientTransport extends Transport {
  /** The session id the server gave (`Mcp-Session-Id`), if any. */
  readonly sessionId: () => string | undefined
  /** The protocol version was negotiated: it goes in `Mcp-Protocol-Version` from now on. */
  readonly negotiated: (version: string) => void
  /**
   * Opens the GET stream of a stateful session (after `notifications/initialized`); servers
   * without one are left alone.
   */
  readonly openStream: () => void
}

interface Exchange {
  /** Requests of this exchange still waiting for their answer. */
  readonly waiting: Set<RequestId>
}

class HttpFailure {
  constructor(readonly failure: TransportFailure, readonly message: string) {}
}

/**
 * What the POST of a frame says about it: the ids of its requests and, for one message, the
 * 2026-07-28 headers that repeat its body (`Mcp-Method`, `Mcp-Name`, `MCP-Protocol-Version`).
 */
const describeFrame = (frame: string): { readonly ids: Array<RequestId>; readonly headers: Record<string, string> } => {
  const headers: Record<string, string> = {}
  try {
    const parsed: unknown = JSON.parse(frame)
    const items: Array<any> = Array.isArray(parsed) ? parsed : [parsed]
    const ids = items.flatMap((item) =>
      typeof item === "object" && item !== null && typeof item.method === "string" &&
        (typeof item.id === "string" || typeof item.id === "number")
        ? [item.id as RequestId]
        : []
    )
    const single = Array.isArray(parsed) ? undefined : items[0]
    if (typeof single?.method === "string") {
      headers["mcp-method"] = single.method
      const version = single.params?._meta?.[MetaKeys.protocolVersion]
      if (typeof version === "string") headers["mcp-protocol-version"] = version
      const nameParam = Object.hasOwn(NamedMethods, single.method) ? NamedMethods[single.method]! : undefined
      const name = nameParam === undefined ? undefined : single.params?.[nameParam]
      if (typeof name === "string") headers["mcp-name"] = name
    }
    return { ids, headers }
  } catch {
    return { ids: [], headers }
  }
}

/** The ids answered by a frame the server sent (responses only). */
const answeredIds = (data: string): Array<RequestId> => {
  try {
    const parsed: unknown = JSON.parse(data)
    const items = Array.isArray(parsed) ? parsed : [parsed]
    return items.flatMap((item) =>
      typeof item === "object" && item !== null && item.method === undefined &&
        (typeof item.id === "string" || typeof item.id === "number")
        ? [item.id as RequestId]
        : []
    )
  } catch {
    return []
  }
}

const errorFrame = (id: RequestId, message: string, failure: TransportFailure): string =>
  JSON.stringify({ jsonrpc: "2.0", id, error: { code: FailureCode, message, data: { [FailureKey]: failure } } })

/** Whether a 403 answer asks for more scopes (RFC 6750 `insufficient_scope`). */
const insufficientScope = (header: string | null): boolean => header !== null && /error\s*=\s*"?insufficient_scope/i.test(header)

/** Builds the transport; its exchanges live as long as the Scope. */
export const make = (options: Options): Effect.Effect<HttpClientTransport, never, Scope.Scope> =>
  Effect.gen(function*() {
    const url = new URL(options.url)
    const run = yield* FiberSet.makeRuntime<never, void, never>()
    const defaultRetryMs = options.defaultRetryMs ?? 1_000
    const maxResumptions = options.maxResumptions ?? 5
    let sessionId: string | undefined
    let protocolVersion: string | undefined
    let closed = false
    let lastPost: Fiber.RuntimeFiber<void> | undefined
    let deliver: ((frame: Frame) => void) | undefined
    const backlog: Array<Frame> = []
    let ended: ((error: TransportError | undefined) => void) | undefined
    let endedWith: { error: TransportError | undefined } | undefined

    // Exchanges waiting for answers: an answer may come on any stream (a resumed or the GET one).
    const exchanges = new Set<Exchange>()
    const answered = (data: string): void => {
      for (const id of answeredIds(data)) for (const exchange of exchanges) exchange.waiting.delete(id)
    }

    const emit = (frame: string): void => {
      if (deliver !== undefined) deliver(frame)
      else backlog.push(frame)
    }
    const end = (error: TransportError | undefined): void => {
      if (endedWith !== undefined) return
      endedWith = { error }
      ended?.(error)
    }

    const headersFor = (accept: string, extra: Record<string, string>) =>
      Effect.gen(function*() {
        const headers: Record<string, string> = { ...options.headers, accept }
        if (sessionId !== undefined) headers["mcp-session-id"] = sessionId
        if (protocolVersion !== undefined) headers["mcp-protocol-version"] = protocolVersion
        Object.assign(headers, extra)
        if (options.auth !== undefined) Object.assign(headers, yield* options.auth.headers(url))
        return headers
      })

    /** One HTTP request, authorized; a 401 (or 403 insufficient_scope) is handed to `auth` and retried once. */
    const fetchOnce = (method: string, accept: string, extra: Record<string, string>, body: string | undefined, signal: AbortSignal) =>
      Effect.flatMap(headersFor(accept, extra), (headers) =>
        Effect.tryPromise({
          try: () => fetch(url, body === undefined ? { method, headers, signal } : { method, headers, body, signal }),
          catch: (cause) => new HttpFailure({ unreachable: true }, `${method} ${url.href} failed: ${String((cause as Error)?.message ?? cause)}`)
        }))

    const authorized = (method: string, accept: string, extra: Record<string, string>, body: string | undefined, signal: AbortSignal) =>
      Effect.gen(function*() {
        const response = yield* fetchOnce(method, accept, extra, body, signal)
        const challenged = response.status === 401 || (response.status === 403 && insufficientScope(response.headers.get("www-authenticate")))
        if (options.auth === undefined || !challenged) return response
        yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
        yield* options.auth.challenge({ url, status: response.status, wwwAuthenticate: response.headers.get("www-authenticate") ?? undefined })
        return yield* fetchOnce(method, accept, extra, body, signal)
      }).pipe(
        Effect.catchIf((error): error is AuthError => error instanceof AuthError, (error) =>
          Effect.fail(new HttpFailure({ auth: { reason: error.reason, message: error.message } }, `Authorization failed (${error.reason}): ${error.message}`)))
      )

    /** Reads an SSE body: delivers its messages, notes the last event id and `retry`. */
    const readSse = (response: Response, exchange: Exchange, cursor: { lastEventId?: string; retryMs: number }, controller: AbortController) =>
      Effect.tryPromise({
        try: async () => {
          const parser = createParser({
            onEvent: (event) => {
              if (event.id !== undefined) cursor.lastEventId = event.id
              if ((event.event === undefined || event.event === "message") && event.data.trim() !== "") {
                answered(event.data)
                emit(event.data)
                // The answers are in: the stream has nothing more for us (some servers keep it open).
                if (exchange.waiting.size === 0 && exchange !== standalone) controller.abort()
              }
            },
            onRetry: (ms) => {
              cursor.retryMs = ms
            }
          })
          const decoder = new TextDecoder()
          const reader = response.body!.getReader()
          try {
            for (;;) {
              const chunk = await reader.read()
              if (chunk.done) break
              parser.feed(decoder.decode(chunk.value, { stream: true }))
            }
          } catch (cause) {
            if (!controller.signal.aborted) throw cause
          }
        },
        catch: () => undefined
      }).pipe(Effect.ignore)

    const standalone: Exchange = { waiting: new Set() }

    const isSse = (response: Response) => (response.headers.get("content-type") ?? "").includes("text/event-stream")

    /** Resumes a broken stream with GET + `Last-Event-ID`, after the server's `retry`, until its answers are in. */
    const resume = (exchange: Exchange, cursor: { lastEventId?: string; retryMs: number }) =>
      Effect.gen(function*() {
        for (let attempt = 0; attempt < maxResumptions && !closed; attempt++) {
          if (exchange !== standalone && exchange.waiting.size === 0) return
          if (cursor.lastEventId === undefined) break
          yield* Effect.sleep(cursor.retryMs)
          const controller = new AbortController()
          const response = yield* authorized("GET", "text/event-stream", { "last-event-id": cursor.lastEventId }, undefined, controller.signal).pipe(
            Effect.orElseSucceed(() => undefined)
          )
          if (response === undefined || !response.ok || !isSse(response)) {
            yield* Effect.promise(() => response?.body?.cancel() ?? Promise.resolve())
            // The server answered but will not resume this stream (a new server, an unknown session).
            if (response !== undefined && response.status >= 400 && response.status < 500) break
            continue
          }
          yield* readSse(response, exchange, cursor, controller).pipe(Effect.onInterrupt(() => Effect.sync(() => controller.abort())))
        }
        if (exchange === standalone) return
        for (const id of exchange.waiting) {
          emit(errorFrame(id, "The server's stream ended before the answer arrived", { unreachable: true }))
        }
      })

    const post = (frame: string) => {
      const described = describeFrame(frame)
      const exchange: Exchange = { waiting: new Set(described.ids) }
      exchanges.add(exchange)
      return Effect.gen(function*() {
        const controller = new AbortController()
        const response = yield* authorized("POST", "application/json, text/event-stream", { "content-type": "application/json", ...described.headers }, frame, controller.signal)
        const givenSession = response.headers.get("mcp-session-id")
        if (givenSession !== null) sessionId = givenSession
        if (response.status === 404 && sessionId !== undefined && givenSession === null) {
          yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
          return yield* Effect.fail(new HttpFailure({ status: 404, sessionExpired: true }, `The server no longer knows session ${sessionId}`))
        }
        if (!response.ok) {
          const text = yield* Effect.promise(() => response.text().catch(() => ""))
          return yield* Effect.fail(new HttpFailure({ status: response.status }, `HTTP ${response.status}${text === "" ? "" : `: ${text.slice(0, 500)}`}`))
        }
        if (isSse(response)) {
          const cursor = { retryMs: defaultRetryMs } as { lastEventId?: string; retryMs: number }
          yield* readSse(response, exchange, cursor, controller).pipe(Effect.onInterrupt(() => Effect.sync(() => controller.abort())))
          if (exchange.waiting.size > 0) yield* resume(exchange, cursor)
          return
        }
        const text = yield* Effect.promise(() => response.text().catch(() => ""))
        if (text.trim() === "") {
          for (const id of exchange.waiting) emit(errorFrame(id, `HTTP ${response.status} without an answer`, { status: response.status }))
          return
        }
        answered(text)
        emit(text)
      }).pipe(
        Effect.ensuring(Effect.sync(() => exchanges.delete(exchange))),
        Effect.catchAll((error) =>
          Effect.sync(() => {
            for (const id of exchange.waiting) emit(errorFrame(id, error.message, error.failure))
            if (error.failure.sessionExpired === true || error.failure.unreachable === true) {
              end(new TransportError({ message: error.message }))
            }
          })
        )
      )
    }

    const listen = Effect.gen(function*() {
      const controller = new AbortController()
      const response = yield* authorized("GET", "text/event-stream", {}, undefined, controller.signal).pipe(Effect.orElseSucceed(() => undefined))
      // Servers without a GET stream answer 405 (or 404, 400): nothing to listen to.
      if (response === undefined || !response.ok || !isSse(response)) {
        yield* Effect.promise(() => response?.body?.cancel() ?? Promise.resolve())
        return
      }
      const cursor = { retryMs: defaultRetryMs } as { lastEventId?: string; retryMs: number }
      yield* readSse(response, standalone, cursor, controller).pipe(Effect.onInterrupt(() => Effect.sync(() => controller.abort())))
      yield* resume(standalone, cursor)
    })

    const terminate = Effect.suspend(() => {
      if (sessionId === undefined) return Effect.void
      return Effect.flatMap(headersFor("application/json", {}), (headers) =>
        Effect.tryPromise(() => fetch(url, { method: "DELETE", headers, signal: AbortSignal.timeout(2_000) }).then((r) => r.body?.cancel()))
      ).pipe(Effect.ignore)
    })

    return {
      sessionId: () => sessionId,
      negotiated: (version) => {
        protocolVersion = version
      },
      openStream: () => {
        // After the POST sent last (`notifications/initialized`) was answered.
        const after = lastPost
        if (!closed) run(after === undefined ? listen : Effect.zipRight(Fiber.await(after), listen))
      },
      send: (frame) => {
        if (closed) return
        if (endedWith !== undefined) {
          // The connection is over: its requests fail at once rather than waiting for a timeout.
          for (const id of describeFrame(frame).ids) emit(errorFrame(id, "The HTTP connection ended", { unreachable: true }))
          return
        }
        lastPost = run(post(frame))
      },
      receive: (onFrame) =>
        Effect.async<void, TransportError>((resumeReceive) => {
          deliver = onFrame
          for (const frame of backlog.splice(0)) onFrame(frame)
          const finish = (error: TransportError | undefined) => resumeReceive(error === undefined ? Effect.void : Effect.fail(error))
          if (endedWith !== undefined) return finish(endedWith.error)
          ended = finish
          return Effect.sync(() => {
            deliver = undefined
            ended = undefined
          })
        }),
      close: Effect.suspend(() => {
        if (closed) return Effect.void
        closed = true
        return Effect.zipRight(terminate, Effect.sync(() => end(undefined)))
      })
    } satisfies HttpClientTransport
  })
