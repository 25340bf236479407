/**
 * Typed errors of the protocol engine. Each one that can reach the wire knows its
 * JSON-RPC error code.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ErrorCode, RequestId } from "../schema/jsonrpc.js"

/**
 * An error to send to the peer as a JSON-RPC error response. Handlers fail with it (or with
 * an error that maps to it) to answer a request with a specific code.
 */
export class McpError extends Schema.TaggedError<McpError>()("McpError", {
  code: Schema.Int,
  message: Schema.String,
  data: Schema.optional(Schema.Unknown)
}) {
  /** -32602: the request's params are not what the method expects. */
  static invalidParams(message: string, data?: unknown): McpError {
    return new McpError(data === undefined ? { code: ErrorCode.InvalidParams, message } : { code: ErrorCode.InvalidParams, message, data })
  }
  /** -32600: the message is not a valid request (now). */
  static invalidRequest(message: string, data?: unknown): McpError {
    return new McpError(data === undefined ? { code: ErrorCode.InvalidRequest, message } : { code: ErrorCode.InvalidRequest, message, data })
  }
  /** -32601: nobody serves this method. */
  static methodNotFound(method: string): McpError {
    return new McpError({ code: ErrorCode.MethodNotFound, message: `Method not found: ${method}`, data: { method } })
  }
  /** -32603: a defect; the message stays generic, the cause is logged. */
  static internal(): McpError {
    return new McpError({ code: ErrorCode.InternalError, message: "Internal error" })
  }
}

/**
 * A message (or its params) failed validation: not JSON, not a valid JSON-RPC envelope, over a
 * limit, or not matching the method's schema. `code` is the JSON-RPC code it is answered with,
 * `id` the id of the request it answers (null when it could not be read).
 */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  code: Schema.Int,
  message: Schema.String,
  id: Schema.NullOr(RequestId),
  issues: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })))
}) {
  /** The error object of the answer. */
  toMcpError(): McpError {
    return new McpError(this.issues === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: { issues: this.issues } })
  }
}

/** The peer broke the protocol, or answered an outgoing request with an error. */
export class ProtocolError extends Schema.TaggedError<ProtocolError>()("ProtocolError", {
  reason: Schema.Literal("RemoteError", "Timeout", "Closed", "InvalidResponse"),
  message: Schema.String,
  method: Schema.optional(Schema.String),
  code: Schema.optional(Schema.Int),
  data: Schema.optional(Schema.Unknown)
}) {}

/** The transport failed: reading, writing or framing. The connection ends and its Scope closes. */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/** Recovery gave up: a retried operation exhausted its schedule, or cleanup failed. */
export class RecoveryError extends Schema.TaggedError<RecoveryError>()("RecoveryError", {
  message: Schema.String,
  attempts: Schema.Int,
  cause: Schema.optional(Schema.Defect)
}) {}
