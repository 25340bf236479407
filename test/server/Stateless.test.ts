import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as McpServer from "../../src/server/McpServer.js"
import * as Protocol from "../../src/protocol/Protocol.js"
import * as Resource from "../../src/server/Resource.js"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { peerOf } from "../harness.js"
import { ask, serverWith } from "./support.js"
import { ask2026, text } from "./support-stateless.js"

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
})
