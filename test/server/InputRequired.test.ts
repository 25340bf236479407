/**
 * Input-required rounds of `prompts/get` and `resources/read` (2026-07-28): a prompt that
 * elicits, a template read that samples, their replay on retry, states bound to the method and
 * the prompt name / resource URI, and the 2025 eras that send the same requests to the client.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as McpServer from "../../src/server/McpServer.js"
import * as Protocol from "../../src/protocol/Protocol.js"
import * as Prompt from "../../src/server/Prompt.js"
import * as ResourceTemplate from "../../src/server/ResourceTemplate.js"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { peerOf } from "../harness.js"
import { ask, serverWith } from "./support.js"
import { ask2026 } from "./support-stateless.js"

let greetRuns = 0
const Greet = Prompt.make({ name: "greet", description: "Greets whoever answers" }, () =>
  Effect.gen(function*() {
    greetRuns++
    const context = yield* ToolContext
    const answer = yield* context.elicit("Who are you?", Schema.Struct({ name: Schema.String }))
    return answer.action === "accept" ? `Greet ${answer.content.name}` : "Greet someone"
  }).pipe(Effect.orDie))

const Other = Prompt.make({ name: "other", description: "Also elicits" }, () =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    yield* context.elicit("Who?", Schema.Struct({ name: Schema.String }))
    return "other"
  }).pipe(Effect.orDie))

let poemRuns = 0
const Poem = ResourceTemplate.make({
  uriTemplate: "test://poem/{topic}",
  name: "poem",
  mimeType: "text/plain",
  params: Schema.Struct({ topic: Schema.String })
}, ({ topic }) =>
  Effect.gen(function*() {
    poemRuns++
    const context = yield* ToolContext
    const result = yield* context.sample({ messages: [{ role: "user", content: { type: "text", text: `A poem on ${topic}` } }], maxTokens: 50 })
    const [content] = Array.isArray(result.content) ? result.content : [result.content]
    return content?.type === "text" ? content.text : "?"
  }).pipe(Effect.orDie))

const Echo = Tool.make("greet", { input: Schema.Struct({}) }, () => Effect.succeed("tool"))

const serverInfo = { name: "test", version: "1.0.0" }

const statelessPeer = (options: McpServer.Options<any, any, any, any>) =>
  Effect.gen(function*() {
    const server = yield* McpServer.make(serverInfo, options).pipe(Effect.provide(Protocol.layerDefault))
    return yield* peerOf(server.connect)
  })

const elicitation = { elicitation: { form: {} } }
const sampling = { sampling: {} }

describe("input-required rounds of prompts/get and resources/read, 2026-07-28", () => {
  it.scopedLive("a prompt that elicits once: input_required, then the messages on replay", () =>
    Effect.gen(function*() {
      const peer = yield* statelessPeer({ prompts: [Greet] })
      greetRuns = 0
      const first = (yield* ask2026(peer, 1, "prompts/get", { name: "greet" }, elicitation)).result
      expect(first.resultType).toBe("input_required")
      expect(first.inputRequests).toEqual({
        "0": {
          method: "elicitation/create",
          params: { message: "Who are you?", requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } }
        }
      })
      expect(typeof first.requestState).toBe("string")
      expect(first._meta).toEqual({ "io.modelcontextprotocol/serverInfo": serverInfo })
      // Nothing was sent to the client.
      expect((yield* peer.drain(10)).filter((m) => m.method !== undefined)).toEqual([])

      const second = (yield* ask2026(peer, 2, "prompts/get", {
        name: "greet",
        inputResponses: { "0": { action: "accept", content: { name: "Ada" } } },
        requestState: first.requestState
      }, elicitation)).result
      expect(second.resultType).toBe("complete")
      expect(second.messages).toEqual([{ role: "user", content: { type: "text", text: "Greet Ada" } }])
      expect(greetRuns).toBe(2)
    }))

  it.scopedLive("a template read that samples once: input_required (no cache hints), then the contents on replay", () =>
    Effect.gen(function*() {
      const peer = yield* statelessPeer({ resourceTemplates: [Poem], cacheTtlMs: 7 })
      poemRuns = 0
      const first = (yield* ask2026(peer, 1, "resources/read", { uri: "test://poem/sea" }, sampling)).result
      expect(first.resultType).toBe("input_required")
      expect(first.inputRequests).toEqual({
        "0": {
          method: "sampling/createMessage",
          params: { messages: [{ role: "user", content: { type: "text", text: "A poem on sea" } }], maxTokens: 50 }
        }
      })
      expect(first.ttlMs).toBeUndefined()
      expect(first.contents).toBeUndefined()

      const second = (yield* ask2026(peer, 2, "resources/read", {
        uri: "test://poem/sea",
        inputResponses: { "0": { role: "assistant", content: { type: "text", text: "Waves." }, model: "m" } },
        requestState: first.requestState
      }, sampling)).result
      expect(second).toMatchObject({
        resultType: "complete",
        ttlMs: 7,
        cacheScope: "private",
        contents: [{ uri: "test://poem/sea", mimeType: "text/plain", text: "Waves." }]
      })
      expect(poemRuns).toBe(2)
    }))

  it.scopedLive("a forged state, or one issued for another prompt, URI or method, is -32602", () =>
    Effect.gen(function*() {
      const peer = yield* statelessPeer({ prompts: [Greet, Other], resourceTemplates: [Poem], tools: [Echo], requestStateKey: "k" })
      const capabilities = { ...elicitation, ...sampling }
      const prompt = (yield* ask2026(peer, 1, "prompts/get", { name: "greet" }, capabilities)).result
      const [body, mac] = prompt.requestState.split(".")
      const decoded = JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
      expect(decoded).toMatchObject({ method: "prompts/get", target: "greet" })
      const forgedBody = Buffer.from(JSON.stringify({ ...decoded, answers: [{ action: "accept", content: { name: "Eve" } }], pending: [] }))
        .toString("base64url")
      const getGreet = (id: number, requestState: unknown) =>
        ask2026(peer, id, "prompts/get", {
          name: "greet",
          inputResponses: { "0": { action: "accept", content: { name: "Ada" } } },
          requestState
        }, capabilities)
      expect((yield* getGreet(2, `${forgedBody}.${mac}`)).error.code).toBe(-32602)
      expect((yield* getGreet(3, forgedBody)).error.code).toBe(-32602)
      // Another prompt's state.
      const other = (yield* ask2026(peer, 4, "prompts/get", { name: "other" }, capabilities)).result
      expect(other.resultType).toBe("input_required")
      expect((yield* getGreet(5, other.requestState)).error.code).toBe(-32602)
      // The same state for a tool of the same name (another method).
      const asTool = yield* ask2026(peer, 6, "tools/call", {
        name: "greet",
        arguments: {},
        inputResponses: { "0": { action: "accept", content: { name: "Ada" } } },
        requestState: prompt.requestState
      }, capabilities)
      expect(asTool.error.code).toBe(-32602)

      // A read's state is bound to its URI.
      const read = (yield* ask2026(peer, 7, "resources/read", { uri: "test://poem/sea" }, capabilities)).result
      const answer = { "0": { role: "assistant", content: { type: "text", text: "Sand." }, model: "m" } }
      const elsewhere = yield* ask2026(peer, 8, "resources/read", { uri: "test://poem/sand", inputResponses: answer, requestState: read.requestState }, capabilities)
      expect(elsewhere.error.code).toBe(-32602)
      const asPrompt = yield* ask2026(peer, 9, "prompts/get", { name: "test://poem/sea", inputResponses: answer, requestState: read.requestState }, capabilities)
      expect(asPrompt.error.code).toBe(-32602)

      // The genuine states still work.
      expect((yield* getGreet(10, prompt.requestState)).result.messages[0].content.text).toBe("Greet Ada")
      const done = yield* ask2026(peer, 11, "resources/read", { uri: "test://poem/sea", inputResponses: answer, requestState: read.requestState }, capabilities)
      expect(done.result.contents[0].text).toBe("Sand.")
    }))
})

describe("prompts and reads asking the client, 2025 eras", () => {
  it.scopedLive("the prompt's elicitation and the read's sampling are sent to the client as requests", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ prompts: [Greet], resourceTemplates: [Poem] })
      const client = yield* peer({ elicitation: {}, sampling: {} }, "2025-06-18")
      client.send({ jsonrpc: "2.0", id: 1, method: "prompts/get", params: { name: "greet" } })
      const elicit = yield* client.nextWhere((m) => m.method === "elicitation/create")
      expect(elicit.params.message).toBe("Who are you?")
      client.send({ jsonrpc: "2.0", id: elicit.id, result: { action: "accept", content: { name: "Ada" } } })
      const got = yield* client.nextWhere((m) => m.id === 1 && m.result !== undefined)
      expect(got.result.messages[0].content.text).toBe("Greet Ada")
      expect(got.result.resultType).toBeUndefined()

      client.send({ jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "test://poem/sea" } })
      const sample = yield* client.nextWhere((m) => m.method === "sampling/createMessage")
      client.send({ jsonrpc: "2.0", id: sample.id, result: { role: "assistant", content: { type: "text", text: "Waves." }, model: "m" } })
      const read = yield* client.nextWhere((m) => m.id === 2 && m.result !== undefined)
      expect(read.result.contents).toEqual([{ uri: "test://poem/sea", mimeType: "text/plain", text: "Waves." }])
      // The session goes on as usual.
      expect((yield* ask(client, 3, "prompts/list", {})).result.prompts.map((p: any) => p.name)).toEqual(["greet"])
    }))
})
