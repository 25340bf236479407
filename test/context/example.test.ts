/** The example of docs/contexts.md, as written there. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { ContextManager, MemoryStore } from "../../src/index.js"

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

describe("docs/contexts.md", () => {
  it.effect("the example gives what the document says", () =>
    Effect.gen(function*() {
      const result = yield* Effect.provide(program, contextsLayer)
      expect(result.version).toBe(4)
      expect(result.value).toEqual({ items: ["apple", "pear"], total: 3 })
      expect(result.etag).toMatch(/^"4-[0-9a-f]{16}"$/)
      expect(result.patch).toEqual([{ op: "replace", path: "/items", value: ["apple", "pear"] }, { op: "replace", path: "/total", value: 3 }])
    }))
})
