import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Schema from "effect/Schema"
import * as McpServer from "../../src/server/McpServer.js"
import * as Protocol from "../../src/protocol/Protocol.js"
import * as InMemory from "../../src/transport/InMemory.js"
import * as Prompt from "../../src/server/Prompt.js"
import * as Resource from "../../src/server/Resource.js"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { peerOf } from "../harness.js"
import { ask, serverWith } from "./support.js"
import { ask2026, meta2026, text } from "./support-stateless.js"

const Echo = Tool.make("echo", { input: Schema.Struct({ text: Schema.String }) }, ({ text }) => Effect.succeed(text))

const Chatty = Tool.make("chatty", { input: Schema.Struct({}) }, () =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    yield* context.log("debug", "debug detail")
    yield* context.log("info", "info detail")
    yield* Effect.logWarning("effect warning")
    yield* context.log("error", "it broke")
    return "done"
  }))

/** Runs `effect` and answers with `_tag: message` on failure, so tests see which error it was. */
const tagged = <A>(effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }, ToolContext>) =>
  Effect.catchAll(Effect.map(effect, (value) => JSON.stringify(value)), (error) => Effect.succeed(`${error._tag}: ${error.message}`))

let signupRuns = 0
const Signup = Tool.make("signup", { input: Schema.Struct({ plan: Schema.String }) }, ({ plan }) =>
  Effect.gen(function*() {
    signupRuns++
    const context = yield* ToolContext
    const name = yield* context.elicit("Your name?", Schema.Struct({ name: Schema.String }))
    const age = yield* context.elicit("Your age?", Schema.Struct({ age: Schema.Int }))
    if (name.action !== "accept" || age.action !== "accept") return "declined"
    return `${name.content.name} (${age.content.age}) on ${plan}`
  }).pipe(Effect.orDie))

const Sample = Tool.make("sample", { input: Schema.Struct({}) }, () =>
  tagged(Effect.flatMap(ToolContext, (context) =>
    context.sample({ messages: [{ role: "user", content: { type: "text", text: "Hi" } }], maxTokens: 10 }))))

const Readme = Resource.make({ uri: "test://readme", name: "readme", mimeType: "text/plain" }, Effect.succeed("hello"))

const serverInfo = { name: "test", version: "1.0.0" }

/** A server and a raw peer on a connection that is never initialized. */
const statelessPeer = (options: McpServer.Options<any, any, any, any> = {}, info: McpServer.Info = serverInfo) =>
  Effect.gen(function*() {
    const server = yield* McpServer.make(info, options).pipe(Effect.provide(Protocol.layerDefault))
    return { server, peer: yield* peerOf(server.connect) }
  })

const messages = (received: ReadonlyArray<any>) =>
  received.filter((m) => m.method === "notifications/message").map((m) => m.params)

describe("McpServer, 2026-07-28", () => {
  it.scopedLive("server/discover: versions, capabilities, instructions, cache hints, serverInfo, resultType", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ cacheTtlMs: 60_000 }, { ...serverInfo, instructions: "Use echo." })
      const answer = yield* ask2026(peer, 1, "server/discover")
      expect(answer.result).toEqual({
        resultType: "complete",
        supportedVersions: ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"],
        capabilities: {
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: true },
          logging: {},
          completions: {}
        },
        instructions: "Use echo.",
        ttlMs: 60_000,
        cacheScope: "public",
        _meta: { "io.modelcontextprotocol/serverInfo": serverInfo }
      })
      expect(peer.connection.session.protocolVersion).toBeUndefined()
    }))

  it.scopedLive("server/discover does not exist in a stateful session; initialize, ping, setLevel, subscribe do not exist in 2026", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools: [Echo], resources: [Readme] })
      const stateful = yield* peer()
      expect((yield* ask(stateful, 1, "server/discover", {})).error.code).toBe(-32601)
      const { peer: stateless } = yield* statelessPeer({ resources: [Readme] })
      const initialize = { protocolVersion: "2026-07-28", capabilities: {}, clientInfo: { name: "x", version: "1" } }
      expect((yield* ask2026(stateless, 1, "initialize", initialize)).error.code).toBe(-32601)
      expect((yield* ask2026(stateless, 2, "ping")).error.code).toBe(-32601)
      expect((yield* ask2026(stateless, 3, "logging/setLevel", { level: "debug" })).error.code).toBe(-32601)
      expect((yield* ask2026(stateless, 4, "resources/subscribe", { uri: "test://readme" })).error.code).toBe(-32601)
      expect(stateless.connection.session.protocolVersion).toBeUndefined()
    }))

  it.scopedLive("tools are served without initialize; results carry resultType, serverInfo and (lists) cache hints", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ tools: [Echo] })
      const list = (yield* ask2026(peer, 1, "tools/list")).result
      expect(list.resultType).toBe("complete")
      expect(list.ttlMs).toBe(0)
      expect(list.cacheScope).toBe("public")
      expect(list._meta).toEqual({ "io.modelcontextprotocol/serverInfo": serverInfo })
      expect(list.tools.map((t: any) => t.name)).toEqual(["echo"])
      const call = yield* ask2026(peer, 2, "tools/call", { name: "echo", arguments: { text: "hi" } })
      expect(call.result.resultType).toBe("complete")
      expect(call.result._meta).toEqual({ "io.modelcontextprotocol/serverInfo": serverInfo })
      expect(text(call)).toBe("hi")
      // The stateful answer of the same server has none of the 2026 fields (the pages are kept apart).
      const { peer: statefulPeer } = yield* serverWith({ tools: [Echo] })
      const stateful = yield* statefulPeer()
      const plain = (yield* ask(stateful, 1, "tools/list", {})).result
      expect(Object.keys(plain)).toEqual(["tools"])
    }))

  it.scopedLive("resources/read carries private cache hints; an unknown URI is -32602 (not -32002)", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ resources: [Readme], cacheTtlMs: 5 })
      const read = (yield* ask2026(peer, 1, "resources/read", { uri: "test://readme" })).result
      expect(read).toMatchObject({ resultType: "complete", ttlMs: 5, cacheScope: "private", contents: [{ uri: "test://readme", text: "hello" }] })
      const missing = yield* ask2026(peer, 2, "resources/read", { uri: "test://nothing" })
      expect(missing.error.code).toBe(-32602)
      expect(missing.error.data).toEqual({ uri: "test://nothing" })
      const resources = (yield* ask2026(peer, 3, "resources/list")).result
      expect(resources).toMatchObject({ resultType: "complete", ttlMs: 5, cacheScope: "public" })
    }))

  it.scopedLive("logging: nothing without a logLevel in _meta; at or above it when set", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ tools: [Chatty], logLevel: "debug" })
      expect(text(yield* ask2026(peer, 1, "tools/call", { name: "chatty", arguments: {} }))).toBe("done")
      expect(messages(yield* peer.drain(10))).toEqual([])
      yield* ask2026(peer, 2, "tools/call", { name: "chatty", arguments: {} }, {}, { "io.modelcontextprotocol/logLevel": "warning" })
      expect(messages(yield* peer.drain(10))).toEqual([
        { level: "warning", data: "effect warning" },
        { level: "error", data: "it broke" }
      ])
      yield* ask2026(peer, 3, "tools/call", { name: "chatty", arguments: {} }, {}, { "io.modelcontextprotocol/logLevel": "debug" })
      expect(messages(yield* peer.drain(10)).map((m) => m.level)).toEqual(["debug", "info", "warning", "error"])
    }))

  it.scopedLive("input required: a tool that elicits twice ends twice with input requests, then completes on replay", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ tools: [Signup] })
      const elicitation = { elicitation: { form: {} } }
      signupRuns = 0
      const first = (yield* ask2026(peer, 1, "tools/call", { name: "signup", arguments: { plan: "pro" } }, elicitation)).result
      expect(first.resultType).toBe("input_required")
      expect(first.inputRequests).toEqual({
        "0": {
          method: "elicitation/create",
          params: { message: "Your name?", requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } }
        }
      })
      expect(typeof first.requestState).toBe("string")
      expect(first._meta).toEqual({ "io.modelcontextprotocol/serverInfo": serverInfo })
      // No request was sent to the client: the call ended with the input requests.
      expect((yield* peer.drain(10)).filter((m) => m.method !== undefined)).toEqual([])

      const second = (yield* ask2026(peer, 2, "tools/call", {
        name: "signup",
        arguments: { plan: "pro" },
        inputResponses: { "0": { action: "accept", content: { name: "Ada" } } },
        requestState: first.requestState
      }, elicitation)).result
      expect(second.resultType).toBe("input_required")
      expect(Object.keys(second.inputRequests)).toEqual(["1"])
      expect(second.inputRequests["1"].params.message).toBe("Your age?")

      const third = yield* ask2026(peer, 3, "tools/call", {
        name: "signup",
        arguments: { plan: "pro" },
        inputResponses: { "1": { action: "accept", content: { age: 36 } } },
        requestState: second.requestState
      }, elicitation)
      expect(third.result.resultType).toBe("complete")
      expect(text(third)).toBe("Ada (36) on pro")
      expect(signupRuns).toBe(3)
    }))

  it.scopedLive("input required: a forged or foreign requestState, or one for other arguments, is -32602", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ tools: [Signup, Sample], requestStateKey: "k1" })
      const capabilities = { elicitation: {}, sampling: {} }
      const first = (yield* ask2026(peer, 1, "tools/call", { name: "signup", arguments: { plan: "pro" } }, capabilities)).result
      const [body, mac] = first.requestState.split(".")
      const decoded = JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
      const forgedBody = Buffer.from(JSON.stringify({ ...decoded, answers: [{ action: "accept", content: { name: "Eve" } }], pending: [] })).toString("base64url")
      const retry = (id: number, requestState: unknown, inputResponses: unknown = { "0": { action: "accept", content: { name: "Ada" } } }) =>
        ask2026(peer, id, "tools/call", { name: "signup", arguments: { plan: "pro" }, inputResponses, requestState }, capabilities)
      expect((yield* retry(2, `${forgedBody}.${mac}`)).error.code).toBe(-32602)
      expect((yield* retry(3, forgedBody)).error.code).toBe(-32602)
      expect((yield* retry(4, `${body}.${Buffer.from("x".repeat(32)).toString("base64url")}`)).error.code).toBe(-32602)
      // The state is bound to the request's arguments.
      const otherPlan = yield* ask2026(peer, 10, "tools/call", {
        name: "signup",
        arguments: { plan: "free" },
        inputResponses: { "0": { action: "accept", content: { name: "Ada" } } },
        requestState: first.requestState
      }, capabilities)
      expect(otherPlan.error).toMatchObject({ code: -32602, message: expect.stringMatching(/not issued by this server for this request/) })
      // A retry without the answer asked for is asked again, not refused.
      const unanswered = (yield* retry(5, first.requestState, { unrelated: { action: "accept", content: {} } })).result
      expect(unanswered.resultType).toBe("input_required")
      expect(Object.keys(unanswered.inputRequests)).toEqual(["0"])
      // A state signed by another server (another key) is refused too.
      const { peer: other } = yield* statelessPeer({ tools: [Signup], requestStateKey: "k2" })
      const foreign = (yield* ask2026(other, 1, "tools/call", { name: "signup", arguments: { plan: "pro" } }, capabilities)).result
      expect((yield* retry(6, foreign.requestState)).error.code).toBe(-32602)
      // A state issued for another tool is refused.
      const sampled = (yield* ask2026(peer, 7, "tools/call", { name: "sample", arguments: {} }, capabilities)).result
      expect(sampled.resultType).toBe("input_required")
      expect((yield* retry(8, sampled.requestState)).error.code).toBe(-32602)
      // The genuine state still works.
      expect((yield* retry(9, first.requestState)).result.inputRequests["1"].method).toBe("elicitation/create")
    }))

  it.scoped("input required: a requestState is refused once its ttl has passed", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ tools: [Signup], requestStateTtlMs: 60_000 })
      const capabilities = { elicitation: {} }
      const first = (yield* ask2026(peer, 1, "tools/call", { name: "signup", arguments: { plan: "pro" } }, capabilities)).result
      const retry = (id: number) =>
        ask2026(peer, id, "tools/call", {
          name: "signup",
          arguments: { plan: "pro" },
          inputResponses: { "0": { action: "accept", content: { name: "Ada" } } },
          requestState: first.requestState
        }, capabilities)
      yield* TestClock.adjust("59 seconds")
      expect((yield* retry(2)).result.resultType).toBe("input_required")
      yield* TestClock.adjust("2 seconds")
      expect((yield* retry(3)).error).toMatchObject({ code: -32602, message: expect.stringMatching(/expired/) })
    }))

  it.scopedLive("input required: concurrent requests of a handler are asked in one round; partial answers ask the rest again", () =>
    Effect.gen(function*() {
      let runs = 0
      const Both = Tool.make("both", { input: Schema.Struct({}) }, () =>
        Effect.gen(function*() {
          runs++
          const context = yield* ToolContext
          const [name, age] = yield* Effect.all([
            context.elicit("Your name?", Schema.Struct({ name: Schema.String })),
            context.elicit("Your age?", Schema.Struct({ age: Schema.Int }))
          ], { concurrency: "unbounded" })
          return name.action === "accept" && age.action === "accept" ? `${name.content.name} ${age.content.age}` : "declined"
        }).pipe(Effect.orDie))
      const { peer } = yield* statelessPeer({ tools: [Both] })
      const capabilities = { elicitation: {} }
      const first = (yield* ask2026(peer, 1, "tools/call", { name: "both", arguments: {} }, capabilities)).result
      expect(first.resultType).toBe("input_required")
      expect(Object.fromEntries(Object.entries(first.inputRequests).map(([key, r]: [string, any]) => [key, r.params.message])))
        .toEqual({ "0": "Your name?", "1": "Your age?" })
      const second = (yield* ask2026(peer, 2, "tools/call", {
        name: "both",
        arguments: {},
        inputResponses: { "0": { action: "accept", content: { name: "Ada" } } },
        requestState: first.requestState
      }, capabilities)).result
      expect(second.resultType).toBe("input_required")
      expect(Object.keys(second.inputRequests)).toEqual(["1"])
      const third = yield* ask2026(peer, 3, "tools/call", {
        name: "both",
        arguments: {},
        inputResponses: { "1": { action: "accept", content: { age: 36 } } },
        requestState: second.requestState
      }, capabilities)
      expect(text(third)).toBe("Ada 36")
      expect(runs).toBe(3)
    }))

  it.scopedLive("a capability the request needs and the client did not declare is -32021 with the capabilities; a handler may recover", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ tools: [Signup, Sample] })
      const refused = yield* ask2026(peer, 1, "tools/call", { name: "signup", arguments: { plan: "pro" } }, { sampling: {} })
      expect(refused.error).toMatchObject({
        code: -32021,
        data: { requiredCapabilities: { elicitation: { form: {} } } }
      })
      // `Sample` turns the CapabilityError into a result of its own: the request did not need sampling.
      const recovered = yield* ask2026(peer, 2, "tools/call", { name: "sample", arguments: {} }, {})
      expect(recovered.result.resultType).toBe("complete")
      expect(text(recovered)).toMatch(/^CapabilityError/)
    }))

  it.scopedLive("capabilities are per request: sampling refused when this request lacks it, though an earlier one had it", () =>
    Effect.gen(function*() {
      const { peer } = yield* statelessPeer({ tools: [Sample] })
      const withSampling = (yield* ask2026(peer, 1, "tools/call", { name: "sample", arguments: {} }, { sampling: {} })).result
      expect(withSampling.resultType).toBe("input_required")
      expect(withSampling.inputRequests["0"]).toEqual({
        method: "sampling/createMessage",
        params: { messages: [{ role: "user", content: { type: "text", text: "Hi" } }], maxTokens: 10 }
      })
      const without = yield* ask2026(peer, 2, "tools/call", { name: "sample", arguments: {} }, { elicitation: {} })
      expect(without.result.resultType).toBe("complete")
      expect(text(without)).toMatch(/^CapabilityError: The client did not declare the sampling capability/)
      const answered = yield* ask2026(peer, 3, "tools/call", {
        name: "sample",
        arguments: {},
        inputResponses: { "0": { role: "assistant", content: { type: "text", text: "Hello" }, model: "m" } },
        requestState: withSampling.requestState
      }, { sampling: {} })
      expect(JSON.parse(text(answered))).toMatchObject({ role: "assistant", model: "m" })
    }))

  it.scopedLive("subscriptions/listen: acknowledged first, then only the subscribed URIs and list changes, tagged with its id", () =>
    Effect.gen(function*() {
      const { peer, server } = yield* statelessPeer({ tools: [Echo], resources: [Readme], maxConcurrentRequests: 1 })
      const listen = { toolsListChanged: true, resourceSubscriptions: ["test://readme"] }
      peer.send({ jsonrpc: "2.0", id: "listen-1", method: "subscriptions/listen", params: { notifications: listen, _meta: meta2026() } })
      const ack = yield* peer.next()
      expect(ack).toEqual({
        jsonrpc: "2.0",
        method: "notifications/subscriptions/acknowledged",
        params: { _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" }, notifications: listen }
      })
      // The open stream does not take the connection's only slot.
      expect(text(yield* ask2026(peer, 1, "tools/call", { name: "echo", arguments: { text: "still served" } }))).toBe("still served")

      yield* server.notifyResourceUpdated("test://readme")
      yield* server.notifyResourceUpdated("test://other")
      yield* server.addPrompt(Prompt.make({ name: "p", description: "unasked" }, () => Effect.succeed("hi")))
      yield* server.addTool(Tool.make("late", { input: Schema.Struct({}) }, () => Effect.succeed("late")))
      expect(yield* peer.drain(20)).toEqual([
        {
          jsonrpc: "2.0",
          method: "notifications/resources/updated",
          params: { uri: "test://readme", _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" } }
        },
        {
          jsonrpc: "2.0",
          method: "notifications/tools/list_changed",
          params: { _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" } }
        }
      ])
    }))

  it.scopedLive("subscriptions/listen: endSubscriptions answers every stream with a result carrying its id, and later ones at once", () =>
    Effect.gen(function*() {
      const { peer, server } = yield* statelessPeer({ resources: [Readme] })
      peer.send({ jsonrpc: "2.0", id: "a", method: "subscriptions/listen", params: { notifications: { resourcesListChanged: true }, _meta: meta2026() } })
      expect((yield* peer.next()).method).toBe("notifications/subscriptions/acknowledged")
      yield* server.endSubscriptions
      expect(yield* peer.nextWhere((m) => m.id === "a")).toEqual({
        jsonrpc: "2.0",
        id: "a",
        result: { resultType: "complete", _meta: { "io.modelcontextprotocol/serverInfo": serverInfo, "io.modelcontextprotocol/subscriptionId": "a" } }
      })
      peer.send({ jsonrpc: "2.0", id: "b", method: "subscriptions/listen", params: { notifications: { resourcesListChanged: true }, _meta: meta2026() } })
      expect((yield* peer.nextWhere((m) => m.id === "b")).result._meta["io.modelcontextprotocol/subscriptionId"]).toBe("b")
    }))

  it.scopedLive("subscriptions/listen: a served connection that is interrupted (shutdown) answers its streams before it closes", () =>
    Effect.gen(function*() {
      const server = yield* McpServer.make(serverInfo, { resources: [Readme] }).pipe(Effect.provide(Protocol.layerDefault))
      const [client, transport] = InMemory.makePair()
      const received: Array<any> = []
      yield* Effect.forkScoped(client.receive((frame) => {
        received.push(JSON.parse(frame as string))
      }))
      const serving = yield* Effect.fork(server.serve(transport))
      client.send(JSON.stringify({ jsonrpc: "2.0", id: "l", method: "subscriptions/listen", params: { notifications: { resourcesListChanged: true }, _meta: meta2026() } }))
      while (received.length === 0) yield* Effect.sleep("5 millis")
      expect(received[0].method).toBe("notifications/subscriptions/acknowledged")
      yield* Fiber.interrupt(serving)
      expect(received.at(-1)).toMatchObject({ id: "l", result: { resultType: "complete", _meta: { "io.modelcontextprotocol/subscriptionId": "l" } } })
    }))

  it.scopedLive("subscriptions/listen: cancelling ends the stream without an answer; it does not exist in a stateful session", () =>
    Effect.gen(function*() {
      const { peer, server } = yield* statelessPeer({ resources: [Readme] })
      peer.send({ jsonrpc: "2.0", id: 7, method: "subscriptions/listen", params: { notifications: { resourceSubscriptions: ["test://readme"] }, _meta: meta2026() } })
      expect((yield* peer.next()).method).toBe("notifications/subscriptions/acknowledged")
      yield* server.notifyResourceUpdated("test://readme")
      expect((yield* peer.next()).method).toBe("notifications/resources/updated")
      peer.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } })
      yield* Effect.sleep(10)
      expect(peer.connection.inFlight()).toBe(0)
      yield* server.notifyResourceUpdated("test://readme")
      expect(yield* peer.drain(20)).toEqual([])

      const { peer: statefulPeer } = yield* serverWith({ resources: [Readme] })
      const stateful = yield* statefulPeer()
      expect((yield* ask(stateful, 1, "subscriptions/listen", { notifications: {} })).error.code).toBe(-32601)
    }))
})
