import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ContextNotFound, LeaseError, VersionConflict } from "../../src/context/ContextError.js"
import * as ContextManager from "../../src/context/ContextManager.js"
import { ContextStore } from "../../src/context/ContextStore.js"
import * as MemoryStore from "../../src/context/MemoryStore.js"
import { flakyStore, memory } from "./support.js"

const { Change } = ContextManager
const Manager = ContextManager.ContextManager

describe("ContextManager", () => {
  it.effect("creates, reads, updates in every form, deletes", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const created = yield* contexts.create({ value: { a: 1, list: [1] }, labels: { team: "x" }, owner: "ana" })
      expect(created.id).toMatch(/^ctx_[A-Za-z0-9_-]{24}$/)
      expect(created.version).toBe(1)
      expect(ContextManager.etag(created)).toBe(`"1-${created.hash.slice(0, 16)}"`)
      const patched = yield* contexts.update(created.id, Change.patch([{ op: "add", path: "/list/-", value: 2 }]))
      expect(patched.value).toEqual({ a: 1, list: [1, 2] })
      const merged = yield* contexts.update(created.id, Change.merge({ a: null, b: { c: true } }))
      expect(merged.value).toEqual({ list: [1, 2], b: { c: true } })
      const replaced = yield* contexts.update(created.id, Change.value("whole"))
      const computed = yield* contexts.update(created.id, Change.fn((v) => `${String(v)}!`), { actor: "bob" })
      expect([replaced.version, computed.version, computed.value]).toEqual([4, 5, "whole!"])
      expect((yield* contexts.get(created.id)).value).toBe("whole!")
      const history = yield* contexts.history(created.id)
      expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4, 5])
      expect(history[4]!.actor).toBe("bob")
      expect(history[1]!.patch).toEqual([{ op: "replace", path: "/list", value: [1, 2] }])
      yield* contexts.checkConsistency(created.id)
      yield* contexts.delete(created.id)
      expect(yield* Effect.flip(contexts.get(created.id))).toEqual(new ContextNotFound({ id: created.id }))
      expect((yield* ContextStore.pipe(Effect.flatMap((s) => s.get(created.id))))._tag).toBe("None")
    }).pipe(Effect.provide(memory())))

  it.effect("owns committed values: neither the writer nor a reader can change them in place", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const mine = { list: [1] }
      const { id } = yield* contexts.create({ value: mine })
      mine.list.push(2)
      const read = yield* contexts.get(id)
      expect(read.value).toEqual({ list: [1] })
      expect(() => (read.value as { list: Array<number> }).list.push(3)).toThrow(TypeError)
      const mutating = yield* Effect.flip(contexts.update(id, Change.fn((v) => {
        ;(v as { list: Array<number> }).list.push(4)
        return v
      })))
      expect(mutating._tag).toBe("ContextValidationError")
      expect((yield* contexts.get(id)).value).toEqual({ list: [1] })
      // A "__proto__" key (JSON.parse makes it an own property) stays a key.
      const odd = yield* contexts.create({ value: JSON.parse('{"__proto__":{"polluted":true},"a":1}') })
      const value = (yield* contexts.get(odd.id)).value as Record<string, unknown>
      expect(Object.keys(value)).toEqual(["__proto__", "a"])
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      const merged = yield* contexts.update(odd.id, Change.merge(JSON.parse('{"__proto__":{"more":1}}')))
      expect(Object.getOwnPropertyDescriptor(merged.value, "__proto__")?.value).toEqual({ polluted: true, more: 1 })
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    }).pipe(Effect.provide(memory())))

  it.effect("rejects a stale expectedVersion, or applies it last-writer-wins", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const { id } = yield* contexts.create({ value: { n: 0 } })
      yield* contexts.update(id, Change.value({ n: 1 }), { expectedVersion: 1 })
      const conflict = yield* Effect.flip(contexts.update(id, Change.value({ n: 2 }), { expectedVersion: 1 }))
      expect(conflict).toEqual(new VersionConflict({ id, expected: 1, actual: 2 }))
      const forced = yield* contexts.update(id, Change.value({ n: 3 }), { expectedVersion: 1, strategy: "last-writer-wins" })
      expect([forced.version, forced.value]).toEqual([3, { n: 3 }])
    }).pipe(Effect.provide(memory())))

  it.effect("merges non-overlapping changes three ways and reports overlapping paths", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const { id } = yield* contexts.create({ value: { a: 1, b: 1, c: { d: 1 } } })
      yield* contexts.update(id, Change.merge({ a: 2 }))
      const merged = yield* contexts.update(id, Change.merge({ b: 2 }), { expectedVersion: 1, strategy: "merge" })
      expect(merged.value).toEqual({ a: 2, b: 2, c: { d: 1 } })
      const clash = yield* Effect.flip(contexts.update(id, Change.merge({ a: 5, c: { e: 1 } }), { expectedVersion: 1, strategy: "merge" }))
      expect(clash._tag).toBe("SyncError")
      expect(clash._tag === "SyncError" && clash.paths).toEqual(["/a"])
    }).pipe(Effect.provide(memory())))

  it.effect("keeps every committed value valid against an Effect Schema or a JSON Schema", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const typed = yield* contexts.create({ value: { n: 1 }, schema: Schema.Struct({ n: Schema.Int }) })
      const refused = yield* Effect.flip(contexts.update(typed.id, Change.value({ n: 1.5 })))
      expect(refused._tag).toBe("ContextValidationError")
      const json = yield* contexts.create({ value: [1], schema: { type: "array", items: { type: "integer" }, maxItems: 2 } })
      yield* contexts.update(json.id, Change.patch([{ op: "add", path: "/-", value: 2 }]))
      const tooMany = yield* Effect.flip(contexts.update(json.id, Change.patch([{ op: "add", path: "/-", value: 3 }])))
      expect(tooMany._tag === "ContextValidationError" && tooMany.issues.join()).toMatch(/must NOT have more than 2 items/)
      expect((yield* contexts.get(json.id)).value).toEqual([1, 2])
      expect((yield* Effect.flip(contexts.create({ value: "x", schema: { type: "integer" } })))._tag).toBe("ContextValidationError")
      expect((yield* Effect.flip(contexts.create({ value: 1, schema: { type: "no-such-type" } })))._tag).toBe("ContextValidationError")
      const badPatch = yield* Effect.flip(contexts.update(json.id, Change.patch([{ op: "remove", path: "/9" }])))
      expect(badPatch._tag).toBe("ContextValidationError")
      yield* contexts.validateContext(json.id)
    }).pipe(Effect.provide(memory())))

  it.effect("changes memory only for writes the store committed", () => {
    const failing = { on: false }
    return Effect.gen(function*() {
      const contexts = yield* Manager
      const { id } = yield* contexts.create({ value: 1 })
      failing.on = true
      const error = yield* Effect.flip(contexts.update(id, Change.value(2)))
      expect(error._tag).toBe("PersistenceError")
      expect((yield* contexts.get(id)).version).toBe(1)
      failing.on = false
      expect((yield* contexts.update(id, Change.value(3), { expectedVersion: 1 })).version).toBe(2)
    }).pipe(Effect.provide(ContextManager.layer().pipe(Layer.provide(flakyStore(failing)))))
  })

  it.effect("commits a transaction over several contexts all or nothing", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const a = yield* contexts.create({ value: { balance: 10 } })
      const b = yield* contexts.create({ value: { balance: 0 } })
      const moved = yield* contexts.transaction([
        { _tag: "Update", id: a.id, change: Change.merge({ balance: 5 }), expectedVersion: 1 },
        { _tag: "Update", id: b.id, change: Change.merge({ balance: 5 }), expectedVersion: 1 }
      ])
      expect(moved.map((o) => o._tag === "Some" && o.value.version)).toEqual([2, 2])
      const failed = yield* Effect.flip(contexts.transaction([
        { _tag: "Update", id: a.id, change: Change.merge({ balance: 0 }), expectedVersion: 2 },
        { _tag: "Update", id: b.id, change: Change.merge({ balance: 10 }), expectedVersion: 1 }
      ]))
      expect(failed).toEqual(new VersionConflict({ id: b.id, expected: 1, actual: 2 }))
      expect((yield* contexts.get(a.id)).value).toEqual({ balance: 5 })
      expect((yield* Effect.flip(contexts.transaction([
        { _tag: "Delete", id: a.id },
        { _tag: "Update", id: a.id, change: Change.value(1) }
      ])))._tag).toBe("ContextValidationError")
    }).pipe(Effect.provide(memory())))

  it.effect("leases exclude other writers until released or expired (TestClock)", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const { id } = yield* contexts.create({ value: 0 })
      const lease = yield* contexts.acquireLease([id], { ttlMs: 1000, holder: "w1" })
      expect(yield* Effect.flip(contexts.update(id, Change.value(1)))).toEqual(new LeaseError({ id, reason: "Held" }))
      expect(yield* Effect.flip(contexts.acquireLease([id], { ttlMs: 10 }))).toEqual(new LeaseError({ id, reason: "Held" }))
      expect((yield* contexts.update(id, Change.value(1), { lease: lease.token })).version).toBe(2)
      yield* TestClock.adjust(1001)
      expect(yield* Effect.flip(contexts.update(id, Change.value(2), { lease: lease.token }))).toEqual(new LeaseError({ id, reason: "Expired" }))
      expect(yield* Effect.flip(contexts.renewLease(lease, 1000))).toEqual(new LeaseError({ id, reason: "Expired" }))
      const second = yield* contexts.acquireLease([id], { ttlMs: 1000 })
      yield* contexts.releaseLease(second)
      expect((yield* contexts.update(id, Change.value(3))).version).toBe(3)
    }).pipe(Effect.provide(memory())))

  it.scoped("streams committed changes per context and for all", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const all = yield* contexts.watch()
      const { id } = yield* contexts.create({ value: { a: 1 } })
      const one = yield* contexts.watch(id)
      const collectOne = yield* Effect.fork(Stream.runCollect(Stream.take(one, 2)))
      const collectAll = yield* Effect.fork(Stream.runCollect(Stream.take(all, 4)))
      yield* contexts.update(id, Change.merge({ a: 2 }), { actor: "ana" })
      const other = yield* contexts.create({ value: null })
      yield* contexts.delete(id)
      const mine = Chunk.toArray(yield* Fiber.join(collectOne))
      expect(mine.map((c) => [c.kind, c.version, c.actor])).toEqual([["updated", 2, "ana"], ["deleted", 2, undefined]])
      expect(mine[0]!.patch).toEqual([{ op: "replace", path: "/a", value: 2 }])
      const every = Chunk.toArray(yield* Fiber.join(collectAll))
      expect(every.map((c) => [c.id, c.kind])).toEqual([[id, "created"], [id, "updated"], [other.id, "created"], [id, "deleted"]])
    }).pipe(Effect.provide(memory())))

  it.effect("lists by labels and parent, in pages", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const root = yield* contexts.create({ value: {} })
      for (let i = 0; i < 5; i++) yield* contexts.create({ value: i, parent: root.id, labels: { kind: i % 2 === 0 ? "even" : "odd" } })
      expect((yield* Effect.flip(contexts.create({ value: 1, parent: "ctx_nope" })))._tag).toBe("ContextNotFound")
      const first = yield* contexts.list({ parent: root.id, limit: 2 })
      const second = yield* contexts.list({ parent: root.id, limit: 2, cursor: first.nextCursor })
      const third = yield* contexts.list({ parent: root.id, limit: 2, cursor: second.nextCursor })
      expect([first.contexts.length, second.contexts.length, third.contexts.length, third.nextCursor]).toEqual([2, 2, 1, undefined])
      const ids = [...first.contexts, ...second.contexts, ...third.contexts].map((c) => c.id)
      expect(ids).toEqual([...ids].sort())
      expect((yield* contexts.list({ labels: { kind: "even" } })).contexts.length).toBe(3)
    }).pipe(Effect.provide(memory())))

  it.effect("diffs and restores versions", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const { id } = yield* contexts.create({ value: { a: 1 } })
      yield* contexts.update(id, Change.value({ a: 2, b: 1 }))
      expect(yield* contexts.diff(id, 1, 2)).toEqual([{ op: "replace", path: "/a", value: 2 }, { op: "add", path: "/b", value: 1 }])
      const restored = yield* contexts.restore(id, 1)
      expect([restored.version, restored.value]).toEqual([3, { a: 1 }])
      expect((yield* Effect.flip(contexts.diff(id, 1, 9)))._tag).toBe("VersionNotFound")
    }).pipe(Effect.provide(memory())))

  it.effect("recovers from the store, evicts cold values under a budget and reloads them", () =>
    Effect.gen(function*() {
      const inner = yield* MemoryStore.make()
      let loads = 0
      const store = { ...inner, get: (id: string) => Effect.zipLeft(inner.get(id), Effect.sync(() => loads++)) }
      const withStore = <A, E>(effect: Effect.Effect<A, E, ContextManager.ContextManager>, options: ContextManager.Options = {}) =>
        Effect.provide(effect, ContextManager.layer(options).pipe(Layer.provide(Layer.succeed(ContextStore, store))))
      const ids = yield* withStore(Effect.flatMap(Manager, (contexts) =>
        Effect.forEach([1, 2, 3], (n) => contexts.create({ value: { n, pad: "x".repeat(1000) } }).pipe(
          Effect.tap((c) => contexts.update(c.id, Change.merge({ n: n * 10 }))),
          Effect.map((c) => c.id)
        ))))
      const values = yield* withStore(Effect.flatMap(Manager, (contexts) =>
        Effect.gen(function*() {
          expect((yield* contexts.list()).contexts.length).toBe(3)
          const read = yield* Effect.forEach([...ids, ...ids], (id) => Effect.map(contexts.get(id), (c) => (c.value as { n: number }).n))
          for (const id of ids) yield* contexts.checkConsistency(id)
          return read
        })), { memoryBudgetBytes: 3000 })
      expect(values).toEqual([10, 20, 30, 10, 20, 30])
      // Each value is bigger than the budget: every use (6 reads, 3 checks) loaded it again from the store.
      expect(loads).toBe(9)
      loads = 0
      yield* withStore(Effect.flatMap(Manager, (contexts) => Effect.forEach([...ids, ...ids], (id) => contexts.get(id))))
      expect(loads).toBe(3)
    }))

  it.effect("syncContext reports and repairs memory that diverged from the store", () =>
    Effect.gen(function*() {
      const contexts = yield* Manager
      const store = yield* ContextStore
      const { id } = yield* contexts.create({ value: { a: 1 } })
      yield* contexts.syncContext(id)
      const other = yield* contexts.exportJson([id])
      const head = other.contexts[0]!.record
      // Another instance sharing the store wrote version 2.
      yield* store.commit([{ _tag: "Put", record: { ...head, version: 2, value: { a: 2 }, hash: "h2" }, entry: { ...other.contexts[0]!.history[0]!, version: 2, value: { a: 2 }, hash: "h2", previousHash: head.hash }, keepHistory: 10 }])
      const error = yield* Effect.flip(contexts.syncContext(id))
      expect(error._tag === "SyncError" && [error.paths, error.reason]).toEqual([["/a"], "memory had version 1, the store has version 2"])
      expect((yield* contexts.get(id)).value).toEqual({ a: 2 })
      expect((yield* Effect.flip(contexts.checkConsistency(id)))._tag).toBe("SyncError")
    }).pipe(Effect.provide(memory())))

  it.effect("exports and imports contexts as JSON, verifying their histories", () =>
    Effect.gen(function*() {
      const source = yield* Effect.provide(Effect.gen(function*() {
        const contexts = yield* Manager
        const { id } = yield* contexts.create({ value: { a: 1 }, labels: { k: "v" } })
        yield* contexts.update(id, Change.merge({ b: 2 }))
        return JSON.parse(JSON.stringify(yield* contexts.exportJson())) as unknown
      }), memory())
      yield* Effect.provide(Effect.gen(function*() {
        const contexts = yield* Manager
        expect(yield* contexts.importJson(source)).toBe(1)
        const [summary] = (yield* contexts.list()).contexts
        expect((yield* contexts.get(summary!.id)).value).toEqual({ a: 1, b: 2 })
        yield* contexts.checkConsistency(summary!.id)
        expect((yield* Effect.flip(contexts.importJson(source)))._tag).toBe("ContextValidationError")
        const tampered = JSON.parse(JSON.stringify(source).replace('"b":2', '"b":3')) as unknown
        expect((yield* Effect.flip(contexts.importJson(tampered)))._tag).toBe("SyncError")
        expect((yield* Effect.flip(contexts.importJson({ contexts: "no" })))._tag).toBe("ContextValidationError")
      }), memory())
    }))
})
