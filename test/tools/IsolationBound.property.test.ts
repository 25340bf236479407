/**
 * The worker bound as a property: random jobs (answering, throwing, cancelled while waiting
 * or running) on pools of three heap limits under a random `maxWorkers`. Every job ends as it
 * should (answered by a worker of its own limit, a typed failure, or interrupted), no more
 * than `maxWorkers` workers are ever alive, nothing waits at the end, and closing the pools
 * leaves no worker alive.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as WorkerPool from "../../src/server/tools/WorkerPool.js"

const fixture = new URL("./fixtures/isolated.mjs", import.meta.url).href
const limits = [32, 40, 48] as const

type Job = { readonly limit: number; readonly kind: "answer" | "throw" | "cancel"; readonly ms: number }

const job: FastCheck.Arbitrary<Job> = FastCheck.record({
  limit: FastCheck.integer({ min: 0, max: 2 }),
  kind: FastCheck.constantFrom("answer" as const, "answer" as const, "throw" as const, "cancel" as const),
  ms: FastCheck.integer({ min: 1, max: 5 })
})

/** Waits (on the real event loop) until `ready` holds. */
const until = (ready: () => boolean): Effect.Effect<void> =>
  Effect.suspend(() => ready() ? Effect.void : Effect.zipRight(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))), until(ready)))

const exportOf = { answer: "limited", throw: "fail", cancel: "hang" } as const

describe("the worker bound, as a property", () => {
  it.effect.prop("ends every job as it should, within maxWorkers, with nothing left waiting or alive", [
    FastCheck.integer({ min: 1, max: 3 }),
    FastCheck.array(job, { minLength: 1, maxLength: 8 })
  ], ([maxWorkers, jobs]) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const shared = yield* Scope.extend(WorkerPool.makeShared({ maxWorkers }), scope)
      const pools = yield* Scope.extend(Effect.forEach(limits, (memoryMb) => shared.acquire(memoryMb)), scope)
      let most = 0
      let submitted = 0
      const sample = Effect.sync(() => {
        most = Math.max(most, shared.workers().live)
      })
      const fibers = yield* Effect.forEach(jobs, (job) =>
        Effect.fork(Effect.zipRight(
          Effect.zipRight(sample, Effect.sync(() => submitted++)),
          pools[job.limit]!.run(fixture, exportOf[job.kind], { ms: job.ms, n: job.ms })
        )))
      // Cancelled once every job is in: some while they wait, some while they run.
      yield* until(() => submitted === jobs.length)
      yield* Effect.forEach(fibers.filter((_, i) => jobs[i]!.kind === "cancel"), Fiber.interrupt, { discard: true })
      const exits = yield* Effect.forEach(fibers, (fiber) => Effect.zipLeft(Fiber.await(fiber), sample))
      exits.forEach((exit, i) => {
        const { kind, limit, ms } = jobs[i]!
        if (kind === "answer") expect(exit).toMatchObject({ _tag: "Success", value: { value: ms, memoryMb: limits[limit] } })
        if (kind === "throw") expect(Exit.isFailure(exit) && exit.cause).toMatchObject({ _tag: "Fail", error: { _tag: "IsolationError", reason: "exception" } })
        if (kind === "cancel") expect(Exit.isInterrupted(exit)).toBe(true)
      })
      const workers = shared.workers()
      expect(most).toBeLessThanOrEqual(maxWorkers)
      expect(workers.peak).toBeLessThanOrEqual(maxWorkers)
      expect(workers).toMatchObject({ waiting: 0, busy: 0 })
      yield* Scope.close(scope, Exit.void)
      expect(shared.workers().live).toBe(0)
      expect(pools.every((pool) => pool.stats().live.length === 0 && pool.stats().started === pool.stats().exited)).toBe(true)
    }), { timeout: 120_000, fastCheck: { numRuns: 25 } })
})
