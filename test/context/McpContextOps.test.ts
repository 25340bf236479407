/**
 * The context tools beyond single writes, over the in-memory transport: restore, transactions
 * (committed, and refused as a whole), leases between two sessions (with `TestClock` for the
 * TTL), export → import, and verification (a valid context, and stored contexts whose schema or
 * hash chain does not hold).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as ContextManager from "../../src/context/ContextManager.js"
import { ContextStore, type ContextRecord, type HistoryEntry } from "../../src/context/ContextStore.js"
import * as Json from "../../src/context/Json.js"
import * as McpContextOps from "../../src/context/McpContextOps.js"
import * as McpContexts from "../../src/context/McpContexts.js"
import * as MemoryStore from "../../src/context/MemoryStore.js"
import { peerOf, type RawPeer } from "../harness.js"
import { ask2026 } from "../server/support-stateless.js"
import { ask, serverWith } from "../server/support.js"
import { memory } from "./support.js"

const setup = Effect.map(serverWith({ tools: McpContexts.tools }), ({ peer }) => peer)

const call = (peer: RawPeer, id: string, name: string, args: unknown) =>
  Effect.map(ask(peer, id, "tools/call", { name, arguments: args }), (answer) => answer.result)

const errorOf = (result: any) => {
  expect(result.isError).toBe(true)
  return result._meta["machine-context/error"]
}

const create = (peer: RawPeer, value: unknown, labels?: Record<string, string>, parent?: string) =>
  Effect.map(call(peer, `create-${JSON.stringify(value)}`, "context_create", { value, labels, parent }), (result) => result.structuredContent.context)

const get = (peer: RawPeer, id: string) => Effect.map(call(peer, `get-${id}`, "context_get", { id }), (result) => result.structuredContent.context)

describe("context tools over MCP: restore, transactions, leases, export/import, verify", () => {
  it.scopedLive("lists the new tools, each with an output schema", () =>
    Effect.gen(function*() {
      const client = yield* (yield* setup)()
      const { tools } = (yield* ask(client, 1, "tools/list")).result
      const names = tools.map((t: any) => t.name)
      for (const name of ["context_restore", "context_transaction", "context_lease_acquire", "context_lease_renew", "context_lease_release", "context_export", "context_import", "context_verify"]) {
        expect(names).toContain(name)
      }
      for (const tool of tools) expect(tool.outputSchema.type).toBe("object")
    }).pipe(Effect.provide(memory())))

  it.scopedLive("restores an earlier version as a new one, with typed failures", () =>
    Effect.gen(function*() {
      const client = yield* (yield* setup)()
      const { id } = yield* create(client, { step: 1 })
      yield* call(client, "u", "context_update", { id, merge: { step: 2 } })
      const restored = (yield* call(client, "r", "context_restore", { id, version: 1, expectedVersion: 2 })).structuredContent.context
      expect([restored.version, restored.value]).toEqual([3, { step: 1 }])
      expect(errorOf(yield* call(client, "r2", "context_restore", { id, version: 9 }))).toEqual({ _tag: "VersionNotFound", id, version: 9 })
      expect(errorOf(yield* call(client, "r3", "context_restore", { id, version: 2, expectedVersion: 2 }))).toEqual({ _tag: "VersionConflict", id, expected: 2, actual: 3 })
      const history = (yield* call(client, "h", "context_history", { id })).structuredContent.entries
      expect(history.map((e: any) => e.value)).toEqual([{ step: 1 }, { step: 2 }, { step: 1 }])
    }).pipe(Effect.provide(memory())))

  it.scopedLive("commits a transaction across contexts, or nothing of it", () =>
    Effect.gen(function*() {
      const client = yield* (yield* setup)()
      const a = yield* create(client, { n: 1 })
      const b = yield* create(client, [1])
      const c = yield* create(client, "gone")
      const committed = (yield* call(client, "t", "context_transaction", {
        writes: [
          { op: "update", id: a.id, merge: { n: 2 }, expectedVersion: 1 },
          { op: "update", id: b.id, patch: [{ op: "add", path: "/-", value: 2 }] },
          { op: "delete", id: c.id }
        ]
      })).structuredContent.results
      expect(committed.map((r: any) => [r.id, r.deleted, r.context?.version, r.context?.value])).toEqual([
        [a.id, false, 2, { n: 2 }],
        [b.id, false, 2, [1, 2]],
        [c.id, true, undefined, undefined]
      ])
      expect(errorOf(yield* call(client, "g", "context_get", { id: c.id }))._tag).toBe("ContextNotFound")

      // The second write is stale: the first one, valid on its own, is not committed either.
      const stale = yield* call(client, "t2", "context_transaction", {
        writes: [{ op: "update", id: a.id, value: { n: 100 } }, { op: "update", id: b.id, value: [], expectedVersion: 1 }]
      })
      expect(errorOf(stale)).toEqual({ _tag: "VersionConflict", id: b.id, expected: 1, actual: 2 })
      const twice = yield* call(client, "t3", "context_transaction", { writes: [{ op: "delete", id: a.id }, { op: "update", id: a.id, value: 0 }] })
      expect(errorOf(twice)._tag).toBe("ContextValidationError")
      const ambiguous = yield* call(client, "t4", "context_transaction", { writes: [{ op: "update", id: a.id, value: 1, merge: {} }] })
      expect(errorOf(ambiguous).issues).toEqual(["give exactly one of patch, merge or value"])
      expect([(yield* get(client, a.id)).version, (yield* get(client, a.id)).value, (yield* get(client, b.id)).version]).toEqual([2, { n: 2 }, 2])
      // An empty transaction is refused by the input schema.
      expect((yield* call(client, "t5", "context_transaction", { writes: [] })).isError).toBe(true)
    }).pipe(Effect.provide(memory())))

  it.scoped("a lease held by one session refuses the other's writes until released or expired (TestClock)", () =>
    Effect.gen(function*() {
      const peer = yield* setup
      const holder = yield* peer()
      const other = yield* peer()
      const a = yield* create(holder, 0)
      const b = yield* create(holder, 0)
      const { lease } = (yield* call(holder, "l", "context_lease_acquire", { ids: [a.id, b.id], ttlMs: 1000 })).structuredContent
      expect([lease.ids, lease.expiresAt]).toEqual([[a.id, b.id], 1000])
      expect(errorOf(yield* call(other, "w", "context_update", { id: a.id, value: 1 }))).toEqual({ _tag: "LeaseError", id: a.id, reason: "Held" })
      expect(errorOf(yield* call(other, "d", "context_delete", { id: b.id }))).toEqual({ _tag: "LeaseError", id: b.id, reason: "Held" })
      expect(errorOf(yield* call(other, "l2", "context_lease_acquire", { ids: [b.id], ttlMs: 10 }))).toEqual({ _tag: "LeaseError", id: b.id, reason: "Held" })
      expect((yield* call(holder, "w2", "context_update", { id: a.id, value: 1, lease: lease.token })).structuredContent.context.version).toBe(2)
      const both = yield* call(holder, "t", "context_transaction", { lease: lease.token, writes: [{ op: "update", id: a.id, value: 2 }, { op: "update", id: b.id, value: 2 }] })
      expect(both.structuredContent.results.map((r: any) => r.context.version)).toEqual([3, 2])
      expect((yield* call(holder, "r", "context_restore", { id: a.id, version: 1, lease: lease.token })).structuredContent.context.value).toBe(0)

      yield* TestClock.adjust(600)
      const renewed = (yield* call(holder, "n", "context_lease_renew", { token: lease.token, ids: lease.ids, ttlMs: 1000 })).structuredContent.lease
      expect(renewed.expiresAt).toBe(1600)
      yield* TestClock.adjust(600)
      // Past the first expiry, the renewed lease still holds.
      expect(errorOf(yield* call(other, "w3", "context_update", { id: a.id, value: 9 })).reason).toBe("Held")
      yield* TestClock.adjust(1000)
      expect(errorOf(yield* call(holder, "w4", "context_update", { id: a.id, value: 5, lease: lease.token })).reason).toBe("Expired")
      expect(errorOf(yield* call(holder, "n2", "context_lease_renew", { token: lease.token, ids: lease.ids, ttlMs: 1000 })).reason).toBe("Expired")
      expect((yield* call(other, "w5", "context_update", { id: a.id, value: 5 })).structuredContent.context.version).toBe(5)

      const again = (yield* call(other, "l3", "context_lease_acquire", { ids: [b.id], ttlMs: 1000, holder: "batch" })).structuredContent.lease
      expect(errorOf(yield* call(holder, "w6", "context_update", { id: b.id, value: 7 })).reason).toBe("Held")
      expect((yield* call(other, "x", "context_lease_release", { token: again.token, ids: again.ids })).structuredContent).toEqual({ released: true })
      expect((yield* call(holder, "w7", "context_update", { id: b.id, value: 7 })).structuredContent.context.value).toBe(7)
      expect(errorOf(yield* call(holder, "l4", "context_lease_acquire", { ids: ["ctx_missing"], ttlMs: 10 }))).toEqual({ _tag: "ContextNotFound", id: "ctx_missing" })
      expect((yield* call(holder, "l5", "context_lease_acquire", { ids: [a.id], ttlMs: 0 })).isError).toBe(true)
    }).pipe(Effect.provide(memory())))

  it.scopedLive("2026-07-28: a lease token is a handle that stateless requests on two connections share", () =>
    Effect.gen(function*() {
      const { server } = yield* serverWith({ tools: McpContexts.tools })
      const first = yield* peerOf(server.connect)
      const second = yield* peerOf(server.connect)
      const tool = (peer: RawPeer, id: number, name: string, args: unknown) =>
        Effect.map(ask2026(peer, id, "tools/call", { name, arguments: args }), (answer) => answer.result)
      const { id } = (yield* tool(first, 1, "context_create", { value: { step: 0 } })).structuredContent.context
      const { lease } = (yield* tool(first, 2, "context_lease_acquire", { ids: [id], ttlMs: 60_000 })).structuredContent
      expect(errorOf(yield* tool(second, 3, "context_update", { id, merge: { step: 9 } }))).toEqual({ _tag: "LeaseError", id, reason: "Held" })
      // The holder's workflow may continue on another connection: the token is all it needs.
      expect((yield* tool(second, 4, "context_update", { id, merge: { step: 1 }, lease: lease.token })).structuredContent.context.version).toBe(2)
      yield* tool(first, 5, "context_lease_release", { token: lease.token, ids: [id] })
      expect((yield* tool(second, 6, "context_update", { id, merge: { step: 2 } })).structuredContent.context.value).toEqual({ step: 2 })
    }).pipe(Effect.provide(memory())))

  it.scopedLive("exports contexts by filter and imports them back, all or nothing", () =>
    Effect.gen(function*() {
      const client = yield* (yield* setup)()
      const root = yield* create(client, { title: "root" }, { kind: "doc" })
      const child = yield* create(client, { title: "child" }, { kind: "doc" }, root.id)
      yield* create(client, "unrelated")
      yield* call(client, "u", "context_update", { id: child.id, patch: [{ op: "add", path: "/done", value: true }] })
      const historyBefore = (yield* call(client, "h", "context_history", { id: child.id })).structuredContent.entries

      const { document } = (yield* call(client, "e", "context_export", { labels: { kind: "doc" } })).structuredContent
      expect(document.contexts.map((c: any) => c.record.id).sort()).toEqual([root.id, child.id].sort())
      const byParent = (yield* call(client, "e2", "context_export", { parent: root.id })).structuredContent.document
      expect(byParent.contexts.map((c: any) => c.record.id)).toEqual([child.id])
      expect(errorOf(yield* call(client, "e3", "context_export", { ids: [root.id], labels: { kind: "doc" } }))._tag).toBe("ContextValidationError")
      expect(errorOf(yield* call(client, "e4", "context_export", { ids: ["ctx_missing"] }))._tag).toBe("ContextNotFound")

      // Importing over existing ids adds nothing.
      expect(errorOf(yield* call(client, "i0", "context_import", { document }))._tag).toBe("ContextValidationError")
      yield* call(client, "d1", "context_delete", { id: root.id })
      yield* call(client, "d2", "context_delete", { id: child.id })
      const tampered = structuredClone(document)
      tampered.contexts[0].history[0].value = "forged"
      expect(errorOf(yield* call(client, "i1", "context_import", { document: tampered }))._tag).toBe("SyncError")
      expect(errorOf(yield* call(client, "g0", "context_get", { id: root.id }))._tag).toBe("ContextNotFound")

      const repeated = { contexts: [document.contexts[0], document.contexts[0]] }
      expect(errorOf(yield* call(client, "i3", "context_import", { document: repeated }))).toEqual({
        _tag: "ContextValidationError",
        id: document.contexts[0].record.id,
        issues: ["named by two contexts of the document"]
      })
      const imported = (yield* call(client, "i2", "context_import", { document })).structuredContent.ids
      expect([...imported].sort()).toEqual([root.id, child.id].sort())
      const restoredChild = yield* get(client, child.id)
      expect([restoredChild.version, restoredChild.value, restoredChild.parent]).toEqual([2, { title: "child", done: true }, root.id])
      expect((yield* call(client, "h2", "context_history", { id: child.id })).structuredContent.entries).toEqual(historyBefore)
      expect((yield* call(client, "v", "context_verify", { id: child.id })).structuredContent.valid).toBe(true)
    }).pipe(Effect.provide(memory())))

  it.scopedLive(`refuses to export more than ${McpContextOps.MaxContexts.export} contexts at once`, () =>
    Effect.gen(function*() {
      const contexts = yield* ContextManager.ContextManager
      yield* Effect.forEach(Array.from({ length: McpContextOps.MaxContexts.export + 1 }, (_, n) => n), (n) =>
        contexts.create({ value: n, labels: { batch: n === 0 ? "first" : "rest" } }), { discard: true })
      const client = yield* (yield* setup)()
      expect(errorOf(yield* call(client, "e", "context_export", {})).issues[0]).toMatch(/more than 1000 contexts match/)
      expect((yield* call(client, "e2", "context_export", { labels: { batch: "first" } })).structuredContent.document.contexts).toHaveLength(1)
    }).pipe(Effect.provide(memory())))

  it.scopedLive("verifies a context: valid with its version and hash", () =>
    Effect.gen(function*() {
      const client = yield* (yield* setup)()
      const { id } = yield* call(client, "c", "context_create", { value: 1, schema: { type: "number" } }).pipe(Effect.map((r) => r.structuredContent.context))
      yield* call(client, "u", "context_update", { id, value: 2 })
      const head = (yield* call(client, "h", "context_history", { id })).structuredContent.entries[1]
      expect((yield* call(client, "v", "context_verify", { id })).structuredContent).toEqual({ valid: true, version: 2, hash: head.hash })
      expect(errorOf(yield* call(client, "v2", "context_verify", { id: "ctx_missing" }))._tag).toBe("ContextNotFound")
    }).pipe(Effect.provide(memory())))

  it.scopedLive("names what failed for stored contexts whose schema or hash chain does not hold", () =>
    Effect.gen(function*() {
      const client = yield* (yield* setup)()
      const wrongHash = (yield* call(client, "v1", "context_verify", { id: "ctx_chain" }))
      expect(errorOf(wrongHash)).toEqual({ _tag: "SyncError", id: "ctx_chain", reason: "the hash of version 1 does not verify", paths: [] })
      expect(wrongHash.content[0].text).toMatch(/hash of version 1 does not verify/)
      const badValue = errorOf(yield* call(client, "v2", "context_verify", { id: "ctx_schema" }))
      expect([badValue._tag, badValue.id]).toEqual(["ContextValidationError", "ctx_schema"])
    }).pipe(Effect.provide(ContextManager.layer().pipe(Layer.provide(Layer.effectDiscard(seedBroken).pipe(Layer.provideMerge(MemoryStore.layer())))))))
})

/** Puts two contexts straight into the store: one whose entry's hash is wrong, one whose value breaks its schema. */
const seedBroken = Effect.gen(function*() {
  const store = yield* ContextStore
  const entryOf = (id: string, value: unknown): HistoryEntry => {
    const content = { id, version: 1, value, patch: [], at: 0, previousHash: "" }
    return { ...content, hash: Json.entryHash(content) }
  }
  const put = (entry: HistoryEntry, extra: Partial<ContextRecord> = {}) =>
    store.commit([{
      _tag: "Put",
      entry,
      keepHistory: 100,
      record: { id: entry.id, value: entry.value, version: 1, hash: entry.hash, labels: {}, createdAt: 0, updatedAt: 0, ...extra }
    }])
  const chain = entryOf("ctx_chain", 1)
  yield* put({ ...chain, hash: "0".repeat(64) })
  yield* put(entryOf("ctx_schema", "text"), { schema: { type: "number" } })
})
