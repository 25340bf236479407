/**
 * The `ContextStore` contract as a test suite: `contractTests(name, makeLayer)` runs it against
 * any implementation (`makeLayer` gives a fresh, empty store per test).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { ContextStore } from "../../../src/context/ContextStore.js"
import { chain, put } from "./fixtures.js"

/** Runs the contract against the stores `makeLayer` makes. */
export const contractTests = (name: string, makeLayer: () => Layer.Layer<ContextStore, unknown>) => {
  const run = <A, E>(body: Effect.Effect<A, E, ContextStore>) => Effect.provide(body, makeLayer())

  describe(`ContextStore contract: ${name}`, () => {
    it.effect("an empty store has nothing", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        expect(yield* store.get("nope")).toEqual(Option.none())
        expect(yield* store.count).toBe(0)
        expect(yield* store.history("nope")).toEqual([])
        expect(Chunk.size(yield* Stream.runCollect(store.scan))).toBe(0)
      })))

    it.effect("a put is read back as it was written, optional fields included", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        const plain = put("a", 1, { n: 1, s: "x", list: [1, "two", null] }, "")
        const full = put("b", 1, "text", "", { labels: { team: "core", env: "prod" } })
        const withExtras = {
          ...full,
          record: { ...full.record, schema: { type: "string" }, parent: "a", owner: "someone" }
        }
        yield* store.commit([plain, withExtras])
        expect(yield* store.get("a")).toEqual(Option.some(plain.record))
        expect(yield* store.get("b")).toEqual(Option.some(withExtras.record))
        expect(yield* store.history("a")).toEqual([plain.entry])
        expect(yield* store.count).toBe(2)
      })))

    it.effect("versions move the head; history is oldest first, from a version, limited", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        const writes = chain("c", [1, 2, 3, 4, 5])
        for (const write of writes) yield* store.commit([write])
        expect(yield* store.get("c")).toEqual(Option.some(writes[4].record))
        expect(yield* store.history("c")).toEqual(writes.map((write) => write.entry))
        expect((yield* store.history("c", { fromVersion: 3 })).map((e) => e.version)).toEqual([3, 4, 5])
        expect((yield* store.history("c", { fromVersion: 2, limit: 2 })).map((e) => e.version)).toEqual([2, 3])
      })))

    it.effect("keepHistory keeps the newest entries only", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        for (const write of chain("k", [1, 2, 3, 4, 5, 6], 2)) yield* store.commit([write])
        expect((yield* store.history("k")).map((e) => e.version)).toEqual([5, 6])
      })))

    it.effect("a delete removes the head and the history, and only of that context", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        yield* store.commit([...chain("d", [1, 2]), ...chain("e", [1])])
        yield* store.commit([{ _tag: "Delete", id: "d" }])
        expect(yield* store.get("d")).toEqual(Option.none())
        expect(yield* store.history("d")).toEqual([])
        expect(Option.isSome(yield* store.get("e"))).toBe(true)
        expect(yield* store.count).toBe(1)
      })))

    it.effect("writes of one commit apply in order (put, delete, put again)", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        const [first] = chain("r", ["old"])
        const again = put("r", 1, "new", "")
        yield* store.commit([first, { _tag: "Delete", id: "r" }, again])
        expect(yield* store.get("r")).toEqual(Option.some(again.record))
        expect(yield* store.history("r")).toEqual([again.entry])
      })))

    it.effect("a history version stored already is a Conflict, and nothing of its commit applies", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        const [x1] = chain("x", ["first"])
        yield* store.commit([x1])
        const error = yield* Effect.flip(store.commit([put("y", 1, "y", ""), put("x", 1, "again", "")]))
        expect(error._tag).toBe("PersistenceError")
        expect(error.reason).toBe("Conflict")
        expect(yield* store.get("y")).toEqual(Option.none())
        expect(yield* store.get("x")).toEqual(Option.some(x1.record))
        expect(yield* store.history("x")).toEqual([x1.entry])
        // The next version still commits.
        const [, x2] = chain("x", ["first", "second"])
        yield* store.commit([x2])
        expect((yield* store.history("x")).map((e) => e.version)).toEqual([1, 2])
      })))

    it.effect("scan gives every head in id order, across pages", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        const ids = Array.from({ length: 4500 }, (_, i) => `ctx-${String(i).padStart(5, "0")}`)
        yield* store.commit([...ids].reverse().map((id) => put(id, 1, { id }, "")))
        const scanned = Chunk.toReadonlyArray(yield* Stream.runCollect(store.scan))
        expect(scanned.map((record) => record.id)).toEqual(ids)
        expect(scanned[1234].value).toEqual({ id: ids[1234] })
        expect(yield* store.count).toBe(ids.length)
      })))

    it.effect("concurrent commits from many fibers are all kept", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        const writers = Array.from({ length: 64 }, (_, w) => chain(`w${w}`, Array.from({ length: 10 }, (_, v) => ({ w, v }))))
        yield* Effect.forEach(writers, (writes) => Effect.forEach(writes, (write) => store.commit([write])), {
          concurrency: "unbounded",
          discard: true
        })
        expect(yield* store.count).toBe(64)
        for (const writes of writers) {
          const id = writes[0].record.id
          expect(yield* store.get(id)).toEqual(Option.some(writes[9].record))
          expect((yield* store.history(id)).map((e) => e.hash)).toEqual(writes.map((w) => w.entry.hash))
        }
      })))

    it.effect("any JSON value round-trips", () =>
      run(Effect.gen(function*() {
        const store = yield* ContextStore
        const values = FastCheck.sample(FastCheck.jsonValue(), { numRuns: 200, seed: 42 })
        yield* store.commit(values.map((value, i) => put(`j${i}`, 1, value, "")))
        for (let i = 0; i < values.length; i++) {
          const expected = JSON.parse(JSON.stringify(values[i]))
          const record = yield* store.get(`j${i}`)
          expect(Option.map(record, (r) => r.value)).toEqual(Option.some(expected))
          expect((yield* store.history(`j${i}`))[0].value).toEqual(expected)
        }
      })))
  })
}
