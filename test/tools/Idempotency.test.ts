import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { McpError } from "../../src/protocol/errors.js"
import type { CallToolResult } from "../../src/schema/tools.js"
import { IdempotencyStore } from "../../src/server/tools/Idempotency.js"

const ok = (text: string): CallToolResult => ({ content: [{ type: "text", text }] })

/** A call that counts its runs and answers the run's number. */
const counted = () => {
  let runs = 0
  return { runs: () => runs, call: Effect.sync(() => ok(`run ${++runs}`)) }
}

describe("the idempotency store", () => {
  it.effect("keeps at most maxEntries answers, dropping the oldest first", () =>
    Effect.gen(function*() {
      const store = new IdempotencyStore({ maxEntries: 3 })
      const { call, runs } = counted()
      for (const key of ["a", "b", "c", "d", "e"]) yield* store.run(key, call)
      expect(store.size).toBe(3)
      expect(runs()).toBe(5)
      // c, d, e are kept; a and b were dropped and run again.
      expect((yield* store.run("e", call)).content).toEqual([{ type: "text", text: "run 5" }])
      expect((yield* store.run("c", call)).content).toEqual([{ type: "text", text: "run 3" }])
      expect((yield* store.run("a", call)).content).toEqual([{ type: "text", text: "run 6" }])
      expect(runs()).toBe(6)
      expect(store.size).toBe(3)
    }))

  it.effect("stays bounded over many keys, an entry re-added after a failure included", () =>
    Effect.gen(function*() {
      const store = new IdempotencyStore({ maxEntries: 100 })
      const { call } = counted()
      for (let i = 0; i < 5000; i++) {
        yield* store.run(`k${i}`, i % 7 === 0 ? Effect.fail(new McpError({ code: -32000, message: "busy" })) : call).pipe(Effect.ignore)
        if (i % 7 === 0) yield* store.run(`k${i}`, call)
      }
      expect(store.size).toBe(100)
      const before = counted()
      yield* store.run("k4999", before.call)
      expect(before.runs()).toBe(0)
    }))

  it.effect("an answer expires after its TTL", () =>
    Effect.gen(function*() {
      const store = new IdempotencyStore({ ttlMs: 1000 })
      const { call, runs } = counted()
      yield* store.run("k", call)
      yield* TestClock.adjust(999)
      yield* store.run("k", call)
      expect(runs()).toBe(1)
      yield* TestClock.adjust(1)
      yield* store.run("k", call)
      expect(runs()).toBe(2)
    }))

  it.effect("error results are not kept: the same key runs again", () =>
    Effect.gen(function*() {
      const store = new IdempotencyStore()
      let runs = 0
      const failing = Effect.sync((): CallToolResult => ({ content: [{ type: "text", text: `no ${++runs}` }], isError: true }))
      yield* store.run("k", failing)
      yield* store.run("k", failing)
      expect(runs).toBe(2)
      expect(store.size).toBe(0)
    }))

  it.effect("a concurrent duplicate waits for the first and gets its answer", () =>
    Effect.gen(function*() {
      const store = new IdempotencyStore()
      const gate = yield* Deferred.make<void>()
      let runs = 0
      const call = Effect.zipRight(Deferred.await(gate), Effect.sync(() => ok(`run ${++runs}`)))
      const first = yield* Effect.fork(store.run("k", call))
      const second = yield* Effect.fork(store.run("k", call))
      yield* Effect.yieldNow()
      expect(second.unsafePoll()).toBeNull()
      yield* Deferred.succeed(gate, undefined)
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      expect(runs).toBe(1)
      expect(b).toEqual(a)
    }))

  it.effect("when the first is interrupted, a waiting duplicate runs the call itself", () =>
    Effect.gen(function*() {
      const store = new IdempotencyStore()
      const started = yield* Deferred.make<void>()
      const first = yield* Effect.fork(store.run("k", Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)))
      yield* Deferred.await(started)
      const { call, runs } = counted()
      const second = yield* Effect.fork(store.run("k", call))
      yield* Effect.yieldNow()
      expect(runs()).toBe(0)
      yield* Fiber.interrupt(first)
      expect((yield* Fiber.join(second)).content).toEqual([{ type: "text", text: "run 1" }])
    }))

  it.effect("an interrupted waiter leaves; the first still answers the others", () =>
    Effect.gen(function*() {
      const store = new IdempotencyStore()
      const gate = yield* Deferred.make<void>()
      const call = Effect.zipRight(Deferred.await(gate), Effect.succeed(ok("once")))
      const first = yield* Effect.fork(store.run("k", call))
      const leaving = yield* Effect.fork(store.run("k", call))
      const staying = yield* Effect.fork(store.run("k", call))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(leaving)
      yield* Deferred.succeed(gate, undefined)
      expect((yield* Fiber.join(first)).content).toEqual([{ type: "text", text: "once" }])
      expect((yield* Fiber.join(staying)).content).toEqual([{ type: "text", text: "once" }])
    }))
})
