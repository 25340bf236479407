/**
 * Durability of the SQLite store's commits, off the main thread. SQLite runs with
 * `synchronous = NORMAL`: a COMMIT writes its frames to the write-ahead log (`write()`, the
 * kernel holds them) without syncing. The store then syncs the WAL file itself with
 * `fdatasync` on libuv's thread pool, and a commit is acknowledged only once a sync that began
 * after its COMMIT has completed: what `synchronous = FULL` does inside COMMIT, without blocking
 * the event loop for the disk. The writer meanwhile applies the next batch, so the CPU of one
 * transaction overlaps the sync of the previous one.
 *
 * At most `maxInFlight` syncs run at once; transactions committed meanwhile wait together for
 * the next one (one sync then covers them all). Outcomes are reported in commit order: a
 * transaction is acknowledged only when every earlier one is. A failed sync leaves what the
 * kernel holds of the WAL in doubt, and the kernel reports such an error only once: the failure
 * is sticky, every transaction not yet acknowledged and every later one fails with it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { PersistenceError } from "../ContextStore.js"

/** Syncs the WAL file to disk, then calls back (with the error when it failed). */
export type SyncFile = (callback: (error: unknown) => void) => void

/** Called once a transaction is durable (`undefined`) or cannot be (the error). */
export type Settle = (error: PersistenceError | undefined) => void

/** The durability of committed transactions. */
export interface WalSync {
  /** Registers a transaction that has just committed; `settle` is called once it is durable. */
  readonly afterCommit: (settle: Settle) => void
  /** Waits until every transaction registered so far is settled (durable or failed). */
  readonly settled: Effect.Effect<void>
  /** Makes everything committed so far durable (a sync that begins now), or fails. */
  readonly sync: Effect.Effect<void, PersistenceError>
  /** The sticky failure of an earlier sync, if any. */
  readonly failure: () => PersistenceError | undefined
}

interface Group {
  readonly settles: ReadonlyArray<Settle>
  /** The number of transactions registered when this group's sync began. */
  readonly through: number
  done: boolean
  error: unknown
}

/** Acknowledges at once: nothing to sync (`synchronous = "normal"`, or a database in memory). */
export const immediate: WalSync = {
  afterCommit: (settle) => settle(undefined),
  settled: Effect.void,
  sync: Effect.void,
  failure: () => undefined
}

/**
 * Tracks durability with `syncFile`, at most `maxInFlight` syncs at once (4: the size of libuv's
 * thread pool; more syncs under way means a commit rarely waits for a free one).
 */
export const make = (syncFile: SyncFile, maxInFlight = 4): WalSync => {
  let waiting: Array<Settle> = []
  const inFlight: Array<Group> = []
  let running = 0
  let registered = 0
  let settledThrough = 0
  let failure: PersistenceError | undefined
  let waiters: Array<{ readonly through: number; readonly resume: () => void }> = []

  const drain = () => {
    while (inFlight.length > 0 && inFlight[0].done) {
      const group = inFlight.shift()!
      if (group.error !== undefined && failure === undefined) {
        const detail = group.error instanceof Error ? group.error.message : String(group.error)
        failure = new PersistenceError({ reason: "Io", message: `the write-ahead log could not be synced: ${detail}` })
      }
      for (const settle of group.settles) settle(failure)
      settledThrough = group.through
    }
    if (waiters.length === 0) return
    const ready = waiters.filter((waiter) => waiter.through <= settledThrough)
    waiters = waiters.filter((waiter) => waiter.through > settledThrough)
    for (const waiter of ready) waiter.resume()
  }

  const start = () => {
    if (running >= maxInFlight || waiting.length === 0) return
    const group: Group = { settles: waiting, through: registered, done: false, error: undefined }
    waiting = []
    inFlight.push(group)
    running++
    syncFile((error) => {
      running--
      group.done = true
      group.error = error ?? undefined
      drain()
      start()
    })
  }

  const afterCommit = (settle: Settle) => {
    registered++
    waiting.push(settle)
    start()
  }

  const settled = Effect.async<void>((resume) => {
    const through = registered
    if (settledThrough >= through) return resume(Effect.void)
    waiters.push({ through, resume: () => resume(Effect.void) })
  })

  const sync = Effect.async<void, PersistenceError>((resume) =>
    afterCommit((error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
  )

  return { afterCommit, settled, sync, failure: () => failure }
}
