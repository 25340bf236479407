/**
 * Reading a POST body (bounded) and the little the endpoint must know of it before the protocol
 * engine sees it: whether it holds requests, whether it is `initialize`, whether its answers may
 * be sent as plain JSON, and whether it belongs to the stateless era.
 */
import type * as Http from "node:http"

/** Why a body could not be read. */
export type ReadFailure = "TooLarge" | "Aborted"

/**
 * Reads the whole body as UTF-8 text (decoded once, so split characters are safe), refusing
 * bodies over `maxBytes` without buffering them. Calls `done` once; returns a cancel function.
 */
export const read = (incoming: Http.IncomingMessage, maxBytes: number, done: (failure: ReadFailure | undefined, text: string) => void): () => void => {
  const declared = incoming.headers["content-length"]
  if (declared !== undefined && Number(declared) > maxBytes) {
    done("TooLarge", "")
    return () => undefined
  }
  const chunks: Array<Buffer> = []
  let size = 0
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > maxBytes) {
      cleanup()
      done("TooLarge", "")
      return
    }
    chunks.push(chunk)
  }
  const onEnd = () => {
    cleanup()
    done(undefined, chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"))
  }
  const onError = () => {
    cleanup()
    done("Aborted", "")
  }
  const cleanup = () => {
    incoming.off("data", onData)
    incoming.off("end", onEnd)
    incoming.off("error", onError)
  }
  incoming.on("data", onData)
  incoming.once("end", onEnd)
  incoming.once("error", onError)
  return cleanup
}

/** Methods whose answers may go out as plain JSON when nothing else was sent for them. */
const quickMethods = new Set([
  "initialize",
  "ping",
  "tools/list",
  "resources/list",
  "resources/templates/list",
  "prompts/list",
  "logging/setLevel"
])

/** The `_meta` key by which a 2026-07-28 request says its version (no session, no initialize). */
export const StatelessVersionKey = "io.modelcontextprotocol/protocolVersion"

/** What the endpoint reads of a parsed body. */
export interface Shape {
  /** Requests in the body (members of a batch included). */
  readonly requests: number
  /** The body is a single `initialize` request. */
  readonly initialize: boolean
  /** Every request in it may be answered as `application/json`. */
  readonly quick: boolean
  /** The protocol version a stateless-era request carries in its `_meta`, if any. */
  readonly statelessVersion: string | undefined
  /** The method of a single request (what `Mcp-Method` must say). */
  readonly method?: string
  /** The name a single request acts on (what `Mcp-Name` must say): a tool's or prompt's name, a resource's URI. */
  readonly name?: string
  /** The id of a single request (for errors about it). */
  readonly id?: string | number
  /** The `arguments` of a single `tools/call` (what `Mcp-Param-*` headers mirror). */
  readonly arguments?: unknown
  /** The `_meta` of a single `tools/call` (it may pin the tool version whose `x-mcp-header` annotations apply). */
  readonly meta?: Readonly<Record<string, unknown>>
}

/** Methods whose `Mcp-Name` header names what they act on, and the param that holds it. */
export const NamedMethods: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  // The tasks extension: routes a task's requests to the instance that holds it.
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId"
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isRequest = (message: unknown): message is Record<string, unknown> =>
  isObject(message) && typeof message.method === "string" && message.id !== undefined && message.id !== null

/** Reads the shape of a parsed body; `undefined` when the text is not JSON. */
export const shape = (text: string): Shape | undefined => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (Array.isArray(value)) {
    let requests = 0
    let quick = true
    for (const item of value) {
      if (!isRequest(item)) continue
      requests++
      if (!quickMethods.has(item.method as string)) quick = false
    }
    return { requests, initialize: false, quick, statelessVersion: undefined }
  }
  if (!isRequest(value)) return { requests: 0, initialize: false, quick: true, statelessVersion: undefined }
  const params = value.params
  const meta = isObject(params) && isObject(params._meta) ? params._meta : undefined
  const stateless = meta?.[StatelessVersionKey]
  const method = value.method as string
  const nameParam = Object.hasOwn(NamedMethods, method) ? NamedMethods[method]! : undefined
  const name = nameParam !== undefined && isObject(params) && typeof params[nameParam] === "string" ? params[nameParam] : undefined
  const id = typeof value.id === "string" || typeof value.id === "number" ? value.id : undefined
  return {
    requests: 1,
    initialize: method === "initialize",
    quick: quickMethods.has(method),
    statelessVersion: typeof stateless === "string" ? stateless : undefined,
    method,
    ...(name === undefined ? {} : { name }),
    ...(id === undefined ? {} : { id }),
    ...(method === "tools/call" && isObject(params) && params.arguments !== undefined ? { arguments: params.arguments } : {}),
    ...(method === "tools/call" && meta !== undefined ? { meta } : {})
  }
}
