/**
 * Typed errors of the client, beyond the engine's `ProtocolError` (the server answered with an
 * error, or timed out) and `RecoveryError`.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/** The request needs a capability the server did not declare; nothing was sent. */
export class MissingCapability extends Schema.TaggedError<MissingCapability>()("MissingCapability", {
  method: Schema.String,
  capability: Schema.String,
  message: Schema.String
}) {}

/**
 * The connection broke while the request was in flight and the request was not safe to send
 * again (a tool call neither annotated `idempotentHint` nor carrying an idempotency key), or
 * the connection could not be restored.
 */
export class ConnectionLost extends Schema.TaggedError<ConnectionLost>()("ConnectionLost", {
  method: Schema.String,
  message: Schema.String
}) {}

/** The server could not be connected to, or version negotiation failed. */
export class ConnectError extends Schema.TaggedError<ConnectError>()("ConnectError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/** A typed tool call answered `isError: true` (the tool failed). */
export class ToolError extends Schema.TaggedError<ToolError>()("ToolError", {
  tool: Schema.String,
  message: Schema.String,
  structuredContent: Schema.optional(Schema.Unknown)
}) {}
