/** The memory ContextStore: atomic commits, bounded history, backup to and restore from a JSON file. */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ContextManager from "../../src/context/ContextManager.js"
import { ContextStore } from "../../src/context/ContextStore.js"
import * as MemoryStore from "../../src/context/MemoryStore.js"

const withDir = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "mcx-memory-store-"))),
    f,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

describe("MemoryStore", () => {
  it.effect("keeps the newest keepHistory entries, scans in id order, backs up and restores", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const first = yield* MemoryStore.make()
        const ids = yield* Effect.provide(
          Effect.gen(function*() {
            const contexts = yield* ContextManager.ContextManager
            const a = yield* contexts.create({ value: { n: 0 } })
            for (let n = 1; n <= 5; n++) yield* contexts.update(a.id, ContextManager.Change.merge({ n }))
            const b = yield* contexts.create({ value: "b" })
            return [a.id, b.id]
          }),
          ContextManager.layer({ keepHistory: 3 }).pipe(Layer.provide(Layer.succeed(ContextStore, first)))
        )
        expect((yield* first.history(ids[0]!)).map((e) => e.version)).toEqual([4, 5, 6])
        expect(Chunk.toArray(yield* Stream.runCollect(first.scan)).map((r) => r.id)).toEqual([...ids].sort())
        const file = join(dir, "backup.json")
        yield* first.backup(file)
        const second = yield* MemoryStore.make()
        yield* second.restore(file)
        expect(yield* second.count).toBe(2)
        const restored = yield* Effect.provide(
          Effect.flatMap(ContextManager.ContextManager, (contexts) =>
            Effect.zipLeft(contexts.get(ids[0]!), contexts.checkConsistency(ids[0]!))),
          ContextManager.layer({ keepHistory: 3 }).pipe(Layer.provide(Layer.succeed(ContextStore, second)))
        )
        expect([restored.version, restored.value]).toEqual([6, { n: 5 }])
        writeFileSync(join(dir, "bad.json"), "{ not json")
        expect((yield* Effect.flip(second.restore(join(dir, "bad.json")))).reason).toBe("Corrupt")
        expect((yield* Effect.flip(second.restore(join(dir, "missing.json")))).reason).toBe("Io")
        expect(yield* second.count).toBe(2)
      })))
})
