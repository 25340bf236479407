/**
 * Pools of `node:worker_threads` workers that run exported functions of ES modules in
 * isolation: each worker has `resourceLimits` (its heap). A worker that crashes, runs out of
 * memory, exits or throws keeps nothing: the job fails with an `IsolationError` and the worker
 * is terminated (the next job gets a fresh one). An interrupted job (timeout, cancellation)
 * terminates its worker; an interrupted job still waiting for a worker just leaves the queue.
 * Closing a pool's Scope terminates its workers and waits for their exit.
 *
 * Pools that share a bound (`makeShared`: one pool per heap limit, the pools of one
 * `ToolManager`) have at most `maxWorkers` workers alive together, whatever their limits: a
 * worker counts from its start until its thread has exited. Each pool serves its calls in
 * arrival order with its own workers, which stay for its next calls. A free slot goes to the
 * pool with calls waiting that has the fewest workers (ties: the oldest call). A worker that is
 * free (idle, or just done) is terminated to make room for a pool with calls waiting when that
 * pool has no worker and either the worker's own pool has no call waiting or `turn` younger
 * calls of other pools have started meanwhile (limits take turns when there are more of them
 * than `maxWorkers`, each turn paying for a thread's restart), or when that pool has at least
 * two fewer workers (shares even out, and do not swing back and forth). No call waits for
 * anything but a running call's end or a thread's exit, and a pool without workers waits at
 * most a turn, so nothing deadlocks or starves. The queues hold only calls already admitted by
 * the pipeline, so they are bounded by the manager's concurrency limits (beyond them calls are
 * refused as overloaded).
 *
 * @example
 * ```ts
 * const pool = yield* WorkerPool.make({ size: 2, memoryMb: 64 })
 * const value = yield* pool.run(new URL("./heavy.js", import.meta.url).href, "run", { n: 3 })
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { availableParallelism } from "node:os"
import { Bound, closedError } from "./WorkerBound.js"
import type { IsolationError } from "./errors.js"

export { IsolationError, Reason } from "./errors.js"
export { turn } from "./WorkerBound.js"

/** The pool's options. */
export interface Options {
  /** Workers alive at once. Default 2. */
  readonly size?: number | undefined
  /** Old-generation heap limit of each worker (MiB). Default 256. */
  readonly memoryMb?: number | undefined
}

/** What one pool did so far: workers started and exited, the thread ids alive now, jobs waiting for a worker. */
export interface Stats {
  readonly started: number
  readonly exited: number
  readonly live: ReadonlyArray<number>
  readonly waiting: number
}

/** The workers of every pool under one bound (a manager's): alive now, running a job now, the most alive at once so far, jobs waiting, idle workers terminated to make room for another pool's. */
export interface Workers {
  readonly maxWorkers: number
  readonly live: number
  readonly busy: number
  readonly peak: number
  readonly waiting: number
  readonly retired: number
}

/** A pool of workers with one heap limit. */
export interface WorkerPool {
  /** Workers alive at once at most (shared with the pools under the same bound). */
  readonly size: number
  readonly memoryMb: number
  /** Runs `exportName` of the module at `moduleUrl` on `input` (JSON) in a worker; its JSON result. */
  readonly run: (moduleUrl: string, exportName: string, input: unknown) => Effect.Effect<unknown, IsolationError>
  readonly stats: () => Stats
  /** The accounting of the bound this pool shares. */
  readonly workers: () => Workers
}

/** Makes a pool under `bound` in the current Scope; closing it terminates its workers. */
const makeUnder = (bound: Bound, memoryMb: number): Effect.Effect<WorkerPool, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pool = bound.pool(memoryMb)
    yield* Effect.addFinalizer(() => Effect.suspend(() => bound.close(pool)))
    return {
      size: bound.max,
      memoryMb,
      run: (moduleUrl, exportName, input) =>
        Effect.async<unknown, IsolationError>((resume) => {
          if (pool.closed) return resume(Effect.fail(closedError()))
          return bound.submit(pool, { moduleUrl, exportName, input }, resume)
        }),
      stats: () => ({ started: pool.started, exited: pool.exited, live: [...pool.live.keys()], waiting: pool.queue.length }),
      workers: () => bound.workers()
    }
  })

/** Makes a pool with a bound of its own (`size` workers) in the current Scope; closing it terminates the workers. */
export const make = (options: Options = {}): Effect.Effect<WorkerPool, never, Scope.Scope> =>
  Effect.suspend(() => makeUnder(new Bound(Math.max(1, options.size ?? 2)), options.memoryMb ?? 256))

/** Pools shared by heap limit, under one bound. */
export interface Shared {
  /** Workers of all the pools together at most. */
  readonly maxWorkers: number
  /** The pool for `memoryMb`, shared with every other holder of the same limit; held until the Scope closes (the last holder's closing terminates it). */
  readonly acquire: (memoryMb: number) => Effect.Effect<WorkerPool, never, Scope.Scope>
  /** The accounting of the bound: workers alive, the most alive at once, jobs waiting. */
  readonly workers: () => Workers
}

/** The shared pools of a `ToolManager`, which provides them to its tools' `init`. */
export class WorkerPools extends Context.Tag("machine-context/WorkerPools")<WorkerPools, Shared>() {}

/** Options of shared pools. */
export interface SharedOptions {
  /** Workers of all the pools (one per heap size) together at most. Default: the machine's available parallelism. */
  readonly maxWorkers?: number | undefined
}

interface Held {
  readonly pool: WorkerPool
  readonly scope: Scope.CloseableScope
  holders: number
}

/** Makes shared pools in the current Scope: pools are made on first use, terminated when their last holder lets go or the Scope closes. */
export const makeShared = (options: SharedOptions = {}): Effect.Effect<Shared, never, Scope.Scope> =>
  Effect.gen(function*() {
    const parent = yield* Effect.scope
    const bound = new Bound(Math.max(1, options.maxWorkers ?? availableParallelism()))
    const lock = yield* Effect.makeSemaphore(1)
    const held = new Map<number, Held>()
    const hold = (memoryMb: number): Effect.Effect<Held> =>
      lock.withPermits(1)(Effect.gen(function*() {
        let entry = held.get(memoryMb)
        if (entry === undefined) {
          const scope = yield* Scope.fork(parent, ExecutionStrategy.sequential)
          entry = { pool: yield* Scope.extend(makeUnder(bound, memoryMb), scope), scope, holders: 0 }
          held.set(memoryMb, entry)
        }
        entry.holders++
        return entry
      }))
    const release = (memoryMb: number, entry: Held): Effect.Effect<void> =>
      lock.withPermits(1)(Effect.suspend(() => {
        if (--entry.holders > 0) return Effect.void
        held.delete(memoryMb)
        return Scope.close(entry.scope, Exit.void)
      }))
    return {
      maxWorkers: bound.max,
      acquire: (memoryMb) => Effect.map(Effect.acquireRelease(hold(memoryMb), (entry) => release(memoryMb, entry)), (entry) => entry.pool),
      workers: () => bound.workers()
    }
  })
