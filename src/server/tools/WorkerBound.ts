/**
 * The bound that pools of isolated workers share (a `ToolManager`'s `maxWorkers`): spawning
 * workers, running jobs on them, each pool's queue, and the policy that shares the workers
 * between pools (described in `WorkerPool`). Used by `WorkerPool` only.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { Worker } from "node:worker_threads"
import { IsolationError } from "./errors.js"
import type { Workers } from "./WorkerPool.js"

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

/** One pool's state: its workers, its queue (oldest first), and its share of the bound. */
interface Pool {
  readonly memoryMb: number
  readonly live: Map<number, Entry>
  readonly idle: Array<Entry>
  readonly queue: Array<Job>
  /** Workers alive and not retiring. */
  count: number
  /** Workers of other pools retiring to make room for this one. */
  reserved: number
  /** Calls of other pools younger than its oldest that started while it had calls waiting and no worker. */
  skipped: number
  started: number
  exited: number
  closed: boolean
}

/** A worker alive (from its start until its exit); `retiringFor`: the pool its slot goes to. */
interface Entry {
  readonly worker: Worker
  readonly pool: Pool
  retiringFor: Pool | undefined
}

/** A job, from its arrival until its answer (`detach`: once running, stops listening to its worker). */
interface Job {
  readonly pool: Pool
  readonly seq: number
  readonly message: unknown
  readonly resume: (effect: Effect.Effect<unknown, IsolationError>) => void
  entry: Entry | undefined
  done: boolean
  detach: () => void
}

const terminate = (worker: Worker): Effect.Effect<void> => Effect.promise(() => worker.terminate().then(() => undefined, () => undefined))

/** The failure of a job whose pool is closed. */
export const closedError = () => new IsolationError({ reason: "closed", message: "the worker pool is closed" })

/** A pool's workers, counting those coming to it. */
const share = (pool: Pool): number => pool.count + pool.reserved

/** Younger calls of other limits that a limit with calls waiting and no worker lets start before a free worker makes room for it. */
export const turn = 32

/**
 * Whether a free worker of `from` (idle, or just done) should make room for `to`, a pool with
 * calls waiting: when `to` has no worker and `from` has no call waiting or `to` has let `turn`
 * younger calls start (limits take turns, a restart paid for by a turn's calls), or when `to`
 * has at least two fewer workers (shares even out without swinging back and forth).
 */
const yields = (from: Pool, to: Pool): boolean =>
  share(to) > 0 ? share(to) + 1 < share(from) : from.queue.length === 0 || to.skipped >= turn

/**
 * The bound shared by pools. Each pool serves its own queue in order with its own workers;
 * free slots go to the pool with calls waiting that has the fewest workers (ties: the oldest
 * call); a free worker makes room for another pool as `yields` says, the pool being terminated
 * first (its slot counts until its thread has exited).
 */
export class Bound {
  live = 0
  busy = 0
  peak = 0
  retired = 0
  private seq = 0
  private readonly pools = new Set<Pool>()

  constructor(readonly max: number) {}

  workers(): Workers {
    let waiting = 0
    for (const pool of this.pools) waiting += pool.queue.length
    return { maxWorkers: this.max, live: this.live, busy: this.busy, peak: this.peak, waiting, retired: this.retired }
  }

  /** A new pool under this bound. */
  pool(memoryMb: number): Pool {
    const pool: Pool = { memoryMb, live: new Map(), idle: [], queue: [], count: 0, reserved: 0, skipped: 0, started: 0, exited: 0, closed: false }
    this.pools.add(pool)
    return pool
  }

  /** Runs `message` in a worker of `pool` (waiting in its queue for one); the canceler of an interrupted job. */
  submit(pool: Pool, message: unknown, resume: Job["resume"]): Effect.Effect<void> {
    const job: Job = { pool, seq: this.seq++, message, resume, entry: undefined, done: false, detach: () => {} }
    pool.queue.push(job)
    this.pump()
    return Effect.suspend(() => this.cancel(job))
  }

  /** The pool with calls waiting (not all covered by workers coming to it) and the fewest workers; ties: the oldest call. */
  private neediest(except?: Pool): Pool | undefined {
    let best: Pool | undefined
    for (const pool of this.pools) {
      if (pool === except || pool.queue.length <= pool.reserved) continue
      if (best === undefined || share(pool) < share(best) || (share(pool) === share(best) && pool.queue[0]!.seq < best.queue[0]!.seq)) best = pool
    }
    return best
  }

  /** Own idle workers to own queues, free slots to the neediest pools, idle workers that yield to them. */
  private pump(): void {
    for (const pool of this.pools) {
      while (pool.idle.length > 0 && pool.queue.length > 0) this.start(pool.queue.shift()!, pool.idle.pop()!)
    }
    for (let to = this.neediest(); to !== undefined && this.live < this.max; to = this.neediest()) {
      const job = to.queue.shift()!
      const entry = this.spawn(to)
      if (entry instanceof IsolationError) {
        job.done = true
        job.resume(Effect.fail(entry))
      } else {
        this.start(job, entry)
      }
    }
    for (let to = this.neediest(); to !== undefined; to = this.neediest()) {
      const from = [...this.pools].filter((pool) => pool !== to && pool.idle.length > 0 && yields(pool, to)).sort((a, b) => share(b) - share(a))[0]
      if (from === undefined) return
      this.retire(from.idle.shift()!, to)
    }
  }

  /** Terminates `entry`'s worker to make room for `to` (which the slot goes to once the thread has exited). */
  private retire(entry: Entry, to: Pool): void {
    entry.retiringFor = to
    entry.pool.count--
    to.reserved++
    to.skipped = 0
    this.retired++
    entry.worker.terminate().catch(() => undefined)
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
    const entry: Entry = { worker, pool, retiringFor: undefined }
    const threadId = worker.threadId
    pool.started++
    pool.count++
    pool.skipped = 0
    pool.live.set(threadId, entry)
    this.peak = Math.max(this.peak, ++this.live)
    worker.once("exit", () => {
      pool.exited++
      pool.live.delete(threadId)
      this.live--
      if (entry.retiringFor === undefined) pool.count--
      else entry.retiringFor.reserved--
      const at = pool.idle.indexOf(entry)
      if (at >= 0) pool.idle.splice(at, 1)
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
    for (const pool of this.pools) {
      if (share(pool) === 0 && pool.queue.length > 0 && pool.queue[0]!.seq < job.seq) pool.skipped++
    }
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

  /**
   * A worker whose job succeeded: it makes room for the neediest other pool when it yields to
   * it, else serves its own queue or waits idle (unless its pool is closing: it is being terminated).
   */
  private release(entry: Entry): void {
    if (entry.pool.closed) return
    const to = this.neediest(entry.pool)
    if (to !== undefined && yields(entry.pool, to)) return this.retire(entry, to)
    entry.pool.idle.push(entry)
    this.pump()
  }

  /** An interrupted job: out of its queue, or its worker terminated. */
  private cancel(job: Job): Effect.Effect<void> {
    if (job.done) return Effect.void
    job.done = true
    if (job.entry === undefined) {
      job.pool.queue.splice(job.pool.queue.indexOf(job), 1)
      this.pump()
      return Effect.void
    }
    job.detach()
    return terminate(job.entry.worker)
  }

  /** Closes `pool`: its waiting jobs fail, its workers are terminated (awaited). */
  close(pool: Pool): Effect.Effect<void> {
    pool.closed = true
    this.pools.delete(pool)
    for (const job of pool.queue.splice(0)) {
      job.done = true
      job.resume(Effect.fail(closedError()))
    }
    return Effect.forEach([...pool.live.values()], (entry) => terminate(entry.worker), { concurrency: "unbounded", discard: true })
  }
}
