/**
 * The bound on a manager's isolated workers across heap limits (`WorkerPool.makeShared`), its
 * queue (order, timeouts, cancellation, the pipeline's limits), and a tool registered in two
 * managers running each manager's calls in that manager's pool.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Tool from "../../src/server/Tool.js"
import * as ToolManager from "../../src/server/tools/ToolManager.js"
import * as WorkerPool from "../../src/server/tools/WorkerPool.js"

const fixture = new URL("./fixtures/isolated.mjs", import.meta.url)
const Ms = Schema.Struct({ ms: Schema.Number })
const Limited = Schema.Struct({ value: Schema.Number, threadId: Schema.Number, memoryMb: Schema.Number })
type Limited = typeof Limited.Type

const limited = (name: string, memoryMb: number, options: { readonly poolSize?: number; readonly timeoutMs?: number } = {}) =>
  Tool.isolated(name, { input: Ms, output: Limited, module: fixture, export: "limited", memoryMb, poolSize: 8, ...options })

const hang = (name: string, memoryMb: number, options: { readonly poolSize?: number } = {}) =>
  Tool.isolated(name, { input: Ms, module: fixture, export: "hang", memoryMb, ...options })

/** Waits (on the real event loop, whatever the clock) until `ready` holds. */
const until = (ready: () => boolean): Effect.Effect<void> =>
  Effect.suspend(() => ready() ? Effect.void : Effect.zipRight(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))), until(ready)))

/** Samples `count` on every turn of the event loop until interrupted; `most()` is the largest seen. */
const watch = (count: () => number) =>
  Effect.gen(function*() {
    let most = count()
    const fiber = yield* Effect.fork(Effect.forever(Effect.zipRight(
      Effect.sync(() => {
        most = Math.max(most, count())
      }),
      Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    )))
    return { fiber, most: () => most }
  })

const structured = (result: { structuredContent?: unknown }): Limited => result.structuredContent as Limited

describe("the worker bound of shared pools", () => {
  it.scoped("keeps every pool of a manager, whatever its heap limit, within maxWorkers together", () =>
    Effect.gen(function*() {
      const shared = yield* WorkerPool.makeShared({ maxWorkers: 2 })
      const limits = [32, 40, 48]
      const pools = yield* Effect.forEach(limits, (memoryMb) => shared.acquire(memoryMb))
      const sampler = yield* watch(() => shared.workers().live)
      const jobs = Array.from({ length: 30 }, (_, i) => ({ pool: pools[i % 3]!, memoryMb: limits[i % 3]!, ms: 1 + (i % 4) }))
      const answers = yield* Effect.forEach(jobs, (job) => job.pool.run(fixture.href, "limited", { ms: job.ms }), { concurrency: "unbounded" })
      yield* Fiber.interrupt(sampler.fiber)
      // Every job answered, each by a worker with its own pool's heap limit.
      expect(answers.map((answer) => (answer as Limited).value)).toEqual(jobs.map((job) => job.ms))
      expect(answers.map((answer) => (answer as Limited).memoryMb)).toEqual(jobs.map((job) => job.memoryMb))
      const workers = shared.workers()
      expect(workers).toMatchObject({ maxWorkers: 2, waiting: 0 })
      expect(workers.peak).toBeLessThanOrEqual(2)
      expect(sampler.most()).toBeLessThanOrEqual(2)
      expect(workers.live).toBeLessThanOrEqual(2)
      // Three limits on two workers: idle workers of one limit made room for another's.
      expect(workers.retired).toBeGreaterThan(0)
      const stats = pools.map((pool) => pool.stats())
      expect(stats.every((s) => s.started >= 1 && s.waiting === 0)).toBe(true)
      expect(stats.reduce((sum, s) => sum + s.live.length, 0)).toBe(workers.live)
      expect(stats.reduce((sum, s) => sum + s.started - s.exited, 0)).toBe(workers.live)
    }), { timeout: 60_000 })

  it.scoped("lets a limit without workers wait for at most a turn of younger jobs of another limit", () =>
    Effect.gen(function*() {
      const shared = yield* WorkerPool.makeShared({ maxWorkers: 1 })
      const [a, b] = yield* Effect.forEach([32, 48], (memoryMb) => shared.acquire(memoryMb))
      const order: Array<string> = []
      const run = (label: string, pool: WorkerPool.WorkerPool, ms: number) =>
        Effect.fork(Effect.tap(pool.run(fixture.href, "limited", { ms }), () => Effect.sync(() => order.push(label))))
      // In this order: a1 (running), b (waiting, no worker), then younger jobs of a's limit.
      const a1 = yield* run("a1", a!, 100)
      yield* until(() => a!.stats().started === 1)
      const b1 = yield* run("b", b!, 1)
      yield* until(() => b!.stats().waiting === 1)
      const younger = yield* Effect.forEach(Array.from({ length: WorkerPool.turn + 8 }, () => "a"), (label) => run(label, a!, 1))
      yield* Fiber.join(Fiber.zip(a1, b1))
      yield* Fiber.joinAll(younger)
      // a1, then a turn of younger jobs on a's warm worker, then b, then the rest of a's.
      expect(order.indexOf("b")).toBe(1 + WorkerPool.turn)
      expect(order.length).toBe(WorkerPool.turn + 10)
      expect(a!.stats().started).toBe(2)
      expect(b!.stats().started).toBe(1)
      expect(shared.workers()).toMatchObject({ peak: 1, retired: 2, waiting: 0 })
    }), { timeout: 60_000 })

  it.scoped("evens out the workers of two limits with jobs waiting, then keeps them (idle ones included)", () =>
    Effect.gen(function*() {
      const shared = yield* WorkerPool.makeShared({ maxWorkers: 4 })
      const [a, b] = yield* Effect.forEach([32, 48], (memoryMb) => shared.acquire(memoryMb))
      const first = yield* Effect.forEach([1, 2, 3, 4], () => Effect.fork(a!.run(fixture.href, "limited", { ms: 100 })))
      yield* until(() => a!.stats().started === 4)
      // Jobs of the other limit that never end: its demand lasts, whenever the first four end.
      const hung = yield* Effect.forEach([1, 2, 3, 4], () => Effect.forkScoped(b!.run(fixture.href, "hang", {})))
      yield* Effect.forEach(first, Fiber.join)
      yield* until(() => b!.stats().live.length === 2 && a!.stats().live.length === 2)
      expect(a!.stats()).toMatchObject({ started: 4, exited: 2, waiting: 0 })
      expect(b!.stats()).toMatchObject({ started: 2, waiting: 2 })
      expect(shared.workers()).toMatchObject({ live: 4, busy: 2, retired: 2, peak: 4 })
      // Two of a's workers stay idle: b does not have two fewer workers than a, so its jobs wait for its own.
      const again = yield* a!.run(fixture.href, "limited", { ms: 1 })
      expect(a!.stats().live).toContain((again as Limited).threadId)
      expect(a!.stats().started).toBe(4)
      yield* Fiber.interruptAll(hung)
      expect(shared.workers()).toMatchObject({ busy: 0, waiting: 0, retired: 2 })
    }), { timeout: 60_000 })

  it.scoped("keeps three limits of isolated tools in a manager within maxWorkers; every call answered", () =>
    Effect.gen(function*() {
      const tools = [limited("small", 32), limited("medium", 40), limited("large", 48)]
      const manager = yield* ToolManager.make({ isolation: { maxWorkers: 2 } })
      yield* manager.registerAll(tools)
      const pools = tools.map((tool) => [...tool.pools][0]!)
      expect(new Set(pools).size).toBe(3)
      const sampler = yield* watch(() => pools[0]!.workers().live)
      const calls = Array.from({ length: 36 }, (_, i) => ({ name: tools[i % 3]!.name, memoryMb: [32, 40, 48][i % 3]!, ms: 1 + (i % 5) }))
      const results = yield* Effect.forEach(calls, (call) => manager.call(call.name, { ms: call.ms }), { concurrency: "unbounded" })
      yield* Fiber.interrupt(sampler.fiber)
      expect(results.every((result) => result.isError === undefined)).toBe(true)
      expect(results.map((result) => structured(result).memoryMb)).toEqual(calls.map((call) => call.memoryMb))
      const workers = pools[0]!.workers()
      expect(workers.peak).toBeLessThanOrEqual(2)
      expect(sampler.most()).toBeLessThanOrEqual(2)
      expect(workers.waiting).toBe(0)
      expect(pools.reduce((sum, pool) => sum + pool.stats().live.length, 0)).toBeLessThanOrEqual(2)
    }), { timeout: 60_000 })

  it.scoped("a call waiting for a worker honours its timeout and its cancellation, then leaves the queue", () =>
    Effect.gen(function*() {
      const busy = hang("busy", 32)
      const waiting = limited("waiting", 48, { timeoutMs: 1000 })
      const patient = limited("patient", 48)
      const manager = yield* ToolManager.make({ isolation: { maxWorkers: 1 } })
      yield* manager.registerAll([busy, waiting, patient])
      const workers = () => [...busy.pools][0]!.workers()
      const large = [...waiting.pools][0]!
      // Scoped: interrupted before the manager closes, whatever happens (its drain waits on the TestClock).
      const hung = yield* Effect.forkScoped(manager.call("busy", { ms: 0 }))
      yield* until(() => workers().live === 1)

      const timed = yield* Effect.fork(manager.call("waiting", { ms: 1 }))
      yield* until(() => workers().waiting === 1)
      yield* TestClock.adjust(1000)
      const result = yield* Fiber.join(timed)
      expect(result.isError).toBe(true)
      expect(result._meta?.["machine-context/error"]).toMatchObject({ error: "ToolTimeout", timeoutMs: 1000 })
      expect(workers()).toMatchObject({ live: 1, waiting: 0 })
      expect(large.stats()).toMatchObject({ started: 0, waiting: 0 })

      const cancelled = yield* Effect.fork(manager.call("patient", { ms: 1 }))
      yield* until(() => workers().waiting === 1)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(cancelled))).toBe(true)
      expect(workers()).toMatchObject({ live: 1, waiting: 0 })
      expect(large.stats().started).toBe(0)

      // Once the hung call is cancelled (its worker terminated), the other limit gets the slot.
      expect(Exit.isInterrupted(yield* Fiber.interrupt(hung))).toBe(true)
      const answered = yield* manager.call("patient", { ms: 1 })
      expect(structured(answered)).toMatchObject({ value: 1, memoryMb: 48 })
      expect(large.stats()).toMatchObject({ started: 1, live: [structured(answered).threadId] })
      expect(workers()).toMatchObject({ live: 1, peak: 1 })
    }), { timeout: 60_000 })

  it.scoped("the queue is bounded by the manager's concurrency limit: calls beyond it are refused as overloaded", () =>
    Effect.gen(function*() {
      const tool = hang("hang", 32, { poolSize: 3 })
      const manager = yield* ToolManager.make({ isolation: { maxWorkers: 1 }, maxConcurrency: 3, retryAfterMs: 250 })
      yield* manager.register(tool)
      const pool = [...tool.pools][0]!
      const admitted = yield* Effect.forEach([1, 2, 3], () => Effect.forkScoped(manager.call("hang", { ms: 0 })))
      yield* until(() => pool.workers().live === 1 && pool.workers().waiting === 2)
      const refused = yield* Effect.flip(manager.call("hang", { ms: 0 }))
      expect(refused).toMatchObject({ code: -32000, data: { retryAfterMs: 250 } })
      expect(pool.workers()).toMatchObject({ live: 1, waiting: 2 })
      yield* Fiber.interruptAll(admitted)
      yield* until(() => pool.workers().live === 0)
      expect(pool.workers().waiting).toBe(0)
      expect(pool.stats().started).toBe(1)
    }), { timeout: 60_000 })
})

describe("an isolated tool in several managers", () => {
  it.effect("runs each manager's calls in that manager's pool; closing one manager leaves the other working", () =>
    Effect.gen(function*() {
      const tool = limited("shared", 32, { poolSize: 4 })
      const oneScope = yield* Scope.make()
      const twoScope = yield* Scope.make()
      const one = yield* Scope.extend(ToolManager.make({ isolation: { maxWorkers: 1 } }), oneScope)
      const two = yield* Scope.extend(ToolManager.make({ isolation: { maxWorkers: 3 } }), twoScope)
      yield* Scope.extend(one.register(tool), oneScope)
      const poolOne = [...tool.pools][0]!
      yield* Scope.extend(two.register(tool), twoScope)
      const poolTwo = [...tool.pools].find((pool) => pool !== poolOne)!
      expect(poolOne.size).toBe(1)
      expect(poolTwo.size).toBe(3)

      const threadsOf = (results: ReadonlyArray<{ structuredContent?: unknown }>) => new Set(results.map((result) => structured(result).threadId))
      const throughTwo = yield* Effect.forEach([1, 2, 3, 4, 5, 6], () => two.call("shared", { ms: 20 }), { concurrency: "unbounded" })
      expect(throughTwo.every((result) => result.isError === undefined)).toBe(true)
      expect([...threadsOf(throughTwo)].every((id) => poolTwo.stats().live.includes(id))).toBe(true)
      expect(poolOne.stats().started).toBe(0)
      expect(poolTwo.workers().peak).toBeLessThanOrEqual(3)

      const startedInTwo = poolTwo.stats().started
      const throughOne = yield* Effect.forEach([1, 2, 3, 4], () => one.call("shared", { ms: 5 }), { concurrency: "unbounded" })
      expect(throughOne.every((result) => result.isError === undefined)).toBe(true)
      expect(poolOne.stats()).toMatchObject({ started: 1, exited: 0 })
      expect([...threadsOf(throughOne)]).toEqual(poolOne.stats().live)
      expect(poolOne.workers().peak).toBe(1)
      expect(poolTwo.stats().started).toBe(startedInTwo)

      yield* Scope.close(oneScope, Exit.void)
      expect(poolOne.stats()).toMatchObject({ started: 1, exited: 1, live: [] })
      expect([...tool.pools]).toEqual([poolTwo])
      const after = yield* two.call("shared", { ms: 1 })
      expect(after.isError).toBeUndefined()
      expect(poolTwo.stats().live).toContain(structured(after).threadId)
      yield* Scope.close(twoScope, Exit.void)
      expect(tool.pools.size).toBe(0)
      expect(poolTwo.stats().live).toEqual([])
    }), { timeout: 60_000 })
})
