/**
 * Common building blocks of MCP messages: JSON values, `_meta` objects, metadata shared by
 * listed items (name, title, icons), pagination, the result base and logging levels.
 *
 * Every schema models the superset of all eras: a field that only some eras have is optional.
 *
 * @since 0.1.0
 */
import type { LazyArbitrary } from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import { ProgressToken, RequestId } from "./jsonrpc.js"

// ---------------------------------------------------------------------------
// JSON values
// ---------------------------------------------------------------------------

type Fc = Parameters<LazyArbitrary<unknown>>[0]
type Arb<A> = ReturnType<LazyArbitrary<A>>

/** Object keys for generated JSON: any short string except `__proto__`. */
const arbitraryKey = (fc: Fc) => fc.string({ maxLength: 8 }).filter((key) => key !== "__proto__")

/** JSON scalars: no NaN, no infinities, no negative zero (none of them survive JSON). */
const arbitraryScalar = (fc: Fc): Arb<unknown> =>
  fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.string({ maxLength: 12 })
  )

const arbitraryObjectOf = <A>(fc: Fc, value: Arb<A>) =>
  fc.dictionary(arbitraryKey(fc), value, { maxKeys: 3, noNullPrototype: true })

/** JSON values nested at most two levels deep (small, to keep property tests fast). */
const arbitraryJson = (fc: Fc): Arb<unknown> => {
  const scalar = arbitraryScalar(fc)
  const level1 = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), arbitraryObjectOf(fc, scalar))
  return fc.oneof(scalar, fc.array(level1, { maxLength: 3 }), arbitraryObjectOf(fc, level1))
}

/**
 * A key of a JSON object. Any string; generated keys avoid `__proto__` (decoding an own
 * `__proto__` key into a plain object would change its prototype).
 */
export const JsonKey = Schema.String.annotations({
  identifier: "JsonKey",
  arbitrary: () => (fc) => arbitraryKey(fc)
})

/**
 * Any JSON value. Not checked at runtime (wire data comes from `JSON.parse`); its arbitrary
 * only produces JSON-safe values (no `-0`, NaN, `undefined`, functions).
 */
export const JsonValue = Schema.Unknown.annotations({
  identifier: "JsonValue",
  arbitrary: () => (fc) => arbitraryJson(fc)
})
export type JsonValue = typeof JsonValue.Type

/** JSON-safe string-or-integer ids (a non-finite number would not survive JSON). */
const arbitraryId = (fc: Fc) => fc.oneof(fc.string({ maxLength: 8 }), fc.integer())

/** `RequestId` (string or number) as a field of MCP params: same schema, JSON-safe arbitrary. */
export const JsonRequestId = RequestId.annotations({ identifier: "RequestId", arbitrary: () => arbitraryId })

/** `ProgressToken` (string or number) as a field of MCP params: same schema, JSON-safe arbitrary. */
export const JsonProgressToken = ProgressToken.annotations({ identifier: "ProgressToken", arbitrary: () => arbitraryId })

/** Index signature for open objects: unknown keys are kept by decode and encode. */
export const OpenRecord = Schema.Record({ key: JsonKey, value: JsonValue }).annotations({ identifier: "OpenRecord" })

/** A JSON object with arbitrary keys (the spec's `object` / `JSONObject`). */
export const JsonObject = OpenRecord.annotations({ identifier: "JsonObject" })
export type JsonObject = typeof JsonObject.Type

// ---------------------------------------------------------------------------
// `_meta`
// ---------------------------------------------------------------------------

/** `_meta` on items, notifications and results: free-form metadata, keys kept. */
export const MetaObject = OpenRecord.annotations({ identifier: "MetaObject" })
export type MetaObject = typeof MetaObject.Type

/**
 * `_meta` of request params (every era): an optional `progressToken` plus any other key.
 * The 2026-07-28 per-request keys (`io.modelcontextprotocol/protocolVersion`, ...) are typed by
 * `RequestMeta2026` in `stateless.ts`; here they are kept as unknown keys.
 */
export const RequestMeta = Schema.Struct(
  { progressToken: Schema.optional(JsonProgressToken) },
  OpenRecord
).annotations({ identifier: "RequestMeta" })
export type RequestMeta = typeof RequestMeta.Type

// ---------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------

/** An opaque pagination cursor. */
export const Cursor = Schema.String.annotations({ identifier: "Cursor" })
export type Cursor = typeof Cursor.Type

/** The sender or recipient of a message in a conversation. */
export const Role = Schema.Literal("user", "assistant").annotations({ identifier: "Role" })
export type Role = typeof Role.Type

/** Severity of a log message (syslog levels, RFC 5424). */
export const LoggingLevel = Schema.Literal(
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency"
).annotations({ identifier: "LoggingLevel" })
export type LoggingLevel = typeof LoggingLevel.Type

/** A finite number (JSON has no NaN or infinities). */
export const FiniteNumber = Schema.Finite

/** A non-negative integer (sizes, counts, durations in milliseconds). */
export const NonNegativeInt = Schema.NonNegativeInt

// ---------------------------------------------------------------------------
// Annotations, icons, metadata
// ---------------------------------------------------------------------------

/** Hints to the client about how to use or display an object (since 2024-11-05; `lastModified` since 2025-06-18). */
export const Annotations = Schema.Struct({
  audience: Schema.optional(Schema.Array(Role)),
  priority: Schema.optional(Schema.Number.pipe(Schema.between(0, 1))),
  lastModified: Schema.optional(Schema.String)
}).annotations({ identifier: "Annotations" })
export type Annotations = typeof Annotations.Type

/** An icon for display in user interfaces (since 2025-11-25). */
export const Icon = Schema.Struct({
  src: Schema.String,
  mimeType: Schema.optional(Schema.String),
  sizes: Schema.optional(Schema.Array(Schema.String)),
  theme: Schema.optional(Schema.Literal("light", "dark"))
}).annotations({ identifier: "Icon" })
export type Icon = typeof Icon.Type

/** A list of icons (the `icons` field of many items, since 2025-11-25). */
export const Icons = Schema.Array(Icon).annotations({ identifier: "Icons" })
export type Icons = typeof Icons.Type

/** Fields shared by named items: a programmatic `name` and a display `title` (since 2025-06-18). */
export const BaseMetadataFields = {
  name: Schema.String,
  title: Schema.optional(Schema.String)
}

/** A named item: `name` plus optional display `title`. */
export const BaseMetadata = Schema.Struct(BaseMetadataFields).annotations({ identifier: "BaseMetadata" })
export type BaseMetadata = typeof BaseMetadata.Type

/**
 * Name and version of an MCP implementation (client or server). `title` since 2025-06-18;
 * `icons`, `description`, `websiteUrl` since 2025-11-25.
 */
export const Implementation = Schema.Struct({
  ...BaseMetadataFields,
  version: Schema.String,
  description: Schema.optional(Schema.String),
  websiteUrl: Schema.optional(Schema.String),
  icons: Schema.optional(Icons)
}).annotations({ identifier: "Implementation" })
export type Implementation = typeof Implementation.Type

// ---------------------------------------------------------------------------
// Params and results
// ---------------------------------------------------------------------------

/** Fields every request's params may carry: `_meta`. */
export const RequestParamsFields = {
  _meta: Schema.optional(RequestMeta)
}

/** Params of a request that has no other params (every field optional). */
export const RequestParams = Schema.Struct(RequestParamsFields).annotations({ identifier: "RequestParams" })
export type RequestParams = typeof RequestParams.Type

/** Fields every notification's params may carry: `_meta`. */
export const NotificationParamsFields = {
  _meta: Schema.optional(MetaObject)
}

/** Params of a notification that has no other params (every field optional). */
export const NotificationParams = Schema.Struct(NotificationParamsFields).annotations({
  identifier: "NotificationParams"
})
export type NotificationParams = typeof NotificationParams.Type

/** Params of a paginated list request: an optional `cursor`. */
export const PaginatedRequestParams = Schema.Struct({
  ...RequestParamsFields,
  cursor: Schema.optional(Cursor)
}).annotations({ identifier: "PaginatedRequestParams" })
export type PaginatedRequestParams = typeof PaginatedRequestParams.Type

/**
 * How to read a result (2026-07-28): `"complete"`, `"input_required"` or an extension's value.
 * Absent in earlier eras, where it means `"complete"`.
 */
export const ResultType = Schema.String.annotations({
  identifier: "ResultType",
  arbitrary: () => (fc) => fc.oneof(fc.constant("complete"), fc.constant("input_required"), fc.string({ maxLength: 8 }))
})
export type ResultType = typeof ResultType.Type

/** Fields every result may carry: `_meta`, and `resultType` (required from 2026-07-28, see `Result2026`). */
export const ResultFields = {
  _meta: Schema.optional(MetaObject),
  resultType: Schema.optional(ResultType)
}

/** The base of every result: an open object (unknown keys are kept). */
export const Result = Schema.Struct(ResultFields, OpenRecord).annotations({ identifier: "Result" })
export type Result = typeof Result.Type

/** A result that carries no data (e.g. of `ping`, `logging/setLevel`). */
export const EmptyResult = Result.annotations({ identifier: "EmptyResult" })
export type EmptyResult = typeof EmptyResult.Type

/** Fields of a paginated result: `nextCursor` when more items exist. */
export const PaginatedResultFields = {
  ...ResultFields,
  nextCursor: Schema.optional(Cursor)
}

/** A paginated result. */
export const PaginatedResult = Schema.Struct(PaginatedResultFields, OpenRecord).annotations({
  identifier: "PaginatedResult"
})
export type PaginatedResult = typeof PaginatedResult.Type

/** Whether a cached response may be shared between users (2026-07-28). */
export const CacheScope = Schema.Literal("public", "private").annotations({ identifier: "CacheScope" })
export type CacheScope = typeof CacheScope.Type

/**
 * Cache hints of cacheable results (2026-07-28): `ttlMs` (freshness in milliseconds, 0 means
 * stale at once) and `cacheScope`. Optional here; `CacheHints2026` in `stateless.ts` requires them.
 */
export const CacheHintFields = {
  ttlMs: Schema.optional(NonNegativeInt),
  cacheScope: Schema.optional(CacheScope)
}

/**
 * Fields a 2026-07-28 client adds when retrying a request after an `InputRequiredResult`:
 * the responses keyed like the result's `inputRequests`, and the opaque `requestState`.
 * `InputResponses` in `stateless.ts` types the responses.
 */
export const InputResponseFields = {
  inputResponses: Schema.optional(Schema.Record({ key: JsonKey, value: JsonObject })),
  requestState: Schema.optional(Schema.String)
}
