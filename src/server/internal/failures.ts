/**
 * How a handler's typed failure is answered when the method has no error result of its own
 * (prompts, resources, completions): an `McpError` as it is, an error that knows its
 * `McpError` as that, anything else as -32603 with the failure's message.
 */
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import { ErrorCode } from "../../schema/jsonrpc.js"

const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" && error.message !== "") {
    return error.message
  }
  if (typeof error === "object" && error !== null && "_tag" in error) return String(error._tag)
  return String(error)
}

export const toMcpError = (what: string, error: unknown): McpError => {
  if (error instanceof McpError) return error
  if (typeof error === "object" && error !== null && "toMcpError" in error && typeof error.toMcpError === "function") {
    return (error as { toMcpError: () => McpError }).toMcpError()
  }
  return new McpError({ code: ErrorCode.InternalError, message: `${what} failed: ${describe(error)}` })
}

export const answeringFailures = <A, E, R>(what: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, McpError, R> =>
  Effect.mapError(effect, (error) => toMcpError(what, error))
