import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { join } from "node:path"
import * as SqliteStore from "../../../src/context/SqliteStore.js"
import { chain, put, tempDir } from "./fixtures.js"
import { reasonOf, withStore } from "./support.js"

const dir = tempDir()
afterAll(() => dir.remove())
let files = 0
const file = () => join(dir.path, `group-${files++}.db`)

const transactions = Effect.map(Metric.value(SqliteStore.commitsPerTransaction), (state) => ({
  count: state.count,
  commits: state.sum
}))

describe("SqliteStore group commit", () => {
  it.effect("concurrent commits share transactions", () =>
    withStore({ filename: file() }, (store) =>
      Effect.gen(function*() {
        const before = yield* transactions
        const writes = Array.from({ length: 200 }, (_, i) => put(`c${i}`, 1, i, ""))
        yield* Effect.forEach(writes, (write) => store.commit([write]), { concurrency: "unbounded", discard: true })
        const after = yield* transactions
        expect(after.commits - before.commits).toBe(200)
        expect(after.count - before.count).toBeLessThan(200)
        expect(yield* store.count).toBe(200)
      })))

  it.effect("a failing commit in a batch fails alone, atomically; the others commit", () =>
    withStore({ filename: file() }, (store) =>
      Effect.gen(function*() {
        const [x1] = chain("x", ["first"])
        yield* store.commit([x1])
        const before = yield* transactions
        // A new context, then version 1 of `x` again: its history entry exists, the commit fails.
        const bad = [put("y", 1, "y", ""), put("x", 1, "again", "")]
        const goods = Array.from({ length: 6 }, (_, i) => [put(`g${i}`, 1, i, "")])
        const results = yield* Effect.all(
          [...goods.slice(0, 3), bad, ...goods.slice(3)].map((writes) => Effect.either(store.commit(writes))),
          { concurrency: "unbounded" }
        )
        const after = yield* transactions
        // One shared transaction failed; its 7 members were retried one by one.
        expect(after.count - before.count).toBe(8)
        expect(results.map(Either.isRight)).toEqual([true, true, true, false, true, true, true])
        expect(yield* reasonOf(results[3])).toBe("Conflict")
        expect(yield* store.get("y")).toEqual(Option.none())
        expect(yield* store.get("x")).toEqual(Option.some(x1.record))
        expect(yield* store.history("x")).toEqual([x1.entry])
        for (let i = 0; i < 6; i++) expect(Option.isSome(yield* store.get(`g${i}`))).toBe(true)
      })))

  it.effect("a value that is not JSON fails its commit only", () =>
    withStore({ filename: file() }, (store) =>
      Effect.gen(function*() {
        const write = put("n", 1, "placeholder", "")
        const notJson = { ...write, record: { ...write.record, value: { big: 1n } } }
        expect(yield* reasonOf(store.commit([notJson]))).toBe("Io")
        yield* store.commit([put("m", 1, "fine", "")])
        expect(yield* store.count).toBe(1)
      })))

  it.effect("commits queued when the store closes are finished; later ones fail Closed", () =>
    Effect.gen(function*() {
      const filename = file()
      const scope = yield* Scope.make()
      const store = yield* Scope.extend(SqliteStore.make({ filename }), scope)
      const writes = Array.from({ length: 50 }, (_, i) => put(`q${i}`, 1, i, ""))
      const fibers = yield* Effect.forEach(writes, (write) => Effect.fork(store.commit([write])))
      yield* Effect.yieldNow() // the commits are queued
      yield* Scope.close(scope, Exit.void)
      const outcomes = yield* Effect.forEach(fibers, (fiber) => Effect.either(fiber.await.pipe(Effect.flatten)))
      expect(outcomes.every(Either.isRight)).toBe(true)
      expect(yield* reasonOf(store.commit([put("late", 1, 0, "")]))).toBe("Closed")
      expect(yield* reasonOf(store.get("q0"))).toBe("Closed")
      yield* withStore({ filename }, (reopened) =>
        Effect.gen(function*() {
          for (let i = 0; i < writes.length; i++) {
            const kept = Option.isSome(yield* reopened.get(`q${i}`))
            expect({ i, kept }).toEqual({ i, kept: Either.isRight(outcomes[i]) })
          }
        }))
    }))
})
