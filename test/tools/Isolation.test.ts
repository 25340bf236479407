import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Tool from "../../src/server/Tool.js"
import * as ToolManager from "../../src/server/tools/ToolManager.js"
import type * as WorkerPool from "../../src/server/tools/WorkerPool.js"

const fixture = new URL("./fixtures/isolated.mjs", import.meta.url)
const N = Schema.Struct({ n: Schema.Number })
const Answer = Schema.Struct({ value: Schema.Number, threadId: Schema.Number })

const isolated = (name: string, exportName: string, options: { readonly poolSize?: number; readonly timeoutMs?: number } = {}) =>
  Tool.isolated(name, { input: N, output: Answer, module: fixture, export: exportName, memoryMb: 32, ...options })

const held = (poolSize: number) =>
  Tool.isolated("held", { input: Schema.Struct({ ms: Schema.Number }), output: Answer, module: fixture, export: "held", memoryMb: 32, poolSize })

const poolOf = (tool: Tool.Isolated<any, any>): WorkerPool.WorkerPool => {
  const pool = tool.pools.values().next().value
  if (pool === undefined) throw new Error(`tool ${tool.name} has no pool`)
  return pool
}

/** Waits (on the real event loop, whatever the clock) until `ready` holds. */
const until = (ready: () => boolean): Effect.Effect<void> =>
  Effect.suspend(() => ready() ? Effect.void : Effect.zipRight(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))), until(ready)))

const text = (result: { content: ReadonlyArray<unknown> }) => (result.content[0] as { text: string }).text

describe("isolated tools", () => {
  it.scoped("run in a worker thread, with input and output validated in the main thread", () =>
    Effect.gen(function*() {
      const tool = isolated("square", "square")
      const manager = yield* ToolManager.make()
      yield* manager.register(tool)
      const result = yield* manager.call("square", { n: 7 })
      expect(result.isError).toBeUndefined()
      expect(result.structuredContent).toMatchObject({ value: 49 })
      expect((result.structuredContent as { threadId: number }).threadId).not.toBe(0)
      expect(poolOf(tool).stats().live).toEqual([(result.structuredContent as { threadId: number }).threadId])
      const bad = yield* Effect.flip(manager.call("square", { n: "seven" }))
      expect(bad).toMatchObject({ code: -32602 })
      const greet = Tool.isolated("greet", { input: N, module: fixture.href, export: "greet", memoryMb: 32 })
      yield* manager.register(greet)
      expect(text(yield* manager.call("greet", { n: 2 }))).toBe("hello 2")
      yield* manager.register(Tool.isolated("object", { input: N, module: fixture, export: "object", memoryMb: 32 }))
      expect(text(yield* manager.call("object", { n: 4 }))).toBe(JSON.stringify({ n: 4 }))
    }), { timeout: 30_000 })

  it.scoped("contain a worker that allocates without bound; the next call runs on a fresh worker", () =>
    Effect.gen(function*() {
      const tool = Tool.isolated("hog", { input: N, output: Answer, module: fixture, export: "allocate", memoryMb: 32, poolSize: 1 })
      const manager = yield* ToolManager.make()
      yield* manager.register(tool)
      yield* manager.register(isolated("square", "square"))
      const result = yield* manager.call("hog", { n: 0 })
      expect(result.isError).toBe(true)
      expect(text(result)).toMatch(/memory limit/)
      expect(poolOf(tool).stats()).toMatchObject({ started: 1, exited: 1, live: [] })
      expect((yield* manager.call("square", { n: 3 })).structuredContent).toMatchObject({ value: 9 })
      const again = yield* manager.call("hog", { n: 0 })
      expect(again.isError).toBe(true)
      expect(poolOf(tool).stats()).toMatchObject({ started: 2, exited: 2 })
    }), { timeout: 60_000 })

  it.scoped("turn a throw or an exit in the worker into an error result, and replace the worker", () =>
    Effect.gen(function*() {
      const throwing = Tool.isolated("throwing", { input: N, output: Answer, module: fixture, export: "fail", memoryMb: 32, poolSize: 1 })
      const exiting = Tool.isolated("exiting", { input: N, output: Answer, module: fixture, export: "exit", memoryMb: 32, poolSize: 1 })
      const manager = yield* ToolManager.make()
      yield* manager.registerAll([throwing, exiting])
      // Same limits: one shared pool.
      expect(poolOf(throwing)).toBe(poolOf(exiting))
      const thrown = yield* manager.call("throwing", { n: 5 })
      expect(thrown).toMatchObject({ isError: true })
      expect(text(thrown)).toBe("refused 5")
      yield* until(() => poolOf(throwing).stats().live.length === 0)
      expect(poolOf(throwing).stats()).toMatchObject({ started: 1, exited: 1 })
      const exited = yield* manager.call("exiting", { n: 1 })
      expect(exited).toMatchObject({ isError: true })
      expect(text(exited)).toContain("exited with code 3")
      yield* until(() => poolOf(exiting).stats().live.length === 0)
      expect(poolOf(exiting).stats()).toMatchObject({ started: 2, exited: 2, live: [] })
      expect(text(yield* manager.call("throwing", { n: 6 }))).toBe("refused 6")
      expect(poolOf(throwing).stats().started).toBe(3)
    }), { timeout: 30_000 })

  it.scoped("terminate the worker of a call that times out", () =>
    Effect.gen(function*() {
      const tool = isolated("hang", "hang", { timeoutMs: 1000 })
      const manager = yield* ToolManager.make()
      yield* manager.register(tool)
      const call = yield* Effect.fork(manager.call("hang", { n: 0 }))
      yield* until(() => poolOf(tool).stats().live.length === 1)
      yield* TestClock.adjust(1000)
      const result = yield* Fiber.join(call)
      expect(result.isError).toBe(true)
      expect(text(result)).toContain("did not answer within 1000 ms")
      expect(poolOf(tool).stats()).toMatchObject({ started: 1, exited: 1, live: [] })
    }), { timeout: 30_000 })

  it.scoped("terminate the worker of a cancelled call", () =>
    Effect.gen(function*() {
      const tool = isolated("hang", "hang")
      const manager = yield* ToolManager.make()
      yield* manager.register(tool)
      const call = yield* Effect.fork(manager.call("hang", { n: 0 }))
      yield* until(() => poolOf(tool).stats().live.length === 1)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(call))).toBe(true)
      expect(poolOf(tool).stats()).toMatchObject({ started: 1, exited: 1, live: [] })
    }), { timeout: 30_000 })

  it.scoped("run at most poolSize workers under concurrent calls", () =>
    Effect.gen(function*() {
      const tool = held(2)
      const manager = yield* ToolManager.make()
      yield* manager.register(tool)
      let most = 0
      const watch = yield* Effect.fork(Effect.forever(Effect.zipRight(
        Effect.sync(() => { most = Math.max(most, poolOf(tool).stats().live.length) }),
        Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      )))
      const results = yield* Effect.forEach([1, 2, 3, 4, 5, 6], () => manager.call("held", { ms: 20 }), { concurrency: "unbounded" })
      yield* Fiber.interrupt(watch)
      const threads = new Set(results.map((result) => (result.structuredContent as { threadId: number }).threadId))
      expect(results.every((result) => result.isError === undefined)).toBe(true)
      expect(threads.size).toBeLessThanOrEqual(2)
      expect(poolOf(tool).stats().started).toBeLessThanOrEqual(2)
      expect(most).toBeLessThanOrEqual(2)
    }), { timeout: 30_000 })

  it.effect("terminate every worker when the manager's Scope closes", () =>
    Effect.gen(function*() {
      const tool = held(3)
      const scope = yield* Scope.make()
      const manager = yield* Scope.extend(ToolManager.make({ isolation: { maxWorkers: 3 } }), scope)
      yield* Scope.extend(manager.register(tool), scope)
      const pool = poolOf(tool)
      // Long enough that no call ends before the third starts (a worker freed early would serve it, and three would never be alive).
      const calls = yield* Effect.fork(Effect.forEach([1, 2, 3], () => manager.call("held", { ms: 200 }), { concurrency: "unbounded" }))
      yield* until(() => pool.stats().live.length === 3)
      expect((yield* Fiber.join(calls)).every((result) => result.isError === undefined)).toBe(true)
      expect(pool.stats()).toMatchObject({ started: 3, exited: 0 })
      yield* Scope.close(scope, Exit.void)
      expect(pool.stats()).toMatchObject({ started: 3, exited: 3, live: [] })
      expect(tool.pools.size).toBe(0)
      expect(yield* Effect.flip(manager.call("held", { ms: 1 }))).toMatchObject({ _tag: "ToolNotFound" })
    }), { timeout: 30_000 })

  it.scoped("share one pool per heap limit in a manager, bounded by maxWorkers, released with its last tool", () =>
    Effect.gen(function*() {
      const first = held(2)
      const second = Tool.isolated("held2", { input: Schema.Struct({ ms: Schema.Number }), output: Answer, module: fixture, export: "held", memoryMb: 32, poolSize: 2 })
      const larger = Tool.isolated("larger", { input: N, output: Answer, module: fixture, export: "square", memoryMb: 48 })
      const manager = yield* ToolManager.make({ isolation: { maxWorkers: 2 } })
      yield* manager.registerAll([first, second, larger])
      const pool = poolOf(first)
      expect(poolOf(second)).toBe(pool)
      expect(poolOf(larger)).not.toBe(pool)
      expect(pool.size).toBe(2)

      // Four calls of two tools, each allowed two at once: the shared pool runs them on two workers at most.
      let most = 0
      const watch = yield* Effect.fork(Effect.forever(Effect.zipRight(
        Effect.sync(() => { most = Math.max(most, pool.stats().live.length) }),
        Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      )))
      const results = yield* Effect.forEach(["held", "held2", "held", "held2"], (name) => manager.call(name, { ms: 20 }), { concurrency: "unbounded" })
      yield* Fiber.interrupt(watch)
      expect(results.every((result) => result.isError === undefined)).toBe(true)
      expect(most).toBeLessThanOrEqual(2)
      expect(pool.stats().started).toBeLessThanOrEqual(2)
      const threads = new Set(results.map((result) => (result.structuredContent as { threadId: number }).threadId))
      expect(threads.size).toBeLessThanOrEqual(2)
      expect([...threads].every((id) => pool.stats().live.includes(id))).toBe(true)

      // The pool outlives one of its tools, and goes with the last one.
      yield* manager.unregister("held")
      expect(first.pools.size).toBe(0)
      expect(pool.stats().live.length).toBeGreaterThan(0)
      expect((yield* manager.call("held2", { ms: 1 })).isError).toBeUndefined()
      yield* manager.unregister("held2")
      expect(pool.stats()).toMatchObject({ live: [] })
      expect(pool.stats().exited).toBe(pool.stats().started)
      expect(poolOf(larger).stats().live.length).toBe(0)
      expect((yield* manager.call("larger", { n: 4 })).structuredContent).toMatchObject({ value: 16 })
    }), { timeout: 30_000 })

  it.scoped("a tool registered in two managers holds a pool in each", () =>
    Effect.gen(function*() {
      const tool = isolated("square", "square")
      const one = yield* ToolManager.make()
      const two = yield* ToolManager.make()
      yield* one.register(tool)
      yield* two.register(tool)
      expect(tool.pools.size).toBe(2)
      const [a, b] = [...tool.pools]
      expect(a).not.toBe(b)
      yield* one.unregister("square")
      expect(tool.pools.size).toBe(1)
      expect((yield* two.call("square", { n: 5 })).structuredContent).toMatchObject({ value: 25 })
    }), { timeout: 30_000 })
})
