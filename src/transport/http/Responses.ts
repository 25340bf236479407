/**
 * The HTTP answers of the Streamable HTTP endpoint that are not JSON-RPC answers: transport
 * errors with a JSON-RPC error body (id null, as the official SDK answers them), 202, 204, 405.
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { ErrorCode } from "../../schema/jsonrpc.js"

/** Code of transport-level refusals (the official SDK uses it for every HTTP error). */
export const TransportErrorCode = -32000
/** Code of "session not found" (404). */
export const SessionNotFoundCode = -32001

/**
 * A complete text body. Given as a string with its length, Node sends the head and the body in
 * one write (a byte array body costs a second buffer in a vectored write).
 */
export const text = (body: string, contentType: string, status = 200, headers?: Record<string, string>): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.raw(body, headers === undefined
    ? { status, contentType, contentLength: Buffer.byteLength(body) }
    : { status, contentType, contentLength: Buffer.byteLength(body), headers })

/** A JSON-RPC error response (id null) with an HTTP status. */
export const jsonRpcError = (status: number, code: number, message: string, headers?: Record<string, string>): HttpServerResponse.HttpServerResponse =>
  text(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), "application/json", status, headers)

export const badRequest = (message: string): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(400, TransportErrorCode, `Bad Request: ${message}`)

export const parseError = (): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(400, ErrorCode.ParseError, "Parse error: the body is not valid JSON")

export const forbidden = (message: string): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(403, TransportErrorCode, message)

export const sessionNotFound = (): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(404, SessionNotFoundCode, "Session not found")

export const methodNotAllowed = (): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(405, TransportErrorCode, "Method not allowed", { allow: "GET, POST, DELETE" })

export const notAcceptable = (message: string): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(406, TransportErrorCode, `Not Acceptable: ${message}`)

export const conflict = (message: string): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(409, TransportErrorCode, `Conflict: ${message}`)

export const payloadTooLarge = (maxBytes: number): HttpServerResponse.HttpServerResponse =>
  // The rest of the body is not read: the connection cannot be reused.
  jsonRpcError(413, TransportErrorCode, `Payload Too Large: the body exceeds ${maxBytes} bytes`, { connection: "close" })

export const unsupportedMediaType = (): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(415, TransportErrorCode, "Unsupported Media Type: Content-Type must be application/json")

export const unavailable = (message: string): HttpServerResponse.HttpServerResponse =>
  jsonRpcError(503, TransportErrorCode, `Service Unavailable: ${message}`, { "retry-after": "1" })

export const accepted = (): HttpServerResponse.HttpServerResponse => HttpServerResponse.empty({ status: 202 })

export const noContent = (): HttpServerResponse.HttpServerResponse => HttpServerResponse.empty({ status: 204 })
