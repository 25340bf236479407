/**
 * Properties of the ContextManager under random concurrent operations from many fibers.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as ContextManager from "../../src/context/ContextManager.js"
import { ContextStore, PersistenceError, type Service } from "../../src/context/ContextStore.js"
import * as MemoryStore from "../../src/context/MemoryStore.js"
import { yieldingStore } from "./support.js"

const { Change } = ContextManager
const manager = ContextManager.layer().pipe(Layer.provide(yieldingStore))

type Value = { readonly n: number } & Readonly<Record<string, number>>

const Op = FastCheck.oneof(
  FastCheck.record({ kind: FastCheck.constant("inc" as const), ctx: FastCheck.nat(2) }),
  FastCheck.record({ kind: FastCheck.constant("set" as const), ctx: FastCheck.nat(2), key: FastCheck.constantFrom("a", "b", "c"), val: FastCheck.integer({ min: -5, max: 5 }) }),
  FastCheck.record({ kind: FastCheck.constant("bad" as const), ctx: FastCheck.nat(2) }),
  FastCheck.record({ kind: FastCheck.constant("tx" as const), ctx: FastCheck.nat(2), other: FastCheck.nat(2) })
)
type Op = typeof Op extends FastCheck.Arbitrary<infer T> ? T : never

const schema = { type: "object", properties: { n: { type: "integer", minimum: 0 } }, required: ["n"] }
const inc = Change.fn((v) => ({ ...(v as Value), n: (v as Value).n + 1 }))

/** The serial meaning of a committed operation on one context. */
const replay = (value: Value, op: Op): Value =>
  op.kind === "set" ? { ...value, [op.key]: op.val } : { ...value, n: value.n + 1 }

describe("ContextManager properties", () => {
  it.effect.prop("concurrent writers: no lost update, increasing versions, valid values, a serial order", [FastCheck.array(Op, { minLength: 1, maxLength: 40 })], ([ops]) =>
    Effect.gen(function*() {
      const contexts = yield* ContextManager.ContextManager
      const ids = yield* Effect.forEach([0, 1, 2], () => Effect.map(contexts.create({ value: { n: 0 }, schema }), (c) => c.id))
      const watched = yield* contexts.watch()
      // Each committed operation, with the version it made, per context.
      const committed: Array<Array<{ readonly version: number; readonly op: Op }>> = [[], [], []]
      const run = (op: Op) =>
        Effect.gen(function*() {
          const id = ids[op.ctx]!
          if (op.kind === "inc") {
            const record = yield* contexts.update(id, inc)
            committed[op.ctx]!.push({ version: record.version, op })
          } else if (op.kind === "set") {
            const read = yield* contexts.get(id)
            const record = yield* contexts.update(id, Change.merge({ [op.key]: op.val }), { expectedVersion: read.version })
            committed[op.ctx]!.push({ version: record.version, op })
          } else if (op.kind === "bad") {
            yield* contexts.update(id, Change.merge({ n: -1 }))
          } else {
            const targets = op.other === op.ctx ? [op.ctx] : [op.ctx, op.other]
            const records = yield* contexts.transaction(targets.map((t) => ({ _tag: "Update" as const, id: ids[t]!, change: inc })))
            targets.forEach((t, i) => {
              const record = records[i]!
              if (record._tag === "Some") committed[t]!.push({ version: record.value.version, op })
            })
          }
        }).pipe(Effect.either)
      const outcomes = yield* Effect.forEach(ops, run, { concurrency: "unbounded" })
      const total = committed.reduce((n, list) => n + list.length, 0)
      const changes = total === 0 ? [] : Chunk.toArray(yield* Fiber.join(yield* Effect.fork(Stream.runCollect(Stream.take(watched, total)))))
      for (let c = 0; c < 3; c++) {
        const record = yield* contexts.get(ids[c]!)
        const mine = committed[c]!.sort((x, y) => x.version - y.version)
        // Versions: one per committed write, contiguous from 2, and the streams saw them in order.
        expect(mine.map((m) => m.version)).toEqual(mine.map((_, i) => i + 2))
        expect(record.version).toBe(1 + mine.length)
        expect(changes.filter((ch) => ch.id === ids[c]).map((ch) => ch.version)).toEqual(mine.map((m) => m.version))
        // No lost update, and the final state is the serial replay of the committed operations in version order.
        const serial = mine.reduce((value, m) => replay(value, m.op), { n: 0 } as Value)
        expect(record.value).toEqual(serial)
        expect((record.value as Value).n).toBe(mine.filter((m) => m.op.kind !== "set").length)
        // Every committed value satisfies the schema; the hash chain verifies.
        const history = yield* contexts.history(ids[c]!)
        for (const entry of history) expect((entry.value as Value).n).toBeGreaterThanOrEqual(0)
        yield* contexts.checkConsistency(ids[c]!)
      }
      // Only validation errors and version conflicts, never anything else.
      for (const outcome of outcomes) {
        if (outcome._tag === "Left") expect(["ContextValidationError", "VersionConflict"]).toContain(outcome.left._tag)
      }
      expect(outcomes.filter((o, i) => o._tag === "Right" && ops[i]!.kind === "bad")).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(manager)), { fastCheck: { numRuns: 40 } })

  const Edits = FastCheck.dictionary(FastCheck.constantFrom("k0", "k1", "k2", "k3", "k4", "k5"), FastCheck.integer({ min: 0, max: 3 }))

  it.effect.prop("three-way merges never drop a non-conflicting change", [Edits, Edits], ([mine, theirs]) =>
    Effect.gen(function*() {
      const contexts = yield* ContextManager.ContextManager
      const base = { k0: 0, k1: 0, k2: 0, k3: 0, k4: 0, k5: 0 }
      const { id } = yield* contexts.create({ value: base })
      const write = (edits: Record<string, number>) =>
        Effect.either(contexts.update(id, Change.merge(edits), { expectedVersion: 1, strategy: "merge" }))
      const [first, second] = yield* Effect.all([write(mine), write(theirs)], { concurrency: "unbounded" })
      const conflicting = Object.keys(mine)
        .filter((k) => k in theirs && mine[k] !== theirs[k] && mine[k] !== 0 && theirs[k] !== 0)
        .map((k) => `/${k}`)
        .sort()
      const record = yield* contexts.get(id)
      if (conflicting.length === 0) {
        expect(first._tag === "Right" && second._tag === "Right").toBe(true)
        // Each key has the value of the side that changed it (a value of 0 is no change).
        const changed = (edits: Record<string, number>, key: string) => edits[key] !== undefined && edits[key] !== 0 ? edits[key] : undefined
        const expected = Object.fromEntries(Object.keys(base).map((key) => [key, changed(theirs, key) ?? changed(mine, key) ?? 0]))
        expect(record.value).toEqual(expected)
      } else {
        const failures = [first, second].filter((o) => o._tag === "Left")
        expect(failures.length).toBe(1)
        const error = failures[0]!._tag === "Left" ? failures[0]!.left : undefined
        expect(error?._tag === "SyncError" && [...error.paths]).toEqual(conflicting)
      }
    }).pipe(Effect.provide(manager)), { fastCheck: { numRuns: 100 } })

  it.effect.prop("a store that fails at random: memory holds exactly what the store committed", [FastCheck.array(FastCheck.tuple(FastCheck.nat(2), FastCheck.boolean()), { minLength: 1, maxLength: 30 })], ([ops]) =>
    Effect.gen(function*() {
      const inner = yield* MemoryStore.make()
      const failing: Array<boolean> = ops.map(([, fail]) => fail)
      let calls = 0
      const store: Service = {
        ...inner,
        commit: (writes) =>
          Effect.suspend(() => {
            // Creations (the first three commits) succeed; then each commit fails as the case says.
            const fail = calls >= 3 && failing[(calls - 3) % failing.length]!
            calls++
            return Effect.zipRight(Effect.yieldNow(), fail ? Effect.fail(new PersistenceError({ reason: "Io", message: "injected" })) : inner.commit(writes))
          })
      }
      yield* Effect.gen(function*() {
        const contexts = yield* ContextManager.ContextManager
        const ids = yield* Effect.forEach([0, 1, 2], () => Effect.map(contexts.create({ value: { n: 0 } }), (c) => c.id))
        const outcomes = yield* Effect.forEach(ops, ([c, _]) =>
          Effect.either(contexts.transaction([
            { _tag: "Update", id: ids[c]!, change: inc },
            { _tag: "Update", id: ids[(c + 1) % 3]!, change: inc }
          ])), { concurrency: "unbounded" })
        for (const outcome of outcomes) if (outcome._tag === "Left") expect(outcome.left._tag).toBe("PersistenceError")
        const committed = outcomes.filter((o) => o._tag === "Right").length
        let total = 0
        for (const id of ids) {
          yield* contexts.syncContext(id)
          yield* contexts.checkConsistency(id)
          total += ((yield* contexts.get(id)).value as Value).n
        }
        // Each committed transaction added 1 to two contexts, each failed one nothing.
        expect(total).toBe(2 * committed)
      }).pipe(Effect.provide(ContextManager.layer().pipe(Layer.provide(Layer.succeed(ContextStore, store)))))
    }), { fastCheck: { numRuns: 50 } })
})
