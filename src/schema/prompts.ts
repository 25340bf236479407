/**
 * Prompts: `prompts/list`, `prompts/get`, `notifications/prompts/list_changed`.
 *
 * Era notes: `title` and `_meta` since 2025-06-18, `icons` since 2025-11-25, cache hints on
 * `prompts/list` and input responses on `prompts/get` in 2026-07-28 (where `prompts/get` may
 * answer with an `InputRequiredResult`).
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
  MetaObject,
  NotificationParamsFields,
  OpenRecord,
  PaginatedRequestParams,
  PaginatedResultFields,
  RequestParamsFields,
  ResultFields,
  Role
} from "./base.js"
import { ContentBlock } from "./content.js"

/** An argument a prompt accepts. */
export const PromptArgument = Schema.Struct({
  ...BaseMetadataFields,
  description: Schema.optional(Schema.String),
  required: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "PromptArgument" })
export type PromptArgument = typeof PromptArgument.Type

/** A prompt or prompt template the server offers. */
export const Prompt = Schema.Struct({
  ...BaseMetadataFields,
  description: Schema.optional(Schema.String),
  arguments: Schema.optional(Schema.Array(PromptArgument)),
  icons: Schema.optional(Icons),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "Prompt" })
export type Prompt = typeof Prompt.Type

/** A message of a prompt: one content block (audio since 2025-03-26, resource links since 2025-06-18). */
export const PromptMessage = Schema.Struct({
  role: Role,
  content: ContentBlock
}).annotations({ identifier: "PromptMessage" })
export type PromptMessage = typeof PromptMessage.Type

/** Params of `prompts/list`. */
export const ListPromptsRequestParams = PaginatedRequestParams.annotations({ identifier: "ListPromptsRequestParams" })
export type ListPromptsRequestParams = typeof ListPromptsRequestParams.Type

/** Result of `prompts/list` (cacheable in 2026-07-28). */
export const ListPromptsResult = Schema.Struct(
  { ...PaginatedResultFields, ...CacheHintFields, prompts: Schema.Array(Prompt) },
  OpenRecord
).annotations({ identifier: "ListPromptsResult" })
export type ListPromptsResult = typeof ListPromptsResult.Type

/** Params of `prompts/get`: the prompt's name and its string arguments. */
export const GetPromptRequestParams = Schema.Struct({
  ...RequestParamsFields,
  name: Schema.String,
  arguments: Schema.optional(Schema.Record({ key: JsonKey, value: Schema.String })),
  ...InputResponseFields
}).annotations({ identifier: "GetPromptRequestParams" })
export type GetPromptRequestParams = typeof GetPromptRequestParams.Type

/** Result of `prompts/get`. */
export const GetPromptResult = Schema.Struct(
  {
    ...ResultFields,
    description: Schema.optional(Schema.String),
    messages: Schema.Array(PromptMessage)
  },
  OpenRecord
).annotations({ identifier: "GetPromptResult" })
export type GetPromptResult = typeof GetPromptResult.Type

/** Params of `notifications/prompts/list_changed`. */
export const PromptListChangedNotificationParams = Schema.Struct(NotificationParamsFields).annotations({
  identifier: "PromptListChangedNotificationParams"
})
export type PromptListChangedNotificationParams = typeof PromptListChangedNotificationParams.Type
