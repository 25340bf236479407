/**
 * Decoding of incoming frames: JSON text → a classified JSON-RPC message, or the
 * `ValidationError` it is answered with. Every check happens here, once per message:
 * size, JSON syntax, limits (depth, string and array lengths), and the envelope.
 *
 * @since 0.1.0
 */
import { ErrorCode, type RequestId } from "../schema/jsonrpc.js"
import { OversizedFrame, type Frame } from "../transport/Transport.js"
import { ValidationError } from "./errors.js"
import { isPlainObject, isRequestId, readIdFromPrefix } from "./internal/wire.js"
import * as Limits from "./Limits.js"

/** A request: answered with a result or an error. */
export interface Request {
  readonly _tag: "Request"
  readonly id: RequestId
  readonly method: string
  readonly params: Record<string, unknown>
}

/** A notification: never answered. */
export interface Notification {
  readonly _tag: "Notification"
  readonly method: string
  readonly params: Record<string, unknown>
}

/** A response to one of our requests: `result` or `error` is set. */
export interface Response {
  readonly _tag: "Response"
  readonly id: RequestId
  readonly result: unknown
  readonly error: unknown
}

/** A batch (JSON array); its items are classified one by one with {@link classify}. */
export interface Batch {
  readonly _tag: "Batch"
  readonly items: ReadonlyArray<unknown>
}

/** One classified message. */
export type Message = Request | Notification | Response

const NO_PARAMS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>

const invalid = (id: RequestId | null, message: string, code: number = ErrorCode.InvalidRequest) =>
  new ValidationError({ code, message, id })

/**
 * Parses one frame and checks it against `limits`. A batch is returned whole; a single
 * message is classified.
 */
export const decodeFrame = (frame: Frame, limits: Limits.Limits): Message | Batch | ValidationError | undefined => {
  if (frame instanceof OversizedFrame) {
    return invalid(readIdFromPrefix(frame.prefix), `Message too large: ${frame.bytes} bytes, the limit is ${limits.maxMessageBytes}`)
  }
  // Only long frames can be over the limit (a UTF-16 unit is at most 3 UTF-8 bytes).
  if (frame.length * 3 > limits.maxMessageBytes) {
    const bytes = Buffer.byteLength(frame)
    if (bytes > limits.maxMessageBytes) {
      return invalid(readIdFromPrefix(frame.slice(0, 4096)), `Message too large: ${bytes} bytes, the limit is ${limits.maxMessageBytes}`)
    }
  }
  let message: unknown
  try {
    message = JSON.parse(frame)
  } catch (error) {
    // V8 throws RangeError when nesting exhausts its stack.
    return error instanceof RangeError
      ? invalid(readIdFromPrefix(frame.slice(0, 4096)), `Invalid request: nesting is deeper than ${limits.maxDepth} levels`)
      : invalid(null, `Parse error: ${(error as Error).message}`, ErrorCode.ParseError)
  }
  const violation = Limits.check(message, limits)
  if (violation !== undefined) {
    return invalid(isPlainObject(message) && isRequestId(message.id) ? message.id : null, `Invalid request: ${violation}`)
  }
  return Array.isArray(message) ? { _tag: "Batch", items: message } : classify(message)
}

/**
 * Classifies one parsed JSON-RPC message. Returns `undefined` for what is ignored without an
 * answer: a notification whose params are not an object, a response whose id is unreadable.
 */
export const classify = (message: unknown): Message | ValidationError | undefined => {
  if (!isPlainObject(message)) return invalid(null, "Invalid request: a message must be a JSON object")
  const id = message.id
  const hasId = id !== undefined
  if (message.jsonrpc !== "2.0") return invalid(isRequestId(id) ? id : null, "Invalid request: \"jsonrpc\" must be \"2.0\"")
  const method = message.method
  if (typeof method === "string") {
    const params = message.params
    if (!hasId) {
      return params === undefined || isPlainObject(params) ? { _tag: "Notification", method, params: params ?? NO_PARAMS } : undefined
    }
    if (!isRequestId(id)) return invalid(null, "Invalid request: \"id\" must be a string or a number")
    if (method.startsWith("notifications/")) return invalid(id, `Invalid request: ${method} is a notification and must not carry an id`)
    if (params !== undefined && !isPlainObject(params)) return invalid(id, "Invalid params: \"params\" must be an object", ErrorCode.InvalidParams)
    return { _tag: "Request", id, method, params: params ?? NO_PARAMS }
  }
  if (method !== undefined) return invalid(isRequestId(id) ? id : null, "Invalid request: \"method\" must be a string")
  if ("result" in message || "error" in message) {
    // A response is never answered, not even an invalid one: two peers must not ping-pong errors.
    return isRequestId(id) ? { _tag: "Response", id, result: message.result, error: message.error } : undefined
  }
  return invalid(isRequestId(id) ? id : null, "Invalid request: neither a request, a notification nor a response")
}

/** Whether a batch item gets an answer (requests and invalid messages do; notifications and responses don't). */
export const isAnswered = (message: unknown): boolean => {
  if (!isPlainObject(message) || message.jsonrpc !== "2.0") return true
  if (typeof message.method === "string") return message.id !== undefined
  return !(message.method === undefined && ("result" in message || "error" in message))
}
