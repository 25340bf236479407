/**
 * A pool of `node:worker_threads` workers that run exported functions of ES modules in
 * isolation: each worker has `resourceLimits` (its heap), at most `size` run at once, and
 * further jobs wait for a free worker (the pipeline's concurrency limits bound that queue).
 * A worker that crashes, runs out of memory, exits or throws keeps nothing: the job fails
 * with an `IsolationError` and the worker is replaced by a fresh one on the next job. An
 * interrupted job (timeout, cancellation) terminates its worker. Closing the pool's Scope
 * terminates every worker and waits for their exit.
 *
 * `WorkerPools` shares pools: one per resource limits (the heap size), each with at most
 * `maxWorkers` workers, kept while some user holds it. A `ToolManager` has one, through which
 * its isolated tools with the same limits share their workers.
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
  /** Workers running at once. Default 2. */
  readonly size?: number | undefined
  /** Old-generation heap limit of each worker (MiB). Default 256. */
  readonly memoryMb?: number | undefined
}

/** What the pool did so far: workers started and exited, and the thread ids alive now. */
export interface Stats {
  readonly started: number
  readonly exited: number
  readonly live: ReadonlyArray<number>
}

/** A pool of workers. */
export interface WorkerPool {
  readonly size: number
  /** Runs `exportName` of the module at `moduleUrl` on `input` (JSON) in a worker; its JSON result. */
  readonly run: (moduleUrl: string, exportName: string, input: unknown) => Effect.Effect<unknown, IsolationError>
  readonly stats: () => Stats
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

/** Makes a pool in the current Scope; closing it terminates the workers. */
export const make = (options: Options = {}): Effect.Effect<WorkerPool, never, Scope.Scope> =>
  Effect.gen(function*() {
    const size = Math.max(1, options.size ?? 2)
    const memoryMb = options.memoryMb ?? 256
    const permits = yield* Effect.makeSemaphore(size)
    const idle: Array<Worker> = []
    const live = new Map<number, Worker>()
    let started = 0
    let exited = 0
    let closed = false

    const spawn = (): Worker => {
      const worker = new Worker(bootstrap, {
        eval: true,
        resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.max(1, Math.min(16, memoryMb / 4)) }
      })
      const threadId = worker.threadId
      started++
      live.set(threadId, worker)
      worker.once("exit", () => {
        exited++
        live.delete(threadId)
        const at = idle.indexOf(worker)
        if (at >= 0) idle.splice(at, 1)
      })
      // An idle worker that fails is dropped by its exit; a busy one's job reports it.
      worker.on("error", () => {})
      return worker
    }

    const terminate = (worker: Worker): Effect.Effect<void> => Effect.promise(() => worker.terminate().then(() => undefined, () => undefined))

    const job = (worker: Worker, message: unknown): Effect.Effect<unknown, IsolationError> =>
      Effect.async<unknown, IsolationError>((resume) => {
        const cleanup = () => {
          worker.off("message", onMessage)
          worker.off("error", onError)
          worker.off("exit", onExit)
        }
        const onMessage = (reply: Reply) => {
          cleanup()
          if (reply.ok) {
            idle.push(worker)
            resume(Effect.succeed(reply.value))
          } else {
            resume(Effect.zipRight(terminate(worker), Effect.fail(new IsolationError({ reason: "exception", message: reply.message }))))
          }
        }
        const onError = (error: Error & { code?: string }) => {
          cleanup()
          const reason = error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "outOfMemory" : "crash"
          resume(Effect.zipRight(terminate(worker), Effect.fail(new IsolationError({ reason, message: `isolated worker failed: ${error.message}` }))))
        }
        const onExit = (code: number) => {
          cleanup()
          resume(Effect.fail(new IsolationError({ reason: closed ? "closed" : "exit", message: `isolated worker exited with code ${code}` })))
        }
        worker.on("message", onMessage)
        worker.on("error", onError)
        worker.on("exit", onExit)
        worker.postMessage(message)
        return Effect.suspend(() => {
          cleanup()
          return terminate(worker)
        })
      })

    const run = (moduleUrl: string, exportName: string, input: unknown): Effect.Effect<unknown, IsolationError> =>
      permits.withPermits(1)(Effect.suspend(() => {
        if (closed) return Effect.fail(new IsolationError({ reason: "closed", message: "the worker pool is closed" }))
        return job(idle.pop() ?? spawn(), { moduleUrl, exportName, input })
      }))

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        return Effect.forEach([...live.values()], terminate, { concurrency: "unbounded", discard: true })
      })
    )

    return {
      size,
      run,
      stats: () => ({ started, exited, live: [...live.keys()] })
    }
  })

/** Pools shared by resource limits. */
export interface Shared {
  /** Workers of each pool at most. */
  readonly maxWorkers: number
  /** The pool for `memoryMb`, shared with every other holder of the same limits; held until the Scope closes (the last holder's closing terminates it). */
  readonly acquire: (memoryMb: number) => Effect.Effect<WorkerPool, never, Scope.Scope>
}

/** The shared pools of a `ToolManager`, which provides them to its tools' `init`. */
export class WorkerPools extends Context.Tag("machine-context/WorkerPools")<WorkerPools, Shared>() {}

/** Options of shared pools. */
export interface SharedOptions {
  /** Workers of each pool (one pool per heap size) at most. Default: the machine's available parallelism. */
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
    const maxWorkers = Math.max(1, options.maxWorkers ?? availableParallelism())
    const lock = yield* Effect.makeSemaphore(1)
    const held = new Map<number, Held>()
    const hold = (memoryMb: number): Effect.Effect<Held> =>
      lock.withPermits(1)(Effect.gen(function*() {
        let entry = held.get(memoryMb)
        if (entry === undefined) {
          const scope = yield* Scope.fork(parent, ExecutionStrategy.sequential)
          entry = { pool: yield* Scope.extend(make({ size: maxWorkers, memoryMb }), scope), scope, holders: 0 }
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
      maxWorkers,
      acquire: (memoryMb) => Effect.map(Effect.acquireRelease(hold(memoryMb), (entry) => release(memoryMb, entry)), (entry) => entry.pool)
    }
  })
