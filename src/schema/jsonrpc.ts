/**
 * JSON-RPC 2.0 envelopes as MCP uses them (every era).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** The JSON-RPC version string every message carries. */
export const JsonRpcVersion = Schema.Literal("2.0")

/** A request id: a string or a number, echoed back with its type. */
export const RequestId = Schema.Union(Schema.String, Schema.Number)
export type RequestId = typeof RequestId.Type

/** A progress token: a string or a number. */
export const ProgressToken = Schema.Union(Schema.String, Schema.Number)
export type ProgressToken = typeof ProgressToken.Type

/** `_meta`: free-form metadata keyed by (optionally prefixed) names. */
export const Meta = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export type Meta = typeof Meta.Type

/** Parameters of a request or notification: an object. Per-method schemas refine it. */
export const Params = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export type Params = typeof Params.Type

/** A request that expects a response. */
export const JsonRpcRequest = Schema.Struct({
  jsonrpc: JsonRpcVersion,
  id: RequestId,
  method: Schema.String,
  params: Schema.optional(Params)
})
export type JsonRpcRequest = typeof JsonRpcRequest.Type

/** A notification: no id, no response. */
export const JsonRpcNotification = Schema.Struct({
  jsonrpc: JsonRpcVersion,
  method: Schema.String,
  params: Schema.optional(Params)
})
export type JsonRpcNotification = typeof JsonRpcNotification.Type

/** A successful response. */
export const JsonRpcResultResponse = Schema.Struct({
  jsonrpc: JsonRpcVersion,
  id: RequestId,
  result: Params
})
export type JsonRpcResultResponse = typeof JsonRpcResultResponse.Type

/** The error object of an error response. */
export const JsonRpcErrorObject = Schema.Struct({
  code: Schema.Int,
  message: Schema.String,
  data: Schema.optional(Schema.Unknown)
})
export type JsonRpcErrorObject = typeof JsonRpcErrorObject.Type

/** An error response; `id` is null when the request's id could not be read. */
export const JsonRpcErrorResponse = Schema.Struct({
  jsonrpc: JsonRpcVersion,
  id: Schema.NullOr(RequestId),
  error: JsonRpcErrorObject
})
export type JsonRpcErrorResponse = typeof JsonRpcErrorResponse.Type

/** Any response. */
export const JsonRpcResponse = Schema.Union(JsonRpcResultResponse, JsonRpcErrorResponse)
export type JsonRpcResponse = typeof JsonRpcResponse.Type

/** Any single JSON-RPC message. */
export const JsonRpcMessage = Schema.Union(JsonRpcRequest, JsonRpcNotification, JsonRpcResultResponse, JsonRpcErrorResponse)
export type JsonRpcMessage = typeof JsonRpcMessage.Type

/** A batch (2025-03-26 only): a non-empty array of messages. */
export const JsonRpcBatch = Schema.NonEmptyArray(JsonRpcMessage)
export type JsonRpcBatch = typeof JsonRpcBatch.Type

/** Standard JSON-RPC error codes, and the MCP-specific ones. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** 2025-11-25: the server needs the client to complete a URL elicitation first. */
  UrlElicitationRequired: -32042,
  /** Resource not found (2025-era servers). */
  ResourceNotFound: -32002
} as const
