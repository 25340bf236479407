/**
 * The fixture server of the official MCP conformance suite: exactly the tools, resources and
 * prompts that `../shared/conformance/FIXTURES.md` describes, served over Streamable HTTP.
 *
 *   node dist/conformance-server.js --port 3001     (http://localhost:3001/mcp)
 *
 * `npm run conformance` builds it and runs the suite against it.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { parseArgs } from "node:util"
import { RequestContext } from "../src/protocol/RequestContext.js"
import * as McpServer from "../src/server/McpServer.js"
import * as Prompt from "../src/server/Prompt.js"
import * as Resource from "../src/server/Resource.js"
import * as ResourceTemplate from "../src/server/ResourceTemplate.js"
import * as Tool from "../src/server/Tool.js"
import { ToolContext } from "../src/server/ToolContext.js"
import * as StreamableHttp from "../src/transport/StreamableHttp.js"

/** A 1×1 red PNG. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
/** 8 silent frames of 8 kHz mono 16-bit WAV. */
const WAV = "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA"

const NoInput = Schema.Struct({})

const tools = [
  Tool.make("test_simple_text", { description: "Returns simple text content", input: NoInput }, () =>
    Effect.succeed("This is a simple text response for testing.")),

  Tool.make("test_image_content", { description: "Returns image content", input: NoInput }, () =>
    Effect.succeed([{ type: "image" as const, data: PNG, mimeType: "image/png" }])),

  Tool.make("test_audio_content", { description: "Returns audio content", input: NoInput }, () =>
    Effect.succeed([{ type: "audio" as const, data: WAV, mimeType: "audio/wav" }])),

  Tool.make("test_embedded_resource", { description: "Returns an embedded resource", input: NoInput }, () =>
    Effect.succeed([{
      type: "resource" as const,
      resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." }
    }])),

  Tool.make("test_multiple_content_types", { description: "Returns text, image and resource content", input: NoInput }, () =>
    Effect.succeed([
      { type: "text" as const, text: "Multiple content types test:" },
      { type: "image" as const, data: PNG, mimeType: "image/png" },
      {
        type: "resource" as const,
        resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: "{\"test\":\"data\",\"value\":123}" }
      }
    ])),

  Tool.make("test_tool_with_logging", { description: "Sends log messages while it runs", input: NoInput }, () =>
    Effect.gen(function*() {
      const context = yield* ToolContext
      yield* context.log("info", "Tool execution started")
      yield* Effect.sleep(50)
      yield* context.log("info", "Tool processing data")
      yield* Effect.sleep(50)
      yield* context.log("info", "Tool execution completed")
      return "Tool with logging executed successfully"
    })),

  Tool.make("test_tool_with_progress", { description: "Reports progress while it runs", input: NoInput }, () =>
    Effect.gen(function*() {
      const context = yield* ToolContext
      const request = yield* RequestContext
      yield* context.progress(0, 100)
      yield* Effect.sleep(50)
      yield* context.progress(50, 100)
      yield* Effect.sleep(50)
      yield* context.progress(100, 100)
      return `Progress completed (token ${String(request.progressToken)})`
    })),

  Tool.make("test_error_handling", { description: "Always returns an error result", input: NoInput }, () =>
    Effect.succeed({ isError: true, content: [{ type: "text" as const, text: "This tool intentionally returns an error for testing" }] })),

  Tool.make("test_sampling", {
    description: "Asks the client's LLM through sampling",
    input: Schema.Struct({ prompt: Schema.String.annotations({ description: "The prompt to send to the LLM" }) })
  }, ({ prompt }) =>
    Effect.gen(function*() {
      const context = yield* ToolContext
      const result = yield* context.sample({ messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 100 })
      const content = Array.isArray(result.content) ? result.content[0] : result.content
      return `LLM response: ${content !== undefined && content.type === "text" ? content.text : JSON.stringify(content)}`
    })),

  Tool.make("test_elicitation", {
    description: "Asks the user for information through elicitation",
    input: Schema.Struct({ message: Schema.String.annotations({ description: "The message to show the user" }) })
  }, ({ message }) =>
    Effect.gen(function*() {
      const context = yield* ToolContext
      const answer = yield* context.elicit(message, Schema.Struct({
        username: Schema.String.annotations({ description: "User's response" }),
        email: Schema.String.annotations({ description: "User's email address" })
      }))
      return `User response: action=${answer.action}, content=${JSON.stringify(answer.action === "accept" ? answer.content : {})}`
    })),

  Tool.make("test_elicitation_sep1034_defaults", { description: "Elicitation with default values (SEP-1034)", input: NoInput }, () =>
    rawElicit("Elicitation completed", {
      message: "Please review and update the form fields with defaults",
      requestedSchema: {
        type: "object",
        required: [],
        properties: {
          name: { type: "string", description: "User name", default: "John Doe" },
          age: { type: "integer", description: "User age", default: 30 },
          score: { type: "number", description: "User score", default: 95.5 },
          status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
          verified: { type: "boolean", description: "Verification status", default: true }
        }
      }
    })),

  Tool.make("test_elicitation_sep1330_enums", { description: "Elicitation with every enum style (SEP-1330)", input: NoInput }, () =>
    rawElicit("Elicitation completed", {
      message: "Please select options from the enum fields",
      requestedSchema: {
        type: "object",
        required: [],
        properties: {
          untitledSingle: { type: "string", description: "Select one option", enum: ["option1", "option2", "option3"] },
          titledSingle: {
            type: "string",
            description: "Select one option with titles",
            oneOf: [
              { const: "value1", title: "First Option" },
              { const: "value2", title: "Second Option" },
              { const: "value3", title: "Third Option" }
            ]
          },
          legacyEnum: {
            type: "string",
            description: "Select one option (legacy)",
            enum: ["opt1", "opt2", "opt3"],
            enumNames: ["Option One", "Option Two", "Option Three"]
          },
          untitledMulti: {
            type: "array",
            description: "Select multiple options",
            minItems: 1,
            maxItems: 3,
            items: { type: "string", enum: ["option1", "option2", "option3"] }
          },
          titledMulti: {
            type: "array",
            description: "Select multiple options with titles",
            minItems: 1,
            maxItems: 3,
            items: {
              anyOf: [
                { const: "value1", title: "First Choice" },
                { const: "value2", title: "Second Choice" },
                { const: "value3", title: "Third Choice" }
              ]
            }
          }
        }
      }
    })),

  Tool.make("json_schema_2020_12_tool", {
    description: "A tool whose input schema uses JSON Schema 2020-12 features",
    input: Schema.Struct({
      name: Schema.optional(Schema.String),
      address: Schema.optional(Schema.Struct({ street: Schema.optional(Schema.String), city: Schema.optional(Schema.String) }))
    }),
    inputJsonSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      $defs: { address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
      properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
      additionalProperties: false
    }
  }, (args) => Effect.succeed(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`)),

  Tool.make("test_reconnection", { description: "Closes its SSE stream mid-call; the result arrives on resumption", input: NoInput }, () =>
    Effect.gen(function*() {
      const request = yield* RequestContext
      yield* request.closeStream
      yield* Effect.sleep(100)
      return "Reconnection test completed successfully: the result was delivered after the stream was resumed"
    }))
]

/** Sends `elicitation/create` with a hand-written requested schema (the suite checks its exact shape). */
const rawElicit = (label: string, params: Record<string, unknown>) =>
  Effect.gen(function*() {
    const request = yield* RequestContext
    const answer = yield* request.request("elicitation/create", params)
    return `${label}: action=${String(answer.action)}, content=${JSON.stringify(answer.content ?? {})}`
  })

const resources = [
  Resource.make({ uri: "test://static-text", name: "static-text", title: "Static text", description: "A static text resource", mimeType: "text/plain" },
    Effect.succeed("This is the content of the static text resource.")),
  Resource.make({ uri: "test://static-binary", name: "static-binary", title: "Static binary", description: "A static PNG image", mimeType: "image/png" },
    Effect.succeed(Buffer.from(PNG, "base64"))),
  Resource.make({ uri: "test://watched-resource", name: "watched-resource", title: "Watched resource", description: "A resource to subscribe to", mimeType: "text/plain" },
    Effect.succeed("Watched resource content"))
]

const resourceTemplates = [
  ResourceTemplate.make({
    uriTemplate: "test://template/{id}/data",
    name: "template",
    description: "Data for an id",
    mimeType: "application/json",
    params: Schema.Struct({ id: Schema.String })
  }, ({ id }) => Effect.succeed(JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` })))
]

const prompts = [
  Prompt.make({ name: "test_simple_prompt", description: "A simple prompt without arguments" }, () =>
    Effect.succeed("This is a simple prompt for testing.")),
  Prompt.make({
    name: "test_prompt_with_arguments",
    description: "A prompt with two required arguments",
    args: Schema.Struct({
      arg1: Schema.String.annotations({ description: "First test argument" }),
      arg2: Schema.String.annotations({ description: "Second test argument" })
    })
  }, ({ arg1, arg2 }) => Effect.succeed(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`)),
  Prompt.make({
    name: "test_prompt_with_embedded_resource",
    description: "A prompt that embeds a resource",
    args: Schema.Struct({ resourceUri: Schema.String.annotations({ description: "URI of the resource to embed" }) })
  }, ({ resourceUri }) =>
    Effect.succeed([
      { role: "user" as const, content: { type: "resource" as const, resource: { uri: resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." } } },
      { role: "user" as const, content: { type: "text" as const, text: "Please process the embedded resource above." } }
    ])),
  Prompt.make({ name: "test_prompt_with_image", description: "A prompt with an image" }, () =>
    Effect.succeed([
      { role: "user" as const, content: { type: "image" as const, data: PNG, mimeType: "image/png" } },
      { role: "user" as const, content: { type: "text" as const, text: "Please analyze the image above." } }
    ]))
]

const server = McpServer.layer(
  { name: "machine-context-conformance", version: "0.1.0" },
  { tools, resources, resourceTemplates, prompts }
)

const { values } = parseArgs({ options: { port: { type: "string", default: "3001" }, host: { type: "string", default: "127.0.0.1" } } })

Layer.launch(StreamableHttp.layer({ host: values.host, port: Number(values.port) }).pipe(Layer.provide(server))).pipe(
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))),
  NodeRuntime.runMain
)
