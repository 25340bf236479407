/**
 * The client against a scripted server (the other end of an in-memory pair, answering by hand):
 * version fallback, capability checks before sending, invalid results, roots changes.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Connector from "../../src/client/Connector.js"
import * as Elicitor from "../../src/client/Elicitor.js"
import * as McpClient from "../../src/client/McpClient.js"
import * as Roots from "../../src/client/Roots.js"
import * as InMemory from "../../src/transport/InMemory.js"

type Message = Record<string, any>

/**
 * A server that answers each request with `answer(message)` (a result, or `{ error }`), records
 * every message, and sends `requests` once the client's `notifications/initialized` arrives.
 */
const scripted = (answer: (message: Message) => Record<string, unknown>, requests: ReadonlyArray<Message> = []) => {
  const received: Array<Message> = []
  const connector: Connector.Connector = Effect.gen(function*() {
    const [client, server] = InMemory.makePair()
    yield* Effect.forkScoped(server.receive((frame) => {
      const message = JSON.parse(frame as string) as Message
      received.push(message)
      if (message.method === "notifications/initialized") for (const request of requests) server.send(JSON.stringify(request))
      if (message.id === undefined || message.method === undefined) return
      const reply = answer(message)
      server.send(JSON.stringify("error" in reply ? { jsonrpc: "2.0", id: message.id, error: reply.error } : { jsonrpc: "2.0", id: message.id, result: reply }))
    }))
    return { transport: client }
  })
  return { connector, received }
}

const legacyServer = (message: Message): Record<string, unknown> => {
  switch (message.method) {
    case "server/discover":
      return { error: { code: -32601, message: "Method not found" } }
    case "initialize":
      return { protocolVersion: "2025-03-26", capabilities: { tools: {} }, serverInfo: { name: "legacy", version: "1" } }
    case "tools/list":
      return { tools: "not a list" }
    default:
      return {}
  }
}

describe("McpClient against a scripted server", () => {
  it.scopedLive("falls back from server/discover to initialize and accepts an older version", () => {
    const server = scripted(legacyServer)
    return Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      expect(yield* client.protocolVersion).toBe("2025-03-26")
      yield* client.ping
      expect(server.received.map((m) => m.method).slice(0, 3)).toEqual(["server/discover", "initialize", "notifications/initialized"])
      expect(server.received[1]!.params.protocolVersion).toBe("2025-11-25")
    }).pipe(Effect.provide(McpClient.layer(server.connector)))
  })

  it.scopedLive("fails requests the server has no capability for without sending them, and rejects invalid results", () => {
    const server = scripted(legacyServer)
    return Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const missing = yield* Effect.flip(client.listPrompts)
      expect(missing).toMatchObject({ _tag: "MissingCapability", method: "prompts/list", capability: "prompts" })
      expect(yield* Effect.flip(client.setLogLevel("debug"))).toMatchObject({ _tag: "MissingCapability", capability: "logging" })
      expect(server.received.some((m) => m.method === "prompts/list" || m.method === "logging/setLevel")).toBe(false)
      const invalid = yield* Effect.flip(client.listTools)
      expect(invalid).toMatchObject({ _tag: "ProtocolError", reason: "InvalidResponse", method: "tools/list" })
    }).pipe(Effect.provide(McpClient.layer(server.connector, { protocolVersion: "2025-03-26" })))
  })

  it.scopedLive("tells the server when its roots change", () => {
    const server = scripted(legacyServer)
    return Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const roots = yield* Roots.Roots
      yield* client.ping
      yield* roots.set([{ uri: "file:///elsewhere" }])
      // The notification goes out before the next request (one transport, in order).
      yield* client.ping
      expect(server.received.filter((m) => m.method === "notifications/roots/list_changed")).toHaveLength(1)
      expect(server.received.find((m) => m.method === "initialize")!.params.capabilities).toEqual({ roots: { listChanged: true } })
    }).pipe(Effect.provide(Layer.provideMerge(McpClient.layer(server.connector, { protocolVersion: "2025-11-25" }), Roots.layer([{ uri: "file:///here" }]))))
  })

  it.scopedLive("answers the elicitation modes its Elicitor handles and refuses the others", () => {
    const form = { type: "object", properties: { name: { type: "string", default: "Ada" } } }
    const server = scripted((message) =>
      message.method === "initialize" ? { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "asker", version: "1" } } : {}, [
      { jsonrpc: "2.0", id: "form", method: "elicitation/create", params: { message: "Name?", requestedSchema: form } },
      { jsonrpc: "2.0", id: "url", method: "elicitation/create", params: { mode: "url", message: "Sign in", url: "https://example.com", elicitationId: "e" } }
    ])
    const answers = () => server.received.filter((m) => m.id === "form" || m.id === "url")
    return Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      yield* client.ping.pipe(Effect.repeat({ until: () => answers().length === 2 }))
      expect(server.received.find((m) => m.method === "initialize")!.params.capabilities).toEqual({ elicitation: { form: {} } })
      expect(answers().find((m) => m.id === "form")!.result).toEqual({ action: "accept", content: { name: "Ada" } })
      expect(answers().find((m) => m.id === "url")!.error.code).toBe(-32601)
    }).pipe(Effect.provide(Layer.provideMerge(McpClient.layer(server.connector, { protocolVersion: "2025-11-25" }), Elicitor.layerAcceptDefaults())))
  })

  it.scopedLive("hands URL elicitations to an Elicitor that declares the url mode", () => {
    const server = scripted((message) =>
      message.method === "initialize" ? { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "asker", version: "1" } } : {}, [
      { jsonrpc: "2.0", id: "url", method: "elicitation/create", params: { mode: "url", message: "Sign in", url: "https://example.com/login", elicitationId: "e-1" } }
    ])
    const seen: Array<string> = []
    const elicitor = Elicitor.layer((params) => {
      seen.push(params.mode === "url" ? params.url : "form")
      return Effect.succeed({ action: "accept" as const })
    }, ["form", "url"])
    return Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      yield* client.ping.pipe(Effect.repeat({ until: () => server.received.some((m) => m.id === "url") }))
      expect(server.received.find((m) => m.method === "initialize")!.params.capabilities).toEqual({ elicitation: { form: {}, url: {} } })
      expect(server.received.find((m) => m.id === "url")!.result).toEqual({ action: "accept" })
      expect(seen).toEqual(["https://example.com/login"])
    }).pipe(Effect.provide(Layer.provideMerge(McpClient.layer(server.connector, { protocolVersion: "2025-11-25" }), elicitor)))
  })
})
