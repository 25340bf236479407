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
 * worker counts from its start until its thread has exited. Jobs are served in arrival order
 * (one queue for all the pools): the first waiting job gets an idle worker of its pool, else a
 * new one while the bound allows, else the idle worker of another pool that has waited longest
 * is terminated to make room for it (it starts once that thread has exited); otherwise it
 * waits for a worker to finish. A later job never takes what an earlier one is waiting for.
 * The queue holds only calls already admitted by the pipeline, so it is bounded by the
 * manager's concurrency limits (beyond them calls are refused as overloaded).
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
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { availableParallelism } from "node:os"
import { Worker } from "node:worker_threads"

/** Why an isolated job failed. */
export const Reason = Schema.Literal("exception", "crash", "exit", "outOfMemory", "closed")

/** An isolated job failed: its function threw, or its worker crashed, exited, ran out of memory or was closed. */
export class IsolationError extends Schema.TaggedError<IsolationError>()("IsolationError", {
  reason: Reason,
  message: Schema.String
}) {}

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

// The worker's bootstrap, evaluated as a script (works the same from `src/` and `dist/`).
const bootstrap = `
const { parentPort } = require("node:worker_threads")
const modules = new Map()
parentPort.on("message", async ({ moduleUrl, exportName, input }) => {
  try {
    let loaded = modules.get(moduleUrl)
    if (loaded === undefined) { loaded = import(moduleUrl); modules.set(moduleUrl, loaded) }
    const fn = (await loaded)[exportName]
    if (typeof fn !== "function") throw new Error("module " + moduleUrl + " exports no function " + exportName)
    parentPort.postMessage({ ok: true, value: await fn(input) })
  } catch (error) {
    parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) })
  }
})
`

type Reply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

/** One pool's state. */
interface Pool {
  readonly memoryMb: number
  readonly live: Map<number, Entry>
  started: number
  exited: number
  waiting: number
  closed: boolean
}

/** A worker alive (from its start until its exit). */
interface Entry {
  readonly worker: Worker
  readonly pool: Pool
  retiring: boolean
}

/** A job, from its arrival until its answer (`detach`: once running, stops listening to its worker). */
interface Job {
  readonly pool: Pool
  readonly message: unknown
  readonly resume: (effect: Effect.Effect<unknown, IsolationError>) => void
  entry: Entry | undefined
  done: boolean
  detach: () => void
}

const terminate = (worker: Worker): Effect.Effect<void> => Effect.promise(() => worker.terminate().then(() => undefined, () => undefined))

const closedError = () => new IsolationError({ reason: "closed", message: "the worker pool is closed" })

/** The bound shared by pools: workers alive, idle ones (longest idle first), and the queue of jobs waiting for a worker. */
class Bound {
  live = 0
  busy = 0
  peak = 0
  retiring = 0
  retired = 0
  private readonly idle: Array<Entry> = []
  private readonly queue: Array<Job> = []

  constructor(readonly max: number) {}

  workers(): Workers {
    return { maxWorkers: this.max, live: this.live, busy: this.busy, peak: this.peak, waiting: this.queue.length, retired: this.retired }
  }

  /** Runs `message` in a worker of `pool` (waiting in the queue for one); the canceler of an interrupted job. */
  submit(pool: Pool, message: unknown, resume: Job["resume"]): Effect.Effect<void> {
    const job: Job = { pool, message, resume, entry: undefined, done: false, detach: () => {} }
    this.queue.push(job)
    pool.waiting++
    this.pump()
    return Effect.suspend(() => this.cancel(job))
  }

  /**
   * Serves the queue in order: each job gets an idle worker of its pool or a new one; a job
   * that cannot is covered by a retirement under way, or retires the idle worker that has
   * waited longest. The first job nothing can serve stops the walk (later ones wait behind it).
   */
  private pump(): void {
    let covered = this.retiring
    let at = 0
    while (at < this.queue.length) {
      const job = this.queue[at]!
      const entry = this.takeIdle(job.pool) ?? (this.live < this.max ? this.spawn(job.pool) : undefined)
      if (entry instanceof IsolationError) {
        this.dequeue(at)
        job.done = true
        job.resume(Effect.fail(entry))
      } else if (entry !== undefined) {
        this.dequeue(at)
        this.start(job, entry)
      } else if (covered > 0) {
        covered--
        at++
      } else {
        const victim = this.idle.shift()
        if (victim === undefined) return
        victim.retiring = true
        this.retiring++
        this.retired++
        victim.worker.terminate().catch(() => undefined)
        at++
      }
    }
  }

  private dequeue(at: number): void {
    this.queue[at]!.pool.waiting--
    this.queue.splice(at, 1)
  }

  private takeIdle(pool: Pool): Entry | undefined {
    for (let at = this.idle.length - 1; at >= 0; at--) {
      if (this.idle[at]!.pool === pool) return this.idle.splice(at, 1)[0]
    }
    return undefined
  }

  /** Starts a worker in `pool`; the error when its thread cannot start. */
  private spawn(pool: Pool): Entry | IsolationError {
    let worker: Worker
    try {
      worker = new Worker(bootstrap, {
        eval: true,
        resourceLimits: { maxOldGenerationSizeMb: pool.memoryMb, maxYoungGenerationSizeMb: Math.max(1, Math.min(16, pool.memoryMb / 4)) }
      })
    } catch (error) {
      return new IsolationError({ reason: "crash", message: `isolated worker could not start: ${error instanceof Error ? error.message : String(error)}` })
    }
    const entry: Entry = { worker, pool, retiring: false }
    const threadId = worker.threadId
    pool.started++
    pool.live.set(threadId, entry)
    this.peak = Math.max(this.peak, ++this.live)
    worker.once("exit", () => {
      pool.exited++
      pool.live.delete(threadId)
      this.live--
      if (entry.retiring) this.retiring--
      const at = this.idle.indexOf(entry)
      if (at >= 0) this.idle.splice(at, 1)
      this.pump()
    })
    // An idle worker that fails is dropped by its exit; a busy one's job reports it.
    worker.on("error", () => {})
    return entry
  }

  /** Posts `job` to `entry`'s worker and answers it with the worker's reply, failure or exit. */
  private start(job: Job, entry: Entry): void {
    const worker = entry.worker
    job.entry = entry
    const answer = (effect: Effect.Effect<unknown, IsolationError>) => {
      job.detach()
      job.done = true
      job.resume(effect)
    }
    const onMessage = (reply: Reply) => {
      if (!reply.ok) return answer(Effect.zipRight(terminate(worker), Effect.fail(new IsolationError({ reason: "exception", message: reply.message }))))
      answer(Effect.succeed(reply.value))
      this.release(entry)
    }
    const onError = (error: Error & { code?: string }) => {
      const reason = error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "outOfMemory" : "crash"
      answer(Effect.zipRight(terminate(worker), Effect.fail(new IsolationError({ reason, message: `isolated worker failed: ${error.message}` }))))
    }
    const onExit = (code: number) =>
      answer(Effect.fail(new IsolationError({ reason: entry.pool.closed ? "closed" : "exit", message: `isolated worker exited with code ${code}` })))
    this.busy++
    job.detach = () => {
      this.busy--
      worker.off("message", onMessage)
      worker.off("error", onError)
      worker.off("exit", onExit)
    }
    worker.on("message", onMessage)
    worker.on("error", onError)
    worker.on("exit", onExit)
    worker.postMessage(job.message)
  }

  /** A worker whose job succeeded: to the next job of its pool, or idle (unless its pool is closing: it is being terminated). */
  private release(entry: Entry): void {
    if (entry.pool.closed) return
    this.idle.push(entry)
    this.pump()
  }

  /** An interrupted job: out of the queue, or its worker terminated. */
  private cancel(job: Job): Effect.Effect<void> {
    if (job.done) return Effect.void
    job.done = true
    if (job.entry === undefined) {
      this.dequeue(this.queue.indexOf(job))
      this.pump()
      return Effect.void
    }
    job.detach()
    return terminate(job.entry.worker)
  }

  /** Closes `pool`: its waiting jobs fail, its workers are terminated (awaited). */
  close(pool: Pool): Effect.Effect<void> {
    pool.closed = true
    for (const job of this.queue.filter((job) => job.pool === pool)) {
      this.dequeue(this.queue.indexOf(job))
      job.done = true
      job.resume(Effect.fail(closedError()))
    }
    return Effect.forEach([...pool.live.values()], (entry) => terminate(entry.worker), { concurrency: "unbounded", discard: true })
  }
}

/** Makes a pool under `bound` in the current Scope; closing it terminates its workers. */
const makeUnder = (bound: Bound, memoryMb: number): Effect.Effect<WorkerPool, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pool: Pool = { memoryMb, live: new Map(), started: 0, exited: 0, waiting: 0, closed: false }
    yield* Effect.addFinalizer(() => Effect.suspend(() => bound.close(pool)))
    return {
      size: bound.max,
      memoryMb,
      run: (moduleUrl, exportName, input) =>
        Effect.async<unknown, IsolationError>((resume) => {
          if (pool.closed) return resume(Effect.fail(closedError()))
          return bound.submit(pool, { moduleUrl, exportName, input }, resume)
        }),
      stats: () => ({ started: pool.started, exited: pool.exited, live: [...pool.live.keys()], waiting: pool.waiting }),
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
