import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as McpServer from "../../src/server/McpServer.js"
import * as Tool from "../../src/server/Tool.js"
import { peerOf } from "../harness.js"

class Counter extends Context.Tag("test/Counter")<Counter, { readonly next: Effect.Effect<number> }>() {}

const Echo = Tool.make("echo", {
  description: "Echo",
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ text: Schema.String }),
  render: ({ text }) => text
}, (input) => Effect.succeed(input))

const Count = Tool.make("count", {
  input: Schema.Struct({}),
  output: Schema.Struct({ n: Schema.Int })
}, () => Effect.map(Counter, (c) => c.next).pipe(Effect.flatten, Effect.map((n) => ({ n }))))

class Refused extends Schema.TaggedError<Refused>()("Refused", { reason: Schema.String }) {}

const Picky = Tool.make("picky", {
  input: Schema.Struct({ ok: Schema.Boolean }),
  output: Schema.Struct({ fine: Schema.Boolean }),
  failure: Refused
}, ({ ok }) => ok ? Effect.succeed({ fine: true }) : Effect.fail(new Refused({ reason: "not ok" })))

const Liar = Tool.make("liar", {
  input: Schema.Struct({}),
  output: Schema.Struct({ n: Schema.Int })
}, () => Effect.succeed({ n: "not a number" } as unknown as { n: number }))

const Crash = Tool.make("crash", { input: Schema.Struct({}) }, () => Effect.die(new Error("boom")))

const Plain = Tool.make("plain", { input: Schema.Struct({ n: Schema.Int }) }, ({ n }) =>
  Effect.succeed(n === 0 ? "zero" : [{ type: "text" as const, text: "a" }, { type: "text" as const, text: "b" }]))

const CounterLive = Layer.sync(Counter, () => {
  let n = 0
  return { next: Effect.sync(() => ++n) }
})

const connect = (options: McpServer.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* McpServer.McpServer
    const peer = yield* peerOf(server.connect)
    return { server, peer }
  }).pipe(Effect.provide(McpServer.layer({ name: "test", version: "1.0.0", instructions: "be nice" }, {
    tools: [Echo, Count, Picky, Liar, Crash, Plain],
    ...options
  }).pipe(Layer.provide(CounterLive))))

const call = (id: number, name: string, args: unknown) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } })

describe("McpServer", () => {
  it.scopedLive("negotiates the version, answers with its info and refuses a second initialize", () =>
    Effect.gen(function*() {
      const { peer } = yield* connect()
      const init = yield* peer.initialize("1999-01-01")
      expect(init.result).toEqual({
        protocolVersion: "2025-11-25",
        capabilities: {
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: true },
          logging: {},
          completions: {}
        },
        serverInfo: { name: "test", version: "1.0.0" },
        instructions: "be nice"
      })
      expect(peer.connection.session.protocolVersion).toBe("2025-11-25")
      const again = yield* peer.initialize("2025-06-18")
      expect(again.error.code).toBe(-32600)
      // The `completions` capability appeared in 2025-03-26.
      const old = yield* connect()
      const oldInit = yield* old.peer.initialize("2024-11-05")
      expect(oldInit.result.protocolVersion).toBe("2024-11-05")
      expect(oldInit.result.capabilities.completions).toBeUndefined()
      expect(oldInit.result.capabilities.logging).toEqual({})
    }))

  it.scopedLive("lists tools with JSON Schema 2020-12 objects, and calls them", () =>
    Effect.gen(function*() {
      const { peer } = yield* connect()
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: 1, method: "tools/list" })
      const list = (yield* peer.next()).result
      expect(list.tools.map((t: any) => t.name)).toEqual(["echo", "count", "picky", "liar", "crash", "plain"])
      const echo = list.tools[0]
      expect(echo.inputSchema).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", required: ["text"] })
      expect(echo.outputSchema.type).toBe("object")
      expect(list.tools[5].outputSchema).toBeUndefined()

      peer.send(call(2, "echo", { text: "héllo" }))
      expect((yield* peer.next()).result).toEqual({ content: [{ type: "text", text: "héllo" }], structuredContent: { text: "héllo" } })
      peer.send(call(3, "count", {}))
      peer.send(call(4, "count", {}))
      const counts = [(yield* peer.next()).result.structuredContent.n, (yield* peer.next()).result.structuredContent.n].sort()
      expect(counts).toEqual([1, 2])
      peer.send(call(5, "plain", { n: 0 }))
      expect((yield* peer.next()).result).toEqual({ content: [{ type: "text", text: "zero" }] })
      peer.send(call(6, "plain", { n: 1 }))
      expect((yield* peer.next()).result.content).toHaveLength(2)
    }))

  it.scopedLive("maps typed failures, invalid output and defects to error results, and keeps serving", () =>
    Effect.gen(function*() {
      const { peer } = yield* connect()
      yield* peer.initialize()
      peer.send(call(1, "picky", { ok: false }))
      const refused = (yield* peer.next()).result
      expect(refused.isError).toBe(true)
      expect(refused.content[0].text).toContain("Refused")
      expect(refused.content[0].text).toContain("not ok")
      // The tool has an output schema: the failure's data must not pose as structuredContent.
      expect(refused.structuredContent).toBeUndefined()
      expect(refused._meta[Tool.ErrorDetailsKey]).toEqual({ _tag: "Refused", reason: "not ok" })
      peer.send(call(2, "liar", {}))
      const liar = (yield* peer.next()).result
      expect(liar).toEqual({ content: [{ type: "text", text: "Tool liar failed unexpectedly" }], isError: true })
      peer.send(call(3, "crash", {}))
      expect((yield* peer.next()).result.isError).toBe(true)
      peer.send(call(4, "nope", {}))
      expect((yield* peer.next()).error.code).toBe(-32602)
      peer.send(call(5, "echo", { text: "alive" }))
      expect((yield* peer.next()).result.structuredContent).toEqual({ text: "alive" })
    }))

  it.scopedLive("input errors are -32602 before 2025-11-25 and error results from it on", () =>
    Effect.gen(function*() {
      const old = yield* connect()
      yield* old.peer.initialize("2025-06-18")
      old.peer.send(call(1, "echo", { text: 1 }))
      const rejected = yield* old.peer.next()
      expect(rejected.error.code).toBe(-32602)
      expect(rejected.error.data.issues).toEqual([{ path: "text", message: "Expected string, actual 1" }])
      const current = yield* connect()
      yield* current.peer.initialize("2025-11-25")
      current.peer.send(call(1, "echo", { text: 1 }))
      const result = (yield* current.peer.next()).result
      expect(result.isError).toBe(true)
      expect(result.content[0].text).toContain("text: Expected string")
    }))

  it.scopedLive("tells initialized clients when tools change", () =>
    Effect.gen(function*() {
      const { peer, server } = yield* connect()
      yield* peer.initialize()
      const Extra = Tool.make("extra", { input: Schema.Struct({}) }, () => Effect.succeed("extra"))
      yield* server.addTool(Extra)
      expect((yield* peer.next()).method).toBe("notifications/tools/list_changed")
      peer.send({ jsonrpc: "2.0", id: 1, method: "tools/list" })
      expect((yield* peer.next()).result.tools.map((t: any) => t.name)).toContain("extra")
      expect(yield* server.removeTool("extra")).toBe(true)
      expect((yield* peer.next()).method).toBe("notifications/tools/list_changed")
      expect(yield* server.removeTool("extra")).toBe(false)
      peer.send({ jsonrpc: "2.0", id: 2, method: "tools/list" })
      expect((yield* peer.next()).result.tools.map((t: any) => t.name)).not.toContain("extra")
    }))

  it.scopedLive("pages tools/list with opaque cursors", () =>
    Effect.gen(function*() {
      const { peer } = yield* connect({ pageSize: 4 })
      yield* peer.initialize()
      const names: Array<string> = []
      let cursor: string | undefined
      let pages = 0
      do {
        peer.send({ jsonrpc: "2.0", id: pages, method: "tools/list", params: cursor === undefined ? {} : { cursor } })
        const page = (yield* peer.next()).result
        names.push(...page.tools.map((t: any) => t.name))
        cursor = page.nextCursor
        pages++
      } while (cursor !== undefined && pages < 10)
      expect(pages).toBe(2)
      expect(names).toEqual(["echo", "count", "picky", "liar", "crash", "plain"])
      peer.send({ jsonrpc: "2.0", id: 99, method: "tools/list", params: { cursor: "garbage" } })
      expect((yield* peer.next()).error.code).toBe(-32602)
    }))
})

describe("Tool.make", () => {
  it("rejects names outside the specification's rules and inputs that are not objects", () => {
    expect(() => Tool.make("has space", { input: Schema.Struct({}) }, () => Effect.succeed(""))).toThrow(Tool.ToolDefinitionError)
    expect(() => Tool.make("x".repeat(129), { input: Schema.Struct({}) }, () => Effect.succeed(""))).toThrow(Tool.ToolDefinitionError)
    expect(() => Tool.make("ok.name-1_2", { input: Schema.Struct({}) }, () => Effect.succeed(""))).not.toThrow()
    expect(() => Tool.make("num", { input: Schema.Number as any }, () => Effect.succeed(""))).toThrow(/must describe a JSON object/)
  })

  it("emits an object schema even for a schema with an identifier, with definitions for recursion", () => {
    interface Tree {
      readonly children: ReadonlyArray<Tree>
    }
    const Tree = Schema.Struct({
      children: Schema.Array(Schema.suspend((): Schema.Schema<Tree> => Tree))
    }).annotations({ identifier: "Tree" })
    const tool = Tool.make("geo", { input: Schema.Struct({ tree: Tree }).annotations({ identifier: "Input" }) }, () => Effect.succeed(""))
    const schema = tool.wire().inputSchema as any
    expect(schema.type).toBe("object")
    expect(schema.$defs.Tree.properties.children.items.$ref).toBe("#/$defs/Tree")
  })
})
