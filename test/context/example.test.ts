/** The examples of docs/contexts.md, as written there. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import { ContextManager, McpContexts, McpServer, MemoryStore, Tool, ToolContext } from "../../src/index.js"
import { peerOf } from "../harness.js"
import { ask } from "../server/support.js"

const { Change } = ContextManager

const program = Effect.gen(function*() {
  const contexts = yield* ContextManager.ContextManager
  const cart = yield* contexts.create({
    value: { items: [], total: 0 },
    schema: Schema.Struct({ items: Schema.Array(Schema.String), total: Schema.NonNegative }),
    labels: { kind: "cart" },
    owner: "ana"
  })
  // Three ways to change a value: RFC 6902 JSON Patch, RFC 7396 merge patch, a whole value (or a function).
  yield* contexts.update(cart.id, Change.patch([{ op: "add", path: "/items/-", value: "apple" }]), { expectedVersion: 1 })
  yield* contexts.update(cart.id, Change.merge({ total: 3 }), { expectedVersion: 2 })
  // A writer that read version 2 and changed another field: merged three ways from version 2.
  const merged = yield* contexts.update(cart.id, Change.merge({ items: ["apple", "pear"] }), { expectedVersion: 2, strategy: "merge" })
  const patch = yield* contexts.diff(cart.id, 1, merged.version)
  return { version: merged.version, value: merged.value, etag: ContextManager.etag(merged), patch }
})

const contextsLayer = ContextManager.layer().pipe(Layer.provide(MemoryStore.layer()))

type Cart = { readonly items: ReadonlyArray<string> }

const MoveItem = Tool.make("move_item", {
  description: "Move an item from one cart to another",
  input: Schema.Struct({ from: Schema.String, to: Schema.String, item: Schema.String }),
  output: Schema.Struct({ versions: Schema.Array(Schema.Number) })
}, ({ from, item, to }) =>
  Effect.gen(function*() {
    const contexts = yield* (yield* ToolContext.ToolContext).contexts
    const records = yield* contexts.transaction([
      { _tag: "Update", id: from, change: ContextManager.Change.fn((cart) => ({ items: (cart as Cart).items.filter((i) => i !== item) })) },
      { _tag: "Update", id: to, change: ContextManager.Change.fn((cart) => ({ items: [...(cart as Cart).items, item] })) }
    ])
    return { versions: records.flatMap(Option.toArray).map((record) => record.version) }
  }))

const server = McpServer.layer({ name: "shop", version: "1.0.0" }, {
  tools: [...McpContexts.tools, MoveItem],
  resourceTemplates: [McpContexts.template]
})
const app = McpContexts.notifications.pipe(
  Layer.provideMerge(server),
  Layer.provide(ContextManager.layer().pipe(Layer.provide(MemoryStore.layer())))
)

describe("docs/contexts.md", () => {
  it.effect("the example gives what the document says", () =>
    Effect.gen(function*() {
      const result = yield* Effect.provide(program, contextsLayer)
      expect(result.version).toBe(4)
      expect(result.value).toEqual({ items: ["apple", "pear"], total: 3 })
      expect(result.etag).toMatch(/^"4-[0-9a-f]{16}"$/)
      expect(result.patch).toEqual([{ op: "replace", path: "/items", value: ["apple", "pear"] }, { op: "replace", path: "/total", value: 3 }])
    }))

  it.scopedLive("the server with a tool of its own moves an item between two carts", () =>
    Effect.gen(function*() {
      const mcp = yield* McpServer.McpServer
      const client = yield* peerOf(mcp.connect)
      yield* client.initialize()
      const call = (id: string, name: string, args: unknown) => Effect.map(ask(client, id, "tools/call", { name, arguments: args }), (answer) => answer.result)
      const a = (yield* call("a", "context_create", { value: { items: ["apple", "pear"] } })).structuredContent.context.id
      const b = (yield* call("b", "context_create", { value: { items: [] } })).structuredContent.context.id
      expect((yield* call("m", "move_item", { from: a, to: b, item: "pear" })).structuredContent).toEqual({ versions: [2, 2] })
      expect((yield* call("g", "context_get", { id: b })).structuredContent.context.value).toEqual({ items: ["pear"] })
      expect((yield* call("g2", "context_get", { id: a })).structuredContent.context.value).toEqual({ items: ["apple"] })
    }).pipe(Effect.provide(app)))
})
