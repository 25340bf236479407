/**
 * Sampling: `sampling/createMessage`, the server asking the client's LLM for a completion (a
 * server request up to 2025-11-25, an input request in 2026-07-28).
 *
 * Era notes: audio content since 2025-03-26; `tools`, `toolChoice`, tool use / tool result
 * content, arrays of content and the `task` param since 2025-11-25 (`task` in 2025-11-25 only).
 * `SamplingMessage` and its content blocks live in `content.ts`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { JsonObject, OpenRecord, RequestParamsFields, ResultFields } from "./base.js"
import { SamplingMessage } from "./content.js"
import { TaskMetadata } from "./tasks.js"
import { Tool } from "./tools.js"

/** A priority between 0 (unimportant) and 1 (most important). */
const Priority = Schema.Number.pipe(Schema.between(0, 1))

/** A hint for model selection: a (sub)string of a model name or family. */
export const ModelHint = Schema.Struct({
  name: Schema.optional(Schema.String)
}).annotations({ identifier: "ModelHint" })
export type ModelHint = typeof ModelHint.Type

/** The server's preferences for model selection; the client decides. */
export const ModelPreferences = Schema.Struct({
  hints: Schema.optional(Schema.Array(ModelHint)),
  costPriority: Schema.optional(Priority),
  speedPriority: Schema.optional(Priority),
  intelligencePriority: Schema.optional(Priority)
}).annotations({ identifier: "ModelPreferences" })
export type ModelPreferences = typeof ModelPreferences.Type

/** How the model should use the offered tools (since 2025-11-25). */
export const ToolChoice = Schema.Struct({
  mode: Schema.optional(Schema.Literal("auto", "required", "none"))
}).annotations({ identifier: "ToolChoice" })
export type ToolChoice = typeof ToolChoice.Type

/** Params of `sampling/createMessage`. */
export const CreateMessageRequestParams = Schema.Struct({
  ...RequestParamsFields,
  messages: Schema.Array(SamplingMessage),
  modelPreferences: Schema.optional(ModelPreferences),
  systemPrompt: Schema.optional(Schema.String),
  /** Context from MCP servers to include (`thisServer` / `allServers` soft-deprecated since 2025-11-25). */
  includeContext: Schema.optional(Schema.Literal("none", "thisServer", "allServers")),
  temperature: Schema.optional(Schema.Finite),
  maxTokens: Schema.Int,
  stopSequences: Schema.optional(Schema.Array(Schema.String)),
  /** Provider-specific metadata passed through to the LLM provider. */
  metadata: Schema.optional(JsonObject),
  tools: Schema.optional(Schema.Array(Tool)),
  toolChoice: Schema.optional(ToolChoice),
  task: Schema.optional(TaskMetadata)
}).annotations({ identifier: "CreateMessageRequestParams" })
export type CreateMessageRequestParams = typeof CreateMessageRequestParams.Type

/** Why sampling stopped: a known reason or a provider-specific string. */
export const StopReason = Schema.String.annotations({
  identifier: "StopReason",
  arbitrary: () => (fc) =>
    fc.oneof(fc.constantFrom("endTurn", "stopSequence", "maxTokens", "toolUse"), fc.string({ maxLength: 8 }))
})
export type StopReason = typeof StopReason.Type

/** Result of `sampling/createMessage`: the sampled message and the model that produced it. */
export const CreateMessageResult = Schema.Struct(
  {
    ...ResultFields,
    role: SamplingMessage.fields.role,
    content: SamplingMessage.fields.content,
    _meta: SamplingMessage.fields._meta,
    model: Schema.String,
    stopReason: Schema.optional(StopReason)
  },
  OpenRecord
).annotations({ identifier: "CreateMessageResult" })
export type CreateMessageResult = typeof CreateMessageResult.Type
