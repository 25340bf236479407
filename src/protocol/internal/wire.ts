/**
 * Encoding of outgoing JSON-RPC frames and reading of ids from raw text.
 * Frames are built as strings: the envelope is fixed, only the payload is serialized.
 */
import type { JsonRpcErrorObject, RequestId } from "../../schema/jsonrpc.js"

/** Whether `value` is a JSON object (not an array, not null). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Whether `id` is a valid JSON-RPC request id (string or finite number). */
export const isRequestId = (id: unknown): id is RequestId =>
  typeof id === "string" || (typeof id === "number" && Number.isFinite(id))

/**
 * A result that is already JSON text (a cached `tools/list` page, say): framed as it is,
 * without serializing it again.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

export const resultFrame = (id: RequestId, result: unknown): string =>
  `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result instanceof RawJson ? result.text : JSON.stringify(result)}}`

/** An error answer. `data` is left out when undefined (McpError instances carry it as a field). */
export const errorFrame = (id: RequestId | null, code: number, message: string, data?: unknown): string => {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data }
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":${JSON.stringify(error)}}`
}

/** The answer carrying an error (an `McpError`, or anything with its fields). */
export const mcpErrorFrame = (id: RequestId | null, error: { readonly code: number; readonly message: string; readonly data?: unknown }): string =>
  errorFrame(id, error.code, error.message, error.data)

export const requestFrame = (id: RequestId, method: string, params: unknown): string =>
  params === undefined
    ? `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":${JSON.stringify(method)}}`
    : `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`

export const notificationFrame = (method: string, params: unknown): string =>
  params === undefined
    ? `{"jsonrpc":"2.0","method":${JSON.stringify(method)}}`
    : `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`

const ID_VALUE = /^\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/

/**
 * Reads the top-level `"id"` of a JSON object from the first part of its text (the part a
 * transport kept of an oversized message). Returns `null` when it cannot be read.
 */
export const readIdFromPrefix = (text: string): RequestId | null => {
  let depth = 0
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      const start = i
      i++
      while (i < n && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1
      if (i >= n) return null
      i++
      if (depth === 1 && text.slice(start, i) === "\"id\"") {
        let j = i
        while (j < n && (text[j] === " " || text[j] === "\t" || text[j] === "\n" || text[j] === "\r")) j++
        if (text[j] !== ":") continue
        const match = ID_VALUE.exec(text.slice(j + 1, j + 1 + 1024))
        if (match === null) return null
        try {
          const id: unknown = JSON.parse(match[1]!)
          return isRequestId(id) ? id : null
        } catch {
          return null
        }
      }
      continue
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
    i++
  }
  return null
}
