/**
 * Hand-written examples per era: messages of every era decode with the superset schemas,
 * invalid ones fail, open objects keep unknown keys, and the strict 2026 shapes hold.
 */
import { describe, expect, it } from "vitest"
import * as Schema from "effect/Schema"
import * as S from "../../src/schema/index.js"
import { decodes, rejects } from "./helpers.js"

const text = { type: "text", text: "hello" }
const meta2026 = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {}
}

describe("2024-11-05", () => {
  it("a CallToolResult without structuredContent decodes", () => {
    expect(decodes(S.CallToolResult, { content: [text] })).toEqual({ content: [text] })
    expect(decodes(S.CallToolResult, { content: [], isError: true }).isError).toBe(true)
  })

  it("initialize with the capabilities of the time", () => {
    const params = decodes(S.InitializeRequestParams, {
      protocolVersion: "2024-11-05",
      capabilities: { roots: { listChanged: true }, sampling: {}, experimental: { x: { on: true } } },
      clientInfo: { name: "client", version: "1.0.0" }
    })
    expect(params.capabilities.roots?.listChanged).toBe(true)
    const result = decodes(S.InitializeResult, {
      protocolVersion: "2024-11-05",
      capabilities: { logging: {}, prompts: { listChanged: true }, resources: { subscribe: true }, tools: {} },
      serverInfo: { name: "server", version: "0.1.0" }
    })
    expect(result.capabilities.resources?.subscribe).toBe(true)
  })

  it("a tool without title, annotations or outputSchema", () => {
    const tool = { name: "add", inputSchema: { type: "object", properties: { a: { type: "number" } } } }
    expect(decodes(S.Tool, tool)).toEqual(tool)
  })

  it("annotated content (audience and priority)", () => {
    const image = { type: "image", data: "AA==", mimeType: "image/png", annotations: { audience: ["user"], priority: 1 } }
    expect(decodes(S.ContentBlock, image)).toEqual(image)
  })

  it("a sampling request with one content block per message", () => {
    const params = { messages: [{ role: "user", content: text }], maxTokens: 10, includeContext: "thisServer" }
    expect(decodes(S.CreateMessageRequestParams, params)).toEqual(params)
  })

  it("completion with a resource reference", () => {
    const params = { ref: { type: "ref/resource", uri: "file:///{path}" }, argument: { name: "path", value: "sr" } }
    expect(decodes(S.CompleteRequestParams, params)).toEqual(params)
  })
})

describe("2025-03-26", () => {
  it("audio content, tool annotations and the completions capability", () => {
    expect(decodes(S.AudioContent, { type: "audio", data: "AA==", mimeType: "audio/wav" }).type).toBe("audio")
    const tool = decodes(S.Tool, {
      name: "rm",
      inputSchema: { type: "object" },
      annotations: { destructiveHint: true, readOnlyHint: false }
    })
    expect(tool.annotations?.destructiveHint).toBe(true)
    expect(decodes(S.ServerCapabilities, { completions: {} }).completions).toEqual({})
  })

  it("progress with a message", () => {
    const params = { progressToken: 7, progress: 0.5, total: 1, message: "halfway" }
    expect(decodes(S.ProgressNotificationParams, params)).toEqual(params)
  })
})

describe("2025-06-18", () => {
  it("structured content, output schema, resource links and titles", () => {
    const result = decodes(S.CallToolResult, {
      content: [{ type: "resource_link", uri: "file:///a.txt", name: "a.txt", title: "A" }],
      structuredContent: { temperature: 21 }
    })
    expect(result.structuredContent).toEqual({ temperature: 21 })
    const tool = decodes(S.Tool, {
      name: "weather",
      title: "Weather",
      inputSchema: { type: "object" },
      outputSchema: { type: "object", properties: { temperature: { type: "number" } }, required: ["temperature"] }
    })
    expect(tool.outputSchema?.required).toEqual(["temperature"])
  })

  it("form elicitation without mode, with a legacy enum", () => {
    const params = {
      message: "Pick",
      requestedSchema: {
        type: "object",
        properties: { color: { type: "string", enum: ["r", "g"], enumNames: ["Red", "Green"] } },
        required: ["color"]
      }
    }
    const decoded = decodes(S.ElicitRequestParams, params)
    expect(decoded).toEqual(params)
    expect(Schema.encodeSync(S.ElicitRequestParams)(decoded)).toEqual(params)
    expect(decodes(S.ElicitResult, { action: "accept", content: { color: "r" } }).action).toBe("accept")
  })

  it("completion context", () => {
    const params = {
      ref: { type: "ref/prompt", name: "greet" },
      argument: { name: "lang", value: "f" },
      context: { arguments: { name: "Ada" } }
    }
    expect(decodes(S.CompleteRequestParams, params)).toEqual(params)
  })
})

describe("2025-11-25", () => {
  it("icons and implementation details", () => {
    const info = {
      name: "server",
      version: "1",
      title: "Server",
      description: "A server",
      websiteUrl: "https://example.com",
      icons: [{ src: "https://example.com/i.png", sizes: ["48x48"], theme: "dark" }]
    }
    expect(decodes(S.Implementation, info)).toEqual(info)
  })

  it("a cancellation without requestId (tasks are cancelled with tasks/cancel)", () => {
    expect(decodes(S.CancelledNotificationParams, { reason: "bored" })).toEqual({ reason: "bored" })
  })

  it("URL elicitation and its completion", () => {
    const params = { mode: "url", message: "Log in", elicitationId: "e1", url: "https://example.com/login" }
    expect(decodes(S.ElicitRequestParams, params)).toEqual(params)
    expect(decodes(S.ElicitationCompleteNotificationParams, { elicitationId: "e1" }).elicitationId).toBe("e1")
    expect(decodes(S.URLElicitationRequiredErrorData, { elicitations: [params] }).elicitations).toHaveLength(1)
  })

  it("task-augmented tools/call answers with a CreateTaskResult", () => {
    const call = S.ClientRequests["tools/call"]
    const params = decodes(call.params, { name: "slow", task: { ttl: 60000 } })
    expect(params.task?.ttl).toBe(60000)
    const task = {
      taskId: "t1",
      status: "working",
      createdAt: "2025-11-25T00:00:00Z",
      lastUpdatedAt: "2025-11-25T00:00:00Z",
      ttl: null
    }
    expect(decodes(S.resultSchemaFor(call, "2025-11-25")!, { task })).toEqual({ task })
    expect(rejects(call.result, { task })).toBe(true)
    expect(decodes(S.GetTaskResult, { ...task, pollInterval: 500 }).pollInterval).toBe(500)
    expect(rejects(S.Task, { ...task, status: "sleeping" })).toBe(true)
  })

  it("sampling with tools, tool use and tool results, arrays of content", () => {
    const params = {
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "u1", name: "weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", toolUseId: "u1", content: [text] }] }
      ],
      maxTokens: 100,
      tools: [{ name: "weather", inputSchema: { type: "object" } }],
      toolChoice: { mode: "auto" }
    }
    expect(decodes(S.CreateMessageRequestParams, params)).toEqual(params)
    const result = { role: "assistant", content: text, model: "m", stopReason: "toolUse" }
    expect(decodes(S.CreateMessageResult, result)).toEqual(result)
  })

  it("titled and multi-select enums keep every field", () => {
    const schemas = [
      { type: "string", oneOf: [{ const: "r", title: "Red" }], default: "r" },
      { type: "string", enum: ["r", "g"] },
      { type: "array", items: { type: "string", enum: ["r"] }, minItems: 1 },
      { type: "array", items: { anyOf: [{ const: "r", title: "Red" }] }, default: ["r"] },
      { type: "string", format: "email", minLength: 3 },
      { type: "integer", minimum: 0, default: 1 },
      { type: "boolean", default: false }
    ]
    for (const schema of schemas) {
      const decoded = decodes(S.PrimitiveSchemaDefinition, schema)
      expect(decoded).toEqual(schema)
      expect(Schema.encodeSync(S.PrimitiveSchemaDefinition)(decoded)).toEqual(schema)
    }
    expect(decodes(S.ElicitResult, { action: "accept", content: { colors: ["r", "g"] } }).content).toEqual({
      colors: ["r", "g"]
    })
  })
})

describe("2026-07-28", () => {
  it("request _meta requires the protocol version and client capabilities", () => {
    expect(decodes(S.RequestMeta2026, meta2026)).toEqual(meta2026)
    expect(rejects(S.RequestMeta2026, { "io.modelcontextprotocol/protocolVersion": "2026-07-28" })).toBe(true)
    expect(rejects(S.RequestParams2026, { name: "x" })).toBe(true)
    const params = { _meta: { ...meta2026, "io.modelcontextprotocol/logLevel": "debug" }, name: "x" }
    expect(decodes(S.RequestParams2026, params)).toEqual(params)
    expect(rejects(S.RequestMeta2026, { ...meta2026, "io.modelcontextprotocol/logLevel": "verbose" })).toBe(true)
  })

  it("the superset params accept the 2026 _meta and input responses", () => {
    const params = {
      _meta: meta2026,
      name: "deploy",
      inputResponses: { confirm: { action: "accept" } },
      requestState: "opaque"
    }
    expect(decodes(S.CallToolRequestParams, params)).toEqual(params)
  })

  it("structured content may be any JSON value; outputSchema any JSON Schema", () => {
    expect(decodes(S.CallToolResult, { resultType: "complete", content: [], structuredContent: [1, 2] }).structuredContent).toEqual([1, 2])
    const tool = { name: "list", inputSchema: { type: "object" }, outputSchema: { type: "array", items: { type: "string" } } }
    expect(decodes(S.Tool, tool)).toEqual(tool)
  })

  it("discover requires cache hints; results require resultType in the strict shape", () => {
    const discover = { supportedVersions: ["2026-07-28"], capabilities: {}, ttlMs: 0, cacheScope: "private" }
    expect(decodes(S.DiscoverResult, discover)).toEqual(discover)
    expect(rejects(S.DiscoverResult, { supportedVersions: [], capabilities: {} })).toBe(true)
    expect(rejects(S.DiscoverResult, { ...discover, cacheScope: "shared" })).toBe(true)
    expect(rejects(S.DiscoverResult, { ...discover, ttlMs: -1 })).toBe(true)
    expect(rejects(S.Result2026, {})).toBe(true)
    expect(decodes(S.Result2026, { resultType: "complete" })).toEqual({ resultType: "complete" })
    expect(rejects(S.CacheHints2026, { ttlMs: 5 })).toBe(true)
  })

  it("an input-required result needs input requests or request state", () => {
    expect(rejects(S.InputRequiredResult, { resultType: "input_required" })).toBe(true)
    expect(rejects(S.InputRequiredResult, { resultType: "complete", requestState: "s" })).toBe(true)
    const result = { resultType: "input_required", inputRequests: { roots: { method: "roots/list" } } }
    expect(decodes(S.InputRequiredResult, result)).toEqual(result)
    const schema = S.resultSchemaFor(S.ClientRequests["prompts/get"], "2026-07-28")!
    expect(decodes(schema, result)).toEqual(result)
    expect(rejects(S.InputRequest, { method: "tools/call", params: {} })).toBe(true)
  })

  it("subscriptions/listen and its acknowledgement", () => {
    const params = { _meta: meta2026, notifications: { toolsListChanged: true, resourceSubscriptions: ["file:///a"] } }
    expect(decodes(S.SubscriptionsListenRequestParams, params)).toEqual(params)
    expect(rejects(S.SubscriptionsListenResult, { resultType: "complete" })).toBe(true)
    const result = { resultType: "complete", _meta: { "io.modelcontextprotocol/subscriptionId": 3 } }
    expect(decodes(S.SubscriptionsListenResult, result)).toEqual(result)
    const ack = { _meta: { "io.modelcontextprotocol/subscriptionId": 3 }, notifications: { promptsListChanged: true } }
    expect(decodes(S.SubscriptionsAcknowledgedNotificationParams, ack)).toEqual(ack)
  })

  it("URL elicitation without elicitationId; extensions in capabilities", () => {
    expect(decodes(S.ElicitRequestURLParams, { mode: "url", message: "m", url: "https://x" }).elicitationId).toBeUndefined()
    const caps = { extensions: { [S.TasksExtensionId]: {} } }
    expect(decodes(S.ServerCapabilities, caps)).toEqual(caps)
  })
})

describe("open and closed objects", () => {
  it("results, _meta, capabilities and JSON Schemas keep unknown keys", () => {
    const result = { content: [], _meta: { "com.example/trace": { id: 1 } }, toolResult: "legacy" }
    expect(Schema.encodeSync(S.CallToolResult)(decodes(S.CallToolResult, result))).toEqual(result)
    const caps = { roots: { listChanged: true, future: 1 }, futureCapability: { on: true } }
    expect(decodes(S.ClientCapabilities, caps)).toEqual(caps)
    const input = { type: "object", additionalProperties: false, $defs: { a: { type: "string" } } }
    expect(decodes(S.ObjectJsonSchema, input)).toEqual(input)
  })

  it("closed objects drop unknown keys", () => {
    expect(decodes(S.TextContent, { ...text, extra: 1 })).toEqual(text)
  })
})

describe("invalid messages", () => {
  const invalid: ReadonlyArray<readonly [string, Schema.Schema<any, any, never>, unknown]> = [
    ["TextContent without text", S.TextContent, { type: "text" }],
    ["ImageContent without mimeType", S.ImageContent, { type: "image", data: "AA==" }],
    ["unknown content type", S.ContentBlock, { type: "video", data: "" }],
    ["CallToolResult without content", S.CallToolResult, { structuredContent: {} }],
    ["content that is not an array", S.CallToolResult, { content: text }],
    ["a tool whose input schema is not an object schema", S.Tool, { name: "t", inputSchema: { type: "array" } }],
    ["a tool without input schema", S.Tool, { name: "t" }],
    ["an unknown logging level", S.SetLevelRequestParams, { level: "verbose" }],
    ["a priority above 1", S.Annotations, { priority: 2 }],
    ["a role that is not user or assistant", S.PromptMessage, { role: "system", content: text }],
    ["progress as a string", S.ProgressNotificationParams, { progressToken: 1, progress: "50" }],
    ["a progress token that is an object", S.ProgressNotificationParams, { progressToken: {}, progress: 1 }],
    ["initialize without clientInfo", S.InitializeRequestParams, { protocolVersion: "2025-06-18", capabilities: {} }],
    ["clientInfo without version", S.Implementation, { name: "c" }],
    ["an icon with an unknown theme", S.Icon, { src: "x", theme: "blue" }],
    ["a fractional maxTokens", S.CreateMessageRequestParams, { messages: [], maxTokens: 1.5 }],
    ["an elicitation result with an unknown action", S.ElicitResult, { action: "maybe" }],
    ["a nested elicitation field", S.ElicitationRequestedSchema, { type: "object", properties: { a: { type: "object" } } }],
    ["prompt arguments that are not strings", S.GetPromptRequestParams, { name: "p", arguments: { n: 1 } }],
    ["a completion reference of unknown type", S.CompleteRequestParams, { ref: { type: "ref/tool" }, argument: { name: "a", value: "" } }],
    ["a resource contents with neither text nor blob", S.ReadResourceResult, { contents: [{ uri: "file:///a" }] }],
    ["a negative resource size", S.Resource, { uri: "file:///a", name: "a", size: -1 }]
  ]
  for (const [name, schema, input] of invalid) {
    it(`rejects ${name}`, () => expect(rejects(schema, input)).toBe(true))
  }
})

describe("schema annotations", () => {
  it("every exported schema has an identifier", () => {
    const missing = Object.entries(S)
      .filter(([, value]) => Schema.isSchema(value))
      .filter(([, value]) => (value as Schema.Schema.Any).ast.annotations[Symbol.for("effect/annotation/Identifier")] === undefined)
      .map(([name]) => name)
    // versions.ts and jsonrpc.ts belong to the protocol engine; everything else is annotated
    expect(missing.filter((name) => !jsonrpcOrVersions.has(name))).toEqual([])
  })
})

const jsonrpcOrVersions = new Set([
  "ProtocolVersion",
  "JsonRpcVersion",
  "RequestId",
  "ProgressToken",
  "Meta",
  "Params",
  "JsonRpcRequest",
  "JsonRpcNotification",
  "JsonRpcResultResponse",
  "JsonRpcErrorObject",
  "JsonRpcErrorResponse",
  "JsonRpcResponse",
  "JsonRpcMessage",
  "JsonRpcBatch"
])
