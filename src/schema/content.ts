/**
 * Content blocks (tool results, prompt messages, sampling messages) and resource contents.
 *
 * Era notes: text, image and embedded resources exist since 2024-11-05, audio since
 * 2025-03-26, resource links and `_meta` on content since 2025-06-18, tool use / tool result
 * content (sampling with tools) since 2025-11-25. `contentTypeSince` records this.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { ProtocolVersion } from "./versions.js"
import { Annotations, BaseMetadataFields, Icons, JsonValue, MetaObject, OpenRecord, Role } from "./base.js"

// ---------------------------------------------------------------------------
// Resources and their contents
// ---------------------------------------------------------------------------

/** Fields of a resource the server can read (shared by `Resource` and `ResourceLink`). */
export const ResourceFields = {
  ...BaseMetadataFields,
  uri: Schema.String,
  description: Schema.optional(Schema.String),
  mimeType: Schema.optional(Schema.String),
  annotations: Schema.optional(Annotations),
  /** Size of the raw content in bytes, if known. */
  size: Schema.optional(Schema.NonNegativeInt),
  icons: Schema.optional(Icons),
  _meta: Schema.optional(MetaObject)
}

/** A resource the server can read (listed by `resources/list`). */
export const Resource = Schema.Struct(ResourceFields).annotations({ identifier: "Resource" })
export type Resource = typeof Resource.Type

/** Fields shared by text and blob resource contents. */
const ResourceContentsFields = {
  uri: Schema.String,
  mimeType: Schema.optional(Schema.String),
  _meta: Schema.optional(MetaObject)
}

/** Contents of a resource as text. */
export const TextResourceContents = Schema.Struct({
  ...ResourceContentsFields,
  text: Schema.String
}).annotations({ identifier: "TextResourceContents" })
export type TextResourceContents = typeof TextResourceContents.Type

/** Contents of a binary resource, base64-encoded. */
export const BlobResourceContents = Schema.Struct({
  ...ResourceContentsFields,
  blob: Schema.String
}).annotations({ identifier: "BlobResourceContents" })
export type BlobResourceContents = typeof BlobResourceContents.Type

/** Text or blob contents of a resource. */
export const ResourceContents = Schema.Union(TextResourceContents, BlobResourceContents).annotations({
  identifier: "ResourceContents"
})
export type ResourceContents = typeof ResourceContents.Type

// ---------------------------------------------------------------------------
// Content blocks
// ---------------------------------------------------------------------------

/** Text content. */
export const TextContent = Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "TextContent" })
export type TextContent = typeof TextContent.Type

/** An image, base64-encoded. */
export const ImageContent = Schema.Struct({
  type: Schema.Literal("image"),
  data: Schema.String,
  mimeType: Schema.String,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "ImageContent" })
export type ImageContent = typeof ImageContent.Type

/** Audio, base64-encoded (since 2025-03-26). */
export const AudioContent = Schema.Struct({
  type: Schema.Literal("audio"),
  data: Schema.String,
  mimeType: Schema.String,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "AudioContent" })
export type AudioContent = typeof AudioContent.Type

/** A link to a resource the client may read (since 2025-06-18). */
export const ResourceLink = Schema.Struct({
  type: Schema.Literal("resource_link"),
  ...ResourceFields
}).annotations({ identifier: "ResourceLink" })
export type ResourceLink = typeof ResourceLink.Type

/** A resource's contents embedded in a message. */
export const EmbeddedResource = Schema.Struct({
  type: Schema.Literal("resource"),
  resource: ResourceContents,
  annotations: Schema.optional(Annotations),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "EmbeddedResource" })
export type EmbeddedResource = typeof EmbeddedResource.Type

/** Any content block of tool results and prompt messages, discriminated by `type`. */
export const ContentBlock = Schema.Union(
  TextContent,
  ImageContent,
  AudioContent,
  ResourceLink,
  EmbeddedResource
).annotations({ identifier: "ContentBlock" })
export type ContentBlock = typeof ContentBlock.Type

/** The first protocol version that has each content block `type`. */
export const contentTypeSince: Readonly<Record<ContentBlock["type"] | SamplingMessageContentBlock["type"], ProtocolVersion>> = {
  text: "2024-11-05",
  image: "2024-11-05",
  resource: "2024-11-05",
  audio: "2025-03-26",
  resource_link: "2025-06-18",
  tool_use: "2025-11-25",
  tool_result: "2025-11-25"
}

// ---------------------------------------------------------------------------
// Sampling content (2025-11-25: tool use in sampling)
// ---------------------------------------------------------------------------

/** A model's request to call a tool, in a sampling message (since 2025-11-25). */
export const ToolUseContent = Schema.Struct({
  type: Schema.Literal("tool_use"),
  /** Identifies this tool use; matched by `ToolResultContent.toolUseId`. */
  id: Schema.String,
  name: Schema.String,
  input: OpenRecord,
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "ToolUseContent" })
export type ToolUseContent = typeof ToolUseContent.Type

/**
 * The result of a tool use, in a sampling message (since 2025-11-25). `structuredContent` is
 * an object in 2025-11-25 and any JSON value in 2026-07-28.
 */
export const ToolResultContent = Schema.Struct({
  type: Schema.Literal("tool_result"),
  toolUseId: Schema.String,
  content: Schema.Array(ContentBlock),
  structuredContent: Schema.optional(JsonValue),
  isError: Schema.optional(Schema.Boolean),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "ToolResultContent" })
export type ToolResultContent = typeof ToolResultContent.Type

/** Content of a sampling message: text, image, audio, tool use or tool result. */
export const SamplingMessageContentBlock = Schema.Union(
  TextContent,
  ImageContent,
  AudioContent,
  ToolUseContent,
  ToolResultContent
).annotations({ identifier: "SamplingMessageContentBlock" })
export type SamplingMessageContentBlock = typeof SamplingMessageContentBlock.Type

/**
 * A message of a sampling conversation. `content` is a single block in every era and may be
 * an array of blocks since 2025-11-25.
 */
export const SamplingMessage = Schema.Struct({
  role: Role,
  content: Schema.Union(SamplingMessageContentBlock, Schema.Array(SamplingMessageContentBlock)),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "SamplingMessage" })
export type SamplingMessage = typeof SamplingMessage.Type
