/**
 * Property tests: every method's params and result, and every content block / capability
 * schema, round-trip through encode and decode (and through JSON).
 */
import { describe, it } from "vitest"
import * as Schema from "effect/Schema"
import * as S from "../../src/schema/index.js"
import { assertRoundTrip } from "./helpers.js"

const label = (spec: S.MethodSpec) => `${spec.sender} ${spec.kind} ${spec.method}`

describe("method table round trips", () => {
  for (const spec of S.AllMethods) {
    it(`${label(spec)}: params`, () => assertRoundTrip(spec.params))
    const result = spec.result
    if (result !== undefined) {
      it(`${label(spec)}: result`, () => assertRoundTrip(result))
    }
  }
})

describe("era-dependent result unions round trip", () => {
  for (const spec of S.AllMethods) {
    for (const version of ["2025-11-25", "2026-07-28"] as const) {
      const result = S.resultSchemaFor(spec, version)
      if (result !== undefined && result !== spec.result) {
        it(`${label(spec)}: result in ${version}`, () => assertRoundTrip(result))
      }
    }
  }
})

const named: ReadonlyArray<readonly [string, Schema.Schema<any, any, never>]> = [
  // content
  ["TextContent", S.TextContent],
  ["ImageContent", S.ImageContent],
  ["AudioContent", S.AudioContent],
  ["ResourceLink", S.ResourceLink],
  ["EmbeddedResource", S.EmbeddedResource],
  ["TextResourceContents", S.TextResourceContents],
  ["BlobResourceContents", S.BlobResourceContents],
  ["ResourceContents", S.ResourceContents],
  ["ContentBlock", S.ContentBlock],
  ["ToolUseContent", S.ToolUseContent],
  ["ToolResultContent", S.ToolResultContent],
  ["SamplingMessageContentBlock", S.SamplingMessageContentBlock],
  ["SamplingMessage", S.SamplingMessage],
  ["Annotations", S.Annotations],
  ["Resource", S.Resource],
  ["ResourceTemplate", S.ResourceTemplate],
  ["Prompt", S.Prompt],
  ["PromptMessage", S.PromptMessage],
  ["Root", S.Root],
  // capabilities and lifecycle
  ["ClientCapabilities", S.ClientCapabilities],
  ["ServerCapabilities", S.ServerCapabilities],
  ["Implementation", S.Implementation],
  ["Icon", S.Icon],
  // tools
  ["Tool", S.Tool],
  ["ToolAnnotations", S.ToolAnnotations],
  ["ObjectJsonSchema", S.ObjectJsonSchema],
  ["JsonSchema", S.JsonSchema],
  // elicitation
  ["PrimitiveSchemaDefinition", S.PrimitiveSchemaDefinition],
  ["EnumSchema", S.EnumSchema],
  ["ElicitationRequestedSchema", S.ElicitationRequestedSchema],
  ["URLElicitationRequiredErrorData", S.URLElicitationRequiredErrorData],
  // sampling
  ["ModelPreferences", S.ModelPreferences],
  // tasks
  ["Task", S.Task],
  ["CreateTaskResult", S.CreateTaskResult],
  ["RelatedTaskMetadata", S.RelatedTaskMetadata],
  // stateless (2026-07-28)
  ["RequestMeta2026", S.RequestMeta2026],
  ["RequestParams2026", S.RequestParams2026],
  ["NotificationMeta2026", S.NotificationMeta2026],
  ["ResultMeta2026", S.ResultMeta2026],
  ["Result2026", S.Result2026],
  ["CacheHints2026", S.CacheHints2026],
  ["InputRequest", S.InputRequest],
  ["InputRequests", S.InputRequests],
  ["InputResponse", S.InputResponse],
  ["InputResponses", S.InputResponses],
  ["InputRequiredResult", S.InputRequiredResult],
  ["UnsupportedProtocolVersionErrorData", S.UnsupportedProtocolVersionErrorData],
  ["MissingRequiredClientCapabilityErrorData", S.MissingRequiredClientCapabilityErrorData]
]

describe("content, capability and other schemas round trip", () => {
  for (const [name, schema] of named) {
    it(name, () => assertRoundTrip(schema))
  }
})
