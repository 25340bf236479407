/**
 * Middleware around tool calls: global middleware (the `ToolManager`'s) wraps per-tool
 * middleware (the tool's `middleware` option), which wraps the call. A middleware sees the call
 * (tool, version, decoded arguments, the request's `_meta`) and the rest of the chain as an
 * Effect it may run, skip (answer by itself: authorization), or wrap (logging, tracing).
 *
 * @example
 * ```ts
 * const audit: Middleware.Middleware = (call, next) =>
 *   Effect.tap(next, (result) => Effect.log(`${call.name}@${call.version}: ${result.isError ? "error" : "ok"}`))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { McpError } from "../../protocol/errors.js"
import type { RequestContext } from "../../protocol/RequestContext.js"
import type { CallToolResult } from "../../schema/tools.js"
import type { ToolContext } from "../ToolContext.js"

/** The call a middleware sees. */
export interface Call {
  readonly name: string
  readonly version: string
  /** The arguments, decoded with the tool's input schema. */
  readonly arguments: unknown
  /** The request's `_meta` (empty when the call did not come over the wire). */
  readonly meta: Readonly<Record<string, unknown>>
}

/**
 * A middleware: runs `next` (the rest of the chain) or answers by itself. Failing with an
 * `McpError` answers the request with that JSON-RPC error.
 */
export type Middleware = (
  call: Call,
  next: Effect.Effect<CallToolResult, McpError>
) => Effect.Effect<CallToolResult, McpError, RequestContext | ToolContext>

/** Wraps `core` in `middleware`, the first one outermost. */
export const compose = (
  middleware: ReadonlyArray<Middleware>,
  call: Call,
  core: Effect.Effect<CallToolResult, McpError>
): Effect.Effect<CallToolResult, McpError> => {
  let next = core
  for (let i = middleware.length - 1; i >= 0; i--) next = middleware[i]!(call, next) as Effect.Effect<CallToolResult, McpError>
  return next
}
