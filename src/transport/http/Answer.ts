/**
 * What the endpoint answers, independent of the HTTP server that sends it: a complete text body,
 * an empty response, or an SSE stream. Adapters turn answers into Node responses (the server of
 * `StreamableHttp.layer`) or `HttpServerResponse`s (the router to mount in an Effect HTTP app).
 *
 * The transport errors carry a JSON-RPC error body with id null, as the official SDK answers them.
 */
import { ErrorCode } from "../../schema/jsonrpc.js"
import { StatelessErrorCode } from "../../schema/stateless.js"
import type { SseWriter } from "./Sse.js"

export type Headers = Readonly<Record<string, string>>

export type Answer =
  | { readonly _tag: "Text"; readonly status: number; readonly contentType: string; readonly body: string; readonly headers: Headers | undefined }
  | { readonly _tag: "Empty"; readonly status: number; readonly headers: Headers | undefined }
  | { readonly _tag: "Stream"; readonly writer: SseWriter }

/** Headers of every SSE response. */
export const eventStreamHeaders: Headers = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" }

/** Code of transport-level refusals (the official SDK uses it for every HTTP error). */
export const TransportErrorCode = -32000
/** Code of "session not found" (404). */
export const SessionNotFoundCode = -32001

export const text = (body: string, contentType: string, status = 200, headers?: Headers): Answer =>
  ({ _tag: "Text", status, contentType, body, headers })

export const empty = (status: number, headers?: Headers): Answer => ({ _tag: "Empty", status, headers })

export const stream = (writer: SseWriter): Answer => ({ _tag: "Stream", writer })

/** A JSON-RPC error response (id null) with an HTTP status. */
export const jsonRpcError = (status: number, code: number, message: string, headers?: Headers): Answer =>
  text(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), "application/json", status, headers)

/**
 * A 2026-07-28 header that disagrees with the body, or is missing: 400 with -32020
 * (HeaderMismatch) and the request's id.
 */
export const headerMismatch = (id: string | number | undefined, message: string): Answer =>
  text(JSON.stringify({ jsonrpc: "2.0", id: id ?? null, error: { code: StatelessErrorCode.HeaderMismatch, message: `Header mismatch: ${message}` } }), "application/json", 400)

export const badRequest = (message: string): Answer => jsonRpcError(400, TransportErrorCode, `Bad Request: ${message}`)

export const parseError: Answer = jsonRpcError(400, ErrorCode.ParseError, "Parse error: the body is not valid JSON")

export const forbidden = (message: string): Answer => jsonRpcError(403, TransportErrorCode, message)

export const notFound: Answer = jsonRpcError(404, TransportErrorCode, "Not Found")

export const sessionNotFound: Answer = jsonRpcError(404, SessionNotFoundCode, "Session not found")

export const methodNotAllowed: Answer = jsonRpcError(405, TransportErrorCode, "Method not allowed", { allow: "GET, POST, DELETE" })

export const notAcceptable = (message: string): Answer => jsonRpcError(406, TransportErrorCode, `Not Acceptable: ${message}`)

export const conflict = (message: string): Answer => jsonRpcError(409, TransportErrorCode, `Conflict: ${message}`)

/** The rest of the body is not read: the connection cannot be reused. */
export const payloadTooLarge = (maxBytes: number): Answer =>
  jsonRpcError(413, TransportErrorCode, `Payload Too Large: the body exceeds ${maxBytes} bytes`, { connection: "close" })

export const unsupportedMediaType: Answer = jsonRpcError(415, TransportErrorCode, "Unsupported Media Type: Content-Type must be application/json")

export const unavailable = (message: string): Answer =>
  jsonRpcError(503, TransportErrorCode, `Service Unavailable: ${message}`, { "retry-after": "1" })

export const accepted: Answer = empty(202)

export const noContent: Answer = empty(204)
