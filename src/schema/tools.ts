/**
 * Tools: `tools/list`, `tools/call`, `notifications/tools/list_changed`.
 *
 * Era notes: tool `annotations` since 2025-03-26; `title`, `outputSchema`, `structuredContent`
 * and `_meta` since 2025-06-18; `icons`, `execution` and the `task` param since 2025-11-25;
 * cache hints, `resultType`, `inputResponses` / `requestState` and non-object `outputSchema`
 * / `structuredContent` in 2026-07-28 (a 2026 `tools/call` may also answer with an
 * `InputRequiredResult`, see `stateless.ts`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  BaseMetadataFields,
  CacheHintFields,
  InputResponseFields,
  Icons,
  JsonKey,
  JsonObject,
  JsonValue,
  MetaObject,
  NotificationParamsFields,
  OpenRecord,
  PaginatedRequestParams,
  PaginatedResultFields,
  RequestParamsFields,
  ResultFields
} from "./base.js"
import { ContentBlock } from "./content.js"
import { TaskMetadata } from "./tasks.js"

/** The `type` keyword of a JSON Schema: a type name or a list of them. */
const JsonSchemaType = Schema.Union(Schema.String, Schema.Array(Schema.String))

/**
 * A JSON Schema describing an object (a tool's `inputSchema`): `type: "object"` plus any
 * other JSON Schema keyword, kept as is.
 */
export const ObjectJsonSchema = Schema.Struct(
  {
    $schema: Schema.optional(Schema.String),
    type: Schema.Literal("object"),
    properties: Schema.optional(Schema.Record({ key: JsonKey, value: JsonObject })),
    required: Schema.optional(Schema.Array(Schema.String))
  },
  OpenRecord
).annotations({ identifier: "ObjectJsonSchema" })
export type ObjectJsonSchema = typeof ObjectJsonSchema.Type

/**
 * Any JSON Schema object (a tool's `outputSchema`). Up to 2025-11-25 it must describe an
 * object (`type: "object"`); 2026-07-28 allows any schema (e.g. an array).
 */
export const JsonSchema = Schema.Struct(
  {
    $schema: Schema.optional(Schema.String),
    type: Schema.optional(JsonSchemaType),
    properties: Schema.optional(Schema.Record({ key: JsonKey, value: JsonObject })),
    required: Schema.optional(Schema.Array(Schema.String))
  },
  OpenRecord
).annotations({ identifier: "JsonSchema" })
export type JsonSchema = typeof JsonSchema.Type

/** Hints about a tool's behaviour; untrusted unless the server is (since 2025-03-26). */
export const ToolAnnotations = Schema.Struct({
  title: Schema.optional(Schema.String),
  readOnlyHint: Schema.optional(Schema.Boolean),
  destructiveHint: Schema.optional(Schema.Boolean),
  idempotentHint: Schema.optional(Schema.Boolean),
  openWorldHint: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "ToolAnnotations" })
export type ToolAnnotations = typeof ToolAnnotations.Type

/** Whether a tool may, must or must not run as a task (2025-11-25). */
export const ToolExecution = Schema.Struct({
  taskSupport: Schema.optional(Schema.Literal("forbidden", "optional", "required"))
}).annotations({ identifier: "ToolExecution" })
export type ToolExecution = typeof ToolExecution.Type

/** A tool the client can call. */
export const Tool = Schema.Struct({
  ...BaseMetadataFields,
  description: Schema.optional(Schema.String),
  inputSchema: ObjectJsonSchema,
  outputSchema: Schema.optional(JsonSchema),
  annotations: Schema.optional(ToolAnnotations),
  execution: Schema.optional(ToolExecution),
  icons: Schema.optional(Icons),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "Tool" })
export type Tool = typeof Tool.Type

/** Params of `tools/list`. */
export const ListToolsRequestParams = PaginatedRequestParams.annotations({ identifier: "ListToolsRequestParams" })
export type ListToolsRequestParams = typeof ListToolsRequestParams.Type

/** Result of `tools/list` (cacheable in 2026-07-28). */
export const ListToolsResult = Schema.Struct(
  { ...PaginatedResultFields, ...CacheHintFields, tools: Schema.Array(Tool) },
  OpenRecord
).annotations({ identifier: "ListToolsResult" })
export type ListToolsResult = typeof ListToolsResult.Type

/** Params of `tools/call`. */
export const CallToolRequestParams = Schema.Struct({
  ...RequestParamsFields,
  name: Schema.String,
  arguments: Schema.optional(OpenRecord),
  /** 2025-11-25: run as a task (answer is a `CreateTaskResult`). */
  task: Schema.optional(TaskMetadata),
  ...InputResponseFields
}).annotations({ identifier: "CallToolRequestParams" })
export type CallToolRequestParams = typeof CallToolRequestParams.Type

/**
 * Result of `tools/call`. `isError: true` reports a tool failure the model can see.
 * `structuredContent` must be an object up to 2025-11-25 (any JSON value in 2026-07-28).
 */
export const CallToolResult = Schema.Struct(
  {
    ...ResultFields,
    content: Schema.Array(ContentBlock),
    structuredContent: Schema.optional(JsonValue),
    isError: Schema.optional(Schema.Boolean)
  },
  OpenRecord
).annotations({ identifier: "CallToolResult" })
export type CallToolResult = typeof CallToolResult.Type

/** Params of `notifications/tools/list_changed`. */
export const ToolListChangedNotificationParams = Schema.Struct(NotificationParamsFields).annotations({
  identifier: "ToolListChangedNotificationParams"
})
export type ToolListChangedNotificationParams = typeof ToolListChangedNotificationParams.Type
