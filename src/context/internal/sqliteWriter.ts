/**
 * Group commit for the SQLite store. Commits wait in a queue; one writer fiber takes every
 * commit waiting (up to `maxBatch`) and applies them in one transaction, in the order they were
 * submitted; each caller is answered once that transaction is durable (`WalSync`: the WAL synced
 * after its COMMIT). The writer goes on with the next batch while the sync runs. Consecutive
 * puts of a batch go into multi-row statements.
 *
 * When a batch fails, its members are retried each in a transaction of its own, so one bad
 * commit fails alone and every commit stays atomic; a `Locked` database fails the whole batch
 * at once (retrying would wait out the busy timeout once per member).
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import type * as Scope from "effect/Scope"
import { PersistenceError } from "../ContextStore.js"
import type { HeadRow, HistoryRow } from "./sqliteRows.js"
import { headColumns, historyColumns } from "./sqliteRows.js"
import { toPersistenceError } from "./sqliteSchema.js"
import type { WalSync } from "./walSync.js"

/** One row-level change, ready to write. */
export type Op =
  | {
    readonly _tag: "Put"
    readonly head: HeadRow
    readonly entry: HistoryRow
    /** History entries up to this version are pruned (0: none). */
    readonly pruneTo: number
  }
  | { readonly _tag: "Delete"; readonly id: string }

interface Pending {
  readonly ops: ReadonlyArray<Op>
  /** Answers the caller (an `Effect.async` callback: cheaper than a Deferred per commit). */
  readonly done: (outcome: Effect.Effect<void, PersistenceError>) => void
}

/** The writer of a store. */
export interface Writer {
  /** Applies `ops` atomically, in a batch with whatever else is waiting; succeeds once durable. */
  readonly submit: (ops: ReadonlyArray<Op>) => Effect.Effect<void, PersistenceError>
  /** Whether the store is closed (its scope ended). */
  readonly isClosed: () => boolean
}

/** Commits per SQLite transaction, failed ones and the retries of their members included. */
export const commitsPerTransaction = Metric.histogram(
  "machine_context_store_commits_per_transaction",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 12 }),
  "commits sharing one SQLite transaction (group commit)"
)

/** Rows per multi-row statement (SQLite allows 32,766 parameters per statement). */
const ROWS_PER_STATEMENT = 256

const placeholders = (rows: number, columns: number) => {
  const row = `(${Array(columns).fill("?").join(", ")})`
  return Array(rows).fill(row).join(", ")
}

const upsertHeads = (rows: ReadonlyArray<HeadRow>) =>
  `INSERT INTO heads (${headColumns.join(", ")}) VALUES ${placeholders(rows.length, headColumns.length)}
   ON CONFLICT (id) DO UPDATE SET ${headColumns.filter((c) => c !== "id").map((c) => `${c} = excluded.${c}`).join(", ")}`

const insertHistory = (rows: ReadonlyArray<HistoryRow>) =>
  `INSERT INTO history (${historyColumns.join(", ")}) VALUES ${placeholders(rows.length, historyColumns.length)}`

const pruneHistory = (rows: number) =>
  `DELETE FROM history WHERE seq IN (
     SELECT h.seq FROM (VALUES ${placeholders(rows, 2)}) AS p
     JOIN history AS h ON h.id = p.column1 AND h.version <= p.column2)`

const chunksOf = <A>(items: ReadonlyArray<A>): ReadonlyArray<ReadonlyArray<A>> => {
  const chunks: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) chunks.push(items.slice(i, i + ROWS_PER_STATEMENT))
  return chunks
}

/** The values of `rows`, row after row, column after column (the hot path of a batch: plain loops). */
const parameters = <Row>(rows: ReadonlyArray<Row>, columns: ReadonlyArray<keyof Row>) => {
  const values: Array<unknown> = []
  for (const row of rows) for (const column of columns) values.push(row[column])
  return values
}

const writePuts = (sql: SqlClient.SqlClient, puts: ReadonlyArray<Extract<Op, { _tag: "Put" }>>) =>
  Effect.forEach(chunksOf(puts), (chunk) => {
    const heads = chunk.map((put) => put.head)
    const entries = chunk.map((put) => put.entry)
    const prunes = chunk.filter((put) => put.pruneTo > 0)
    return Effect.all([
      sql.unsafe(upsertHeads(heads), parameters(heads, headColumns)),
      sql.unsafe(insertHistory(entries), parameters(entries, historyColumns)),
      prunes.length === 0
        ? Effect.void
        : sql.unsafe(pruneHistory(prunes.length), prunes.flatMap((put) => [put.head.id, put.pruneTo]))
    ], { discard: true })
  }, { discard: true })

/** Applies `ops` in order: runs of puts in multi-row statements, deletes one by one. */
const applyOps = (sql: SqlClient.SqlClient, ops: ReadonlyArray<Op>) =>
  Effect.suspend(() => {
    const steps: Array<Effect.Effect<unknown, unknown>> = []
    let run: Array<Extract<Op, { _tag: "Put" }>> = []
    const flush = () => {
      if (run.length > 0) steps.push(writePuts(sql, run))
      run = []
    }
    for (const op of ops) {
      if (op._tag === "Put") {
        run.push(op)
        continue
      }
      flush()
      steps.push(sql`DELETE FROM history WHERE id = ${op.id}`, sql`DELETE FROM heads WHERE id = ${op.id}`)
    }
    flush()
    return Effect.all(steps, { discard: true })
  })

/**
 * Lets Node's event loop turn. better-sqlite3 is synchronous and a batch resumes its callers on
 * microtasks: without this, writers committing back to back would keep timers and I/O waiting
 * (Effect's scheduler turns to a timer only every 2048 rounds). It also lets commits gather.
 */
const toEventLoop = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Starts the writer fiber; closing the scope stops taking commits, finishes the queued ones and
 * waits for their syncs.
 */
export const make = (
  sql: SqlClient.SqlClient,
  maxBatch: number,
  durability: WalSync
): Effect.Effect<Writer, never, Scope.Scope> =>
  Effect.gen(function*() {
    // A plain array and one wake-up callback: cheaper per commit than a Queue.
    let waiting: Array<Pending> = []
    let wake: (() => void) | undefined
    let closed = false
    const takeBatch = (): ReadonlyArray<Pending> => {
      if (waiting.length <= maxBatch) {
        const batch = waiting
        waiting = []
        return batch
      }
      return waiting.splice(0, maxBatch)
    }
    const work = Effect.async<void>((resume) => {
      if (waiting.length > 0) return resume(Effect.void)
      wake = () => {
        wake = undefined
        resume(Effect.void)
      }
    })
    // Once there is work, the event loop turns before the batch is taken: the callers resumed by
    // the last sync submit their next commits meanwhile, and they all share one transaction.
    const next = Effect.zipRight(work, Effect.zipRight(toEventLoop, Effect.sync(takeBatch)))
    const enqueue = (pending: Pending) => {
      waiting.push(pending)
      if (wake !== undefined) wake()
    }

    const runBatch = (batch: ReadonlyArray<Pending>): Effect.Effect<void> =>
      Metric.update(commitsPerTransaction, batch.length).pipe(
        Effect.zipRight(sql.withTransaction(applyOps(sql, batch.flatMap((pending) => pending.ops)))),
        Effect.matchCauseEffect({
          onSuccess: () =>
            Effect.sync(() =>
              durability.afterCommit((error) => {
                const outcome = error === undefined ? Effect.void : Effect.fail(error)
                for (const pending of batch) pending.done(outcome)
              })
            ),
          onFailure: (cause) => {
            const error = toPersistenceError(Cause.squash(cause))
            return batch.length > 1 && error.reason !== "Locked"
              ? Effect.forEach(batch, (pending) => runBatch([pending]), { discard: true })
              : Effect.sync(() => batch.forEach((pending) => pending.done(Effect.fail(error))))
          }
        })
      )

    // The writer is never interrupted: closing enqueues `stop` behind the last commit and waits
    // for the writer to reach it.
    const stop: Pending = { ops: [], done: () => {} }
    const loop: Effect.Effect<void> = Effect.flatMap(next, (batch) => {
      const commits = batch.filter((pending) => pending !== stop)
      const run = commits.length === 0 ? Effect.void : runBatch(commits)
      return commits.length < batch.length ? run : Effect.zipRight(run, loop)
    })
    const fiber = yield* Effect.forkDaemon(loop)

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        enqueue(stop)
        return Effect.zipRight(Fiber.await(fiber), durability.settled)
      })
    )

    const closedError = new PersistenceError({ reason: "Closed", message: "the store is closed" })
    // Checked and offered in one synchronous step: the finalizer cannot slip in between. An
    // interrupted caller is not answered; its commit still runs (it may or may not be durable).
    const submit = (ops: ReadonlyArray<Op>) =>
      Effect.async<void, PersistenceError>((done) => {
        if (closed) return done(Effect.fail(closedError))
        const failure = durability.failure()
        if (failure !== undefined) return done(Effect.fail(failure))
        enqueue({ ops, done })
      })

    return { submit, isClosed: () => closed }
  })
