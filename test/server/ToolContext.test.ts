import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import * as Layer from "effect/Layer"
import * as McpServer from "../../src/server/McpServer.js"
import { peerOf, type RawPeer } from "../harness.js"
import { ask, serverWith } from "./support.js"

/** Runs `effect` and answers with `_tag: message` on failure, so tests see which error it was. */
const tagged = <A>(effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }, ToolContext>) =>
  Effect.catchAll(Effect.map(effect, (value) => JSON.stringify(value)), (error) => Effect.succeed(`${error._tag}: ${error.message}`))

const Profile = Schema.Struct({
  name: Schema.String.annotations({ description: "Your name" }),
  age: Schema.Int.annotations({ description: "Your age" }),
  newsletter: Schema.optional(Schema.Boolean)
})

const tools = [
  Tool.make("ask", { input: Schema.Struct({}) }, () =>
    tagged(Effect.flatMap(ToolContext, (context) => context.elicit("Tell me about you", Profile)))),
  Tool.make("ask_url", { input: Schema.Struct({}) }, () =>
    tagged(Effect.flatMap(ToolContext, (context) => context.elicitUrl("Sign in", "https://example.com/login", "e-1")))),
  Tool.make("sample", { input: Schema.Struct({ withTools: Schema.Boolean }) }, ({ withTools }) =>
    tagged(Effect.flatMap(ToolContext, (context) =>
      context.sample({
        messages: [{ role: "user", content: { type: "text", text: "Hi" } }],
        maxTokens: 100,
        ...(withTools ? { tools: [{ name: "lookup", inputSchema: { type: "object" } }], toolChoice: { mode: "auto" as const } } : {})
      })))),
  Tool.make("roots", { input: Schema.Struct({}) }, () =>
    tagged(Effect.flatMap(ToolContext, (context) => context.listRoots()))),
  Tool.make("steps", { input: Schema.Struct({}) }, () =>
    Effect.gen(function*() {
      const context = yield* ToolContext
      yield* context.progress(1, 2, "half")
      yield* context.progress(2, 2)
      return "stepped"
    }))
]

const call = (peer: RawPeer, id: number, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) =>
  peer.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) } })

const resultText = (peer: RawPeer, id: number) =>
  Effect.map(peer.nextWhere((m) => m.id === id && m.result !== undefined), (m) => m.result.content[0].text as string)

const answer = (peer: RawPeer, request: any, result: unknown) => peer.send({ jsonrpc: "2.0", id: request.id, result })

describe("ToolContext", () => {
  it.scopedLive("elicits a form: the client sees the requested schema, the answer is decoded", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer({ elicitation: {} })
      call(client, 1, "ask")
      const request = yield* client.nextWhere((m) => m.method === "elicitation/create")
      expect(request.params).toEqual({
        message: "Tell me about you",
        requestedSchema: {
          type: "object",
          properties: {
            name: { type: "string", description: "Your name" },
            age: { type: "integer", description: "Your age" },
            newsletter: { type: "boolean" }
          },
          required: ["name", "age"]
        }
      })
      answer(client, request, { action: "accept", content: { name: "Ada", age: 36 } })
      expect(yield* resultText(client, 1)).toBe(JSON.stringify({ action: "accept", content: { name: "Ada", age: 36 } }))

      call(client, 2, "ask")
      answer(client, yield* client.nextWhere((m) => m.method === "elicitation/create"), { action: "decline" })
      expect(yield* resultText(client, 2)).toBe(JSON.stringify({ action: "decline" }))

      call(client, 3, "ask")
      answer(client, yield* client.nextWhere((m) => m.method === "elicitation/create"), { action: "accept", content: { name: "Ada", age: 36.5 } })
      expect(yield* resultText(client, 3)).toMatch(/^ProtocolError: The client's answer to elicitation\/create is invalid/)

      call(client, 4, "ask")
      const refused = yield* client.nextWhere((m) => m.method === "elicitation/create")
      client.send({ jsonrpc: "2.0", id: refused.id, error: { code: -32600, message: "no forms here" } })
      expect(yield* resultText(client, 4)).toBe("ProtocolError: no forms here")
    }))

  it.scopedLive("elicits a URL under 2025-11-25 when the client supports URL mode", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer({ elicitation: { form: {}, url: {} } })
      call(client, 1, "ask_url")
      const request = yield* client.nextWhere((m) => m.method === "elicitation/create")
      expect(request.params).toEqual({ mode: "url", message: "Sign in", url: "https://example.com/login", elicitationId: "e-1" })
      answer(client, request, { action: "accept" })
      expect(yield* resultText(client, 1)).toBe(JSON.stringify({ action: "accept" }))

      const formOnly = yield* peer({ elicitation: {} })
      call(formOnly, 1, "ask_url")
      expect(yield* resultText(formOnly, 1)).toMatch(/^CapabilityError: .*elicitation\.url/)
      const older = yield* peer({ elicitation: { url: {} } }, "2025-06-18")
      call(older, 1, "ask_url")
      expect(yield* resultText(older, 1)).toMatch(/^CapabilityError: .*2025-06-18/)
      // A client that declared URL mode only cannot be sent a form.
      const urlOnly = yield* peer({ elicitation: { url: {} } })
      call(urlOnly, 1, "ask")
      expect(yield* resultText(urlOnly, 1)).toMatch(/^CapabilityError: .*elicitation\.form/)
    }))

  it.scopedLive("samples the client's LLM, with tools when the client supports them", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer({ sampling: { tools: {} } })
      call(client, 1, "sample", { withTools: false })
      const request = yield* client.nextWhere((m) => m.method === "sampling/createMessage")
      expect(request.params).toEqual({ messages: [{ role: "user", content: { type: "text", text: "Hi" } }], maxTokens: 100 })
      const reply = { role: "assistant", content: { type: "text", text: "Hello" }, model: "test-model", stopReason: "endTurn" }
      answer(client, request, reply)
      expect(JSON.parse(yield* resultText(client, 1))).toEqual(reply)

      call(client, 2, "sample", { withTools: true })
      const withTools = yield* client.nextWhere((m) => m.method === "sampling/createMessage")
      expect(withTools.params.tools).toEqual([{ name: "lookup", inputSchema: { type: "object" } }])
      expect(withTools.params.toolChoice).toEqual({ mode: "auto" })
      answer(client, withTools, { role: "assistant", content: [{ type: "tool_use", id: "u1", name: "lookup", input: {} }], model: "m", stopReason: "toolUse" })
      expect(JSON.parse(yield* resultText(client, 2)).stopReason).toBe("toolUse")

      call(client, 3, "sample", { withTools: false })
      answer(client, yield* client.nextWhere((m) => m.method === "sampling/createMessage"), { role: "assistant" })
      expect(yield* resultText(client, 3)).toMatch(/^ProtocolError: The client's answer to sampling\/createMessage is invalid/)
    }))

  it.scopedLive("fails with CapabilityError, sending nothing, when the client lacks the capability", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const bare = yield* peer({})
      call(bare, 1, "sample", { withTools: false })
      expect(yield* resultText(bare, 1)).toBe("CapabilityError: The client did not declare the sampling capability needed by sampling/createMessage")
      call(bare, 2, "ask")
      expect(yield* resultText(bare, 2)).toMatch(/^CapabilityError: .*elicitation/)
      call(bare, 3, "roots")
      expect(yield* resultText(bare, 3)).toMatch(/^CapabilityError: .*roots/)
      expect((yield* bare.drain(20)).filter((m) => m.method !== undefined)).toEqual([])

      const noTools = yield* peer({ sampling: {} })
      call(noTools, 1, "sample", { withTools: true })
      expect(yield* resultText(noTools, 1)).toMatch(/^CapabilityError: .*sampling\.tools/)
      // Elicitation does not exist before 2025-06-18, whatever the client declares.
      const old = yield* peer({ elicitation: {} }, "2025-03-26")
      call(old, 1, "ask")
      expect(yield* resultText(old, 1)).toMatch(/^CapabilityError: .*2025-03-26/)
    }))

  it.scopedLive("lists the client's roots", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer({ roots: { listChanged: true } })
      call(client, 1, "roots")
      const request = yield* client.nextWhere((m) => m.method === "roots/list")
      answer(client, request, { roots: [{ uri: "file:///work", name: "work" }] })
      expect(JSON.parse(yield* resultText(client, 1))).toEqual([{ uri: "file:///work", name: "work" }])
    }))

  it.scopedLive("reports progress under the caller's token, and none without one", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      call(client, 1, "steps", {}, { progressToken: 7 })
      expect(yield* resultText(client, 1)).toBe("stepped")
      const progress = (yield* client.drain(10)).filter((m) => m.method === "notifications/progress").map((m) => m.params)
      expect(progress).toEqual([{ progressToken: 7, progress: 1, total: 2, message: "half" }, { progressToken: 7, progress: 2, total: 2 }])
      call(client, 2, "steps")
      expect(yield* resultText(client, 2)).toBe("stepped")
      expect((yield* client.drain(10)).filter((m) => m.method === "notifications/progress")).toEqual([])
    }))

  it.scopedLive("a cancelled call cancels its pending request to the client", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer({ sampling: {} })
      call(client, 1, "sample", { withTools: false })
      const request = yield* client.nextWhere((m) => m.method === "sampling/createMessage")
      client.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } })
      const cancelled = yield* client.nextWhere((m) => m.method === "notifications/cancelled")
      expect(cancelled.params.requestId).toBe(request.id)
      expect((yield* client.drain(20)).filter((m) => m.id === 1)).toEqual([])
    }))
})

describe("ToolContext in tools", () => {
  it.scopedLive("is provided by the server: a layer of tools that use it needs nothing", () =>
    Effect.gen(function*() {
      // Typechecked: ToolContext is not among the layer's requirements.
      const layer: Layer.Layer<McpServer.McpServer> = McpServer.layer({ name: "t", version: "1" }, { tools })
      const server = yield* Effect.provide(McpServer.McpServer, layer)
      const client = yield* peerOf(server.connect)
      yield* client.initialize()
      expect((yield* ask(client, 1, "tools/call", { name: "steps", arguments: {} })).result.content[0].text).toBe("stepped")
    }))
})
