/**
 * `x-mcp-header` (2026-07-28, Streamable HTTP): a tool may mark primitive parameters of its
 * `inputSchema` to be mirrored by clients into `Mcp-Param-{Name}` headers, so that
 * intermediaries can route on them. This module reads and checks the annotations, encodes
 * values for headers (plain ASCII, or `=?base64?…?=`) and decodes them; the server compares
 * the decoded headers with the body (a mismatch is 400 with -32020).
 *
 * @since 0.2.0
 */

/** A parameter mirrored into a header: the header's name part and the property path to the value. */
export interface ParamHeader {
  /** The `x-mcp-header` value: the header is `Mcp-Param-{name}`. */
  readonly name: string
  /** The chain of `properties` keys from the schema root to the parameter. */
  readonly path: ReadonlyArray<string>
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** RFC 9110 `token`: what a header field name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

const PRIMITIVE_TYPES: ReadonlySet<unknown> = new Set(["string", "integer", "boolean"])

/** Counts `x-mcp-header` keys anywhere in a JSON value. */
const countAnnotations = (value: unknown): number => {
  if (Array.isArray(value)) return value.reduce<number>((n, item) => n + countAnnotations(item), 0)
  if (!isObject(value)) return 0
  let n = "x-mcp-header" in value ? 1 : 0
  for (const child of Object.values(value)) n += countAnnotations(child)
  return n
}

/**
 * The parameters `inputSchema` mirrors into headers, or why its annotations are invalid (the
 * specification's constraints: non-empty RFC 9110 tokens, unique ignoring case, on string,
 * integer or boolean properties reached from the root through `properties` keys only).
 */
export const annotations = (inputSchema: unknown): { readonly headers: ReadonlyArray<ParamHeader> } | { readonly error: string } => {
  const headers: Array<ParamHeader> = []
  const walk = (schema: unknown, path: ReadonlyArray<string>): string | undefined => {
    if (!isObject(schema) || !isObject(schema.properties)) return undefined
    for (const [key, property] of Object.entries(schema.properties)) {
      if (!isObject(property)) continue
      const here = [...path, key]
      const name = property["x-mcp-header"]
      if (name !== undefined) {
        if (typeof name !== "string" || !TOKEN.test(name)) return `x-mcp-header of ${here.join(".")} must be a non-empty HTTP token`
        if (!PRIMITIVE_TYPES.has(property.type)) return `x-mcp-header of ${here.join(".")} must be on a string, integer or boolean parameter`
        if (headers.some((h) => h.name.toLowerCase() === name.toLowerCase())) return `x-mcp-header "${name}" is used twice`
        headers.push({ name, path: here })
      }
      const nested = walk(property, here)
      if (nested !== undefined) return nested
    }
    return undefined
  }
  const error = walk(inputSchema, [])
  if (error !== undefined) return { error }
  if (countAnnotations(inputSchema) !== headers.length) {
    return { error: "x-mcp-header may only annotate properties reached from the root through properties keys" }
  }
  return { headers }
}

/** The value at `path` in `args`, as a header carries it; `undefined` when there is none. */
export const valueAt = (args: unknown, path: ReadonlyArray<string>): string | undefined => {
  let node: unknown = args
  for (const key of path) {
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined
    node = node[key]
  }
  if (typeof node === "string") return node
  if (typeof node === "boolean") return node ? "true" : "false"
  if (typeof node === "number" && Number.isSafeInteger(node)) return String(node)
  return undefined
}

const PREFIX = "=?base64?"
const SUFFIX = "?="
/** Visible ASCII and space, not starting or ending with whitespace. */
const PLAIN = /^(?:[\x21-\x7e]|[\x21-\x7e][\x20-\x7e]*[\x21-\x7e])$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** A header value for `value`: as it is when it is plain ASCII, else Base64 between the markers. */
export const encode = (value: string): string =>
  PLAIN.test(value) && !(value.startsWith(PREFIX) && value.endsWith(SUFFIX))
    ? value
    : `${PREFIX}${Buffer.from(value, "utf8").toString("base64")}${SUFFIX}`

/** The value a header carries (decoded when Base64); `undefined` when it is not a valid value. */
export const decode = (header: string): string | undefined => {
  if (header.startsWith(PREFIX) && header.endsWith(SUFFIX) && header.length >= PREFIX.length + SUFFIX.length) {
    const encoded = header.slice(PREFIX.length, header.length - SUFFIX.length)
    if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined
    return Buffer.from(encoded, "base64").toString("utf8")
  }
  return header === "" || PLAIN.test(header) ? header : undefined
}
