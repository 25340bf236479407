/**
 * The JSON operations of contexts: RFC 6902 patches (applied by `fast-json-patch`, produced
 * here by a structural diff), RFC 7396 merge patches, deep equality, canonical text and the
 * SHA-256 hash chain of history entries.
 *
 * @since 0.2.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import JsonPatch from "fast-json-patch"
import { createHash } from "node:crypto"

/** A JSON value. */
export type JsonValue = null | boolean | number | string | ReadonlyArray<JsonValue> | { readonly [key: string]: JsonValue }

/**
 * Any JSON value, checked. Its JSON Schema is a recursive `$defs` entry (rather than the `$id`
 * Effect gives `Schema.Unknown`, which clients' validators refuse when it appears twice).
 */
export const JsonValue: Schema.Schema<JsonValue> = Schema.Union(
  Schema.Null,
  Schema.Boolean,
  Schema.Number,
  Schema.String,
  Schema.Array(Schema.suspend(() => JsonValue)),
  Schema.Record({ key: Schema.String, value: Schema.suspend(() => JsonValue) })
).annotations({ identifier: "JsonValue", description: "Any JSON value" })

/** One RFC 6902 operation, as it goes on the wire. */
export const PatchOperation = Schema.Union(
  Schema.Struct({ op: Schema.Literal("add", "replace", "test"), path: Schema.String, value: JsonValue }),
  Schema.Struct({ op: Schema.Literal("remove"), path: Schema.String }),
  Schema.Struct({ op: Schema.Literal("move", "copy"), from: Schema.String, path: Schema.String })
)

/** One RFC 6902 operation. */
export type PatchOperation = typeof PatchOperation.Type

/** An RFC 6902 patch: a list of operations. */
export const Patch = Schema.Array(PatchOperation)

/** An RFC 6902 patch. */
export type Patch = ReadonlyArray<PatchOperation>

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Deep equality of two JSON values. */
export const equals = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => equals(item, b[i]))
  }
  if (!isObject(a) || !isObject(b)) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && equals(a[key], b[key]))
}

/** JSON text with object keys sorted, so that equal values have equal text. */
export const canonical = (value: unknown): string => {
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null"
  if (Array.isArray(value)) {
    let text = "["
    for (let i = 0; i < value.length; i++) text += (i === 0 ? "" : ",") + canonical(value[i])
    return text + "]"
  }
  const record = value as Record<string, unknown>
  let text = "{"
  for (const key of Object.keys(record).sort()) {
    const item = record[key]
    if (item === undefined) continue
    text += (text.length === 1 ? "" : ",") + JSON.stringify(key) + ":" + canonical(item)
  }
  return text + "}"
}

/** Whether `value` is plain JSON (no functions, `undefined`, non-finite numbers, class instances). */
export const isJson = (value: unknown): boolean => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(value)
    case "object":
      if (value === null) return true
      if (Array.isArray(value)) return value.every(isJson)
      return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isJson)
    default:
      return false
  }
}

/** Sets a key as a data property (assigning `"__proto__"` would set the prototype instead). */
const setKey = (target: Record<string, unknown>, key: string, item: unknown): void => {
  if (key === "__proto__") Object.defineProperty(target, key, { value: item, enumerable: true, writable: true, configurable: true })
  else target[key] = item
}

/**
 * A deeply frozen copy of `value` that the manager owns: parts already frozen are shared, the
 * others copied, so neither the caller nor a reader can change a committed value in place.
 */
export const own = <A>(value: A): A => {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value
  if (Array.isArray(value)) return Object.freeze(value.map(own)) as A
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    setKey(copy, key, own((value as Record<string, unknown>)[key]))
  }
  return Object.freeze(copy) as A
}

const escape = (segment: string): string => segment.replace(/~/g, "~0").replace(/\//g, "~1")

const diffInto = (a: unknown, b: unknown, path: string, out: Array<PatchOperation>): void => {
  if (equals(a, b)) return
  if (!isObject(a) || !isObject(b)) {
    out.push({ op: "replace", path, value: b as JsonValue })
    return
  }
  for (const key of Object.keys(a)) {
    if (!Object.hasOwn(b, key)) out.push({ op: "remove", path: `${path}/${escape(key)}` })
  }
  for (const key of Object.keys(b)) {
    const child = `${path}/${escape(key)}`
    if (Object.hasOwn(a, key)) diffInto(a[key], b[key], child, out)
    else out.push({ op: "add", path: child, value: b[key] as JsonValue })
  }
}

/**
 * The RFC 6902 patch from `a` to `b`: objects are compared key by key, arrays and scalars are
 * replaced whole (so each operation names one changed place, which is what merges need).
 */
export const diff = (a: unknown, b: unknown): Patch => {
  const out: Array<PatchOperation> = []
  diffInto(a, b, "", out)
  return out
}

/** Applies an RFC 6902 patch without changing `value`; `Left` with the reason when it does not apply. */
export const applyPatch = (value: unknown, patch: Patch): Either.Either<unknown, string> => {
  try {
    return Either.right(JsonPatch.applyPatch(value, patch as Array<JsonPatch.Operation>, true, false, true).newDocument)
  } catch (error) {
    return Either.left(error instanceof Error ? error.message.split("\n")[0]! : String(error))
  }
}

/** Applies an RFC 7396 merge patch without changing `value`. */
export const applyMergePatch = (value: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return patch
  const result: Record<string, unknown> = isObject(value) ? { ...value } : {}
  for (const [key, change] of Object.entries(patch)) {
    if (change === null) delete result[key]
    else setKey(result, key, applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, change))
  }
  return result
}

/** The JSON Pointer segments of `path`. */
export const segments = (path: string): ReadonlyArray<string> =>
  path === "" ? [] : path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))

/** Whether one of two pointers names a place inside (or at) the other. */
export const overlaps = (a: string, b: string): boolean => {
  const x = segments(a)
  const y = segments(b)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false
  return true
}

/** What a history entry's hash covers. */
export interface HashedContent {
  readonly id: string
  readonly version: number
  readonly value: unknown
  readonly patch: ReadonlyArray<unknown>
  readonly actor?: string | undefined
  readonly at: number
  readonly previousHash: string
}

/**
 * SHA-256 (hex) of a history entry: the canonical text of its content, chained to the previous
 * entry's hash. `valueText` is `canonical(entry.value)` when the caller has it already.
 */
export const entryHash = (entry: HashedContent, valueText: string = canonical(entry.value)): string =>
  createHash("sha256").update(
    `{"actor":${JSON.stringify(entry.actor ?? null)},"at":${canonical(entry.at)},"id":${JSON.stringify(entry.id)},` +
      `"patch":${canonical(entry.patch)},"previousHash":${JSON.stringify(entry.previousHash)},"value":${valueText},"version":${canonical(entry.version)}}`
  ).digest("hex")
