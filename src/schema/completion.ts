/**
 * Argument completion: `completion/complete` (every era; the server's `completions`
 * capability exists since 2025-03-26; `context` since 2025-06-18).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { BaseMetadataFields, JsonKey, NonNegativeInt, OpenRecord, RequestParamsFields, ResultFields } from "./base.js"

/** Refers to a prompt (by name) whose argument is completed. `title` since 2025-06-18. */
export const PromptReference = Schema.Struct({
  type: Schema.Literal("ref/prompt"),
  ...BaseMetadataFields
}).annotations({ identifier: "PromptReference" })
export type PromptReference = typeof PromptReference.Type

/** Refers to a resource template (by URI template) whose variable is completed. */
export const ResourceTemplateReference = Schema.Struct({
  type: Schema.Literal("ref/resource"),
  uri: Schema.String
}).annotations({ identifier: "ResourceTemplateReference" })
export type ResourceTemplateReference = typeof ResourceTemplateReference.Type

/** The name of `ResourceTemplateReference` before 2025-06-18 (same shape). */
export const ResourceReference = ResourceTemplateReference
export type ResourceReference = ResourceTemplateReference

/** Params of `completion/complete`. */
export const CompleteRequestParams = Schema.Struct({
  ...RequestParamsFields,
  ref: Schema.Union(PromptReference, ResourceTemplateReference),
  argument: Schema.Struct({ name: Schema.String, value: Schema.String }),
  /** Values of arguments already resolved (since 2025-06-18). */
  context: Schema.optional(
    Schema.Struct({ arguments: Schema.optional(Schema.Record({ key: JsonKey, value: Schema.String })) })
  )
}).annotations({ identifier: "CompleteRequestParams" })
export type CompleteRequestParams = typeof CompleteRequestParams.Type

/** Result of `completion/complete`: the values (a server sends at most 100), their total and whether more exist. */
export const CompleteResult = Schema.Struct(
  {
    ...ResultFields,
    completion: Schema.Struct({
      values: Schema.Array(Schema.String),
      total: Schema.optional(NonNegativeInt),
      hasMore: Schema.optional(Schema.Boolean)
    })
  },
  OpenRecord
).annotations({ identifier: "CompleteResult" })
export type CompleteResult = typeof CompleteResult.Type
