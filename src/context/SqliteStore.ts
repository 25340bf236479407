/**
 * The durable `ContextStore`: SQLite (`@effect/sql-sqlite-node`, better-sqlite3) in WAL mode
 * with `synchronous = FULL`, schema migrations run by Effect's Migrator, group commit (one
 * transaction for every commit waiting, see `internal/sqliteWriter`), online backup and atomic
 * restore, and optional AES-256-GCM encryption of values (`Encryption`).
 *
 * A commit is acknowledged once the WAL holding its transaction is synced to disk (the store
 * syncs it off the main thread, see `internal/walSync`), so an acknowledged write survives the
 * death of the process and a power loss (`synchronous: "normal"` trades the power loss for speed).
 *
 * @example
 * ```ts
 * const Store = SqliteStore.layer({
 *   filename: ".machine-context/state.db",
 *   encryptionKey: Redacted.make(process.env.STORE_KEY!) // optional: 32 bytes, hex or base64
 * })
 * const program = Effect.gen(function*() {
 *   const store = yield* ContextStore.ContextStore
 *   yield* store.commit([{ _tag: "Put", record, entry, keepHistory: 100 }])
 * }).pipe(Effect.provide(Store))
 * ```
 *
 * @since 0.2.0
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as Fs from "node:fs/promises"
import type { Service } from "./ContextStore.js"
import { ContextStore, PersistenceError } from "./ContextStore.js"
import * as Encryption from "./Encryption.js"
import { makeCodec } from "./internal/sqliteRows.js"
import { checkKey, isSqliteError, migrate, toPersistenceError } from "./internal/sqliteSchema.js"
import * as Writer from "./internal/sqliteWriter.js"
import { verifyBackup } from "./internal/sqliteRestore.js"
import * as WalSync from "./internal/walSync.js"

/** How the store is opened. */
export interface Options {
  /** The database file (created when missing), or `":memory:"`. */
  readonly filename: string
  /** Encrypts every value with this 32-byte key (raw, 64 hex digits or base64). */
  readonly encryptionKey?: Redacted.Redacted<Uint8Array | string> | undefined
  /** How long a write waits for another process's lock before failing `Locked` [5000]. */
  readonly busyTimeoutMs?: number | undefined
  /** The most commits sharing one transaction [1024]. */
  readonly maxBatch?: number | undefined
  /**
   * When a commit is acknowledged ["full"]. `"full"`: once the WAL is synced to disk (survives a
   * power loss). `"normal"`: once the WAL is written to the operating system, synced only at
   * checkpoints; it survives the death of the process (SIGKILL) but a power loss or an OS crash
   * may lose the last commits (never the consistency of the file). No sync per transaction, so
   * many more commits per second.
   */
  readonly synchronous?: "full" | "normal" | undefined
}

/**
 * A histogram of the commits that shared each SQLite transaction (group commit at work): read it
 * with `Metric.value`, or export it with the application's metrics.
 */
export const commitsPerTransaction = Writer.commitsPerTransaction

/**
 * WAL pages that trigger a checkpoint (SQLite's default is 1000). A checkpoint copies each page
 * once however many times the WAL holds it: under a stream of commits to the same contexts, a
 * larger WAL (up to ~16 MB here) means far fewer page writes and syncs per commit.
 */
const CHECKPOINT_PAGES = 4000

/** Heads read per query by `scan`. */
const SCAN_PAGE = 5000

/** Opens the store in the current scope; closing the scope finishes queued commits, then closes the file. */
export const make = (options: Options): Effect.Effect<Service, PersistenceError | Encryption.InvalidKey, Scope.Scope> =>
  Effect.gen(function*() {
    const cipher = options.encryptionKey === undefined
      ? Option.none()
      : Option.some(yield* Encryption.make(options.encryptionKey))
    const codec = makeCodec(cipher)
    const memory = options.filename === ":memory:"
    // better-sqlite3 throws from the constructor (a file that is not a database): not a bug of ours.
    const client = yield* SqliteClient.make({ filename: options.filename, disableWAL: memory }).pipe(
      Effect.provide(Reactivity.layer),
      Effect.catchSomeDefect((defect) => isSqliteError(defect) ? Option.some(Effect.fail(toPersistenceError(defect))) : Option.none())
    )
    const sql: SqlClient.SqlClient = client
    const busyTimeout = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))
    yield* sql.unsafe(`PRAGMA busy_timeout = ${busyTimeout}`).pipe(Effect.mapError(toPersistenceError))
    yield* sql.unsafe(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES}`).pipe(Effect.mapError(toPersistenceError))
    const synchronous = options.synchronous === "normal" ? "NORMAL" : "FULL"
    yield* sql.unsafe(`PRAGMA synchronous = ${synchronous}`).pipe(Effect.mapError(toPersistenceError))
    yield* Effect.provideService(Effect.zipRight(migrate, checkKey(cipher)), SqlClient.SqlClient, sql)
    const durability = synchronous === "FULL" ? yield* syncedWal(sql) : WalSync.immediate

    const writer = yield* Writer.make(sql, Math.max(1, options.maxBatch ?? 1024), durability)

    const guard = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, PersistenceError, R> =>
      Effect.suspend(() =>
        writer.isClosed()
          ? Effect.fail(new PersistenceError({ reason: "Closed", message: "the store is closed" }))
          : Effect.mapError(effect, toPersistenceError)
      )
    const fileIo = (what: string, io: () => Promise<void>) =>
      guard(Effect.tryPromise({
        try: io,
        catch: (cause) => new PersistenceError({ reason: "Io", message: `${what}: ${String(cause)}` })
      }))
    // A read waits for the syncs under way: it does not return a commit whose sync is still running.
    const read = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.zipLeft(guard(effect), durability.settled)
    const decodeAll = <A>(rows: ReadonlyArray<unknown>, decode: (row: unknown) => Either.Either<A, PersistenceError>) =>
      Either.all(rows.map(decode))

    const commit: Service["commit"] = (writes) =>
      Effect.suspend(() => {
        const ops: Array<Writer.Op> = []
        for (const write of writes) {
          if (write._tag === "Delete") {
            ops.push(write)
            continue
          }
          const rows = codec.putRows(write.record, write.entry)
          if (Either.isLeft(rows)) return Effect.fail(rows.left)
          const pruneTo = write.entry.version - Math.max(0, Math.floor(write.keepHistory))
          ops.push({ _tag: "Put", ...rows.right, pruneTo: Math.max(0, pruneTo) })
        }
        return ops.length === 0 ? Effect.void : writer.submit(ops)
      })

    const get: Service["get"] = (id) =>
      read(sql`SELECT * FROM heads WHERE id = ${id}`).pipe(
        Effect.flatMap((rows) => rows.length === 0 ? Effect.succeedNone : Effect.asSome(codec.record(rows[0])))
      )

    const history: Service["history"] = (id, options) =>
      read(
        sql`SELECT * FROM history WHERE id = ${id} AND version >= ${options?.fromVersion ?? 0}
            ORDER BY version LIMIT ${options?.limit ?? -1}`
      ).pipe(Effect.flatMap((rows) => decodeAll(rows, codec.entry)))

    const scan: Service["scan"] = Stream.paginateChunkEffect(Option.none<string>(), (after) =>
      guard(
        Option.match(after, {
          onNone: () => sql`SELECT * FROM heads ORDER BY id LIMIT ${SCAN_PAGE}`,
          onSome: (id) => sql`SELECT * FROM heads WHERE id > ${id} ORDER BY id LIMIT ${SCAN_PAGE}`
        })
      ).pipe(
        Effect.flatMap((rows) => decodeAll(rows, codec.record)),
        Effect.map((records) =>
          [
            Chunk.unsafeFromArray(records),
            records.length < SCAN_PAGE ? Option.none() : Option.some(Option.some(records[records.length - 1].id))
          ] as const
        )
      ))

    const count: Service["count"] = read(sql<{ n: number }>`SELECT count(*) AS n FROM heads`).pipe(
      Effect.map((rows) => rows[0].n)
    )

    // The online backup API copies pages in steps and lets the store keep serving; pages written
    // meanwhile through this connection are copied too, so the copy is consistent.
    const backup: Service["backup"] = (path) =>
      Effect.gen(function*() {
        const temporary = `${path}.${Crypto.randomBytes(6).toString("hex")}.partial`
        yield* guard(client.backup(temporary)).pipe(
          Effect.zipRight(fileIo(`cannot write the backup to ${path}`, () => Fs.rename(temporary, path))),
          Effect.tapError(() => Effect.promise(() => Fs.rm(temporary, { force: true })))
        )
      })

    const restoring = yield* Effect.makeSemaphore(1)
    const restore: Service["restore"] = (path) =>
      fileIo(`no backup file at ${path}`, () => Fs.access(path)).pipe(
        Effect.zipRight(
          guard(
            Effect.acquireUseRelease(
              sql`ATTACH DATABASE ${path} AS restore_source`,
              () =>
                verifyBackup(sql, codec, cipher).pipe(
                  Effect.zipRight(sql.withTransaction(Effect.all([
                    sql`DELETE FROM history`,
                    sql`DELETE FROM heads`,
                    sql`INSERT INTO heads SELECT * FROM restore_source.heads`,
                    sql`INSERT INTO history SELECT * FROM restore_source.history`
                  ], { discard: true }))),
                  Effect.zipRight(durability.sync)
                ),
              () => Effect.ignore(sql`DETACH DATABASE restore_source`)
            )
          )
        ),
        restoring.withPermits(1)
      )

    return { commit, get, history, scan, count, backup, restore }
  })

/**
 * Durability by syncing the WAL file off the main thread (`internal/walSync`): SQLite itself
 * then runs with `synchronous = NORMAL`. Only in WAL mode (a database in memory, or a file
 * system where SQLite cannot use WAL, keeps `synchronous = FULL` and syncs inside COMMIT).
 */
const syncedWal = (sql: SqlClient.SqlClient): Effect.Effect<WalSync.WalSync, PersistenceError, Scope.Scope> =>
  Effect.gen(function*() {
    const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
    const [main] = yield* sql<{ file: string }>`SELECT file FROM pragma_database_list WHERE name = 'main'`
    if (mode?.journal_mode.toLowerCase() !== "wal" || main === undefined || main.file === "") return WalSync.immediate
    const wal = `${main.file}-wal`
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => Fs.open(wal, "r"),
        catch: (cause) => new PersistenceError({ reason: "Io", message: `cannot open the write-ahead log ${wal}: ${String(cause)}` })
      }),
      (handle) => Effect.promise(() => handle.close())
    )
    yield* sql`PRAGMA synchronous = NORMAL`
    return WalSync.make((callback) => NodeFs.fdatasync(handle.fd, callback))
  }).pipe(Effect.mapError(toPersistenceError))

/** The store as a layer of `ContextStore`. */
export const layer = (options: Options): Layer.Layer<ContextStore, PersistenceError | Encryption.InvalidKey> =>
  Layer.scoped(ContextStore, make(options))
