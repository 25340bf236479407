/**
 * The SQLite store's schema (migrations run by Effect's Migrator, defined in code), the key
 * check of encrypted stores, and the mapping of SQLite failures to `PersistenceError`.
 *
 * @internal
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import { PersistenceError } from "../ContextStore.js"
import type { Cipher } from "../Encryption.js"

/** The table where the Migrator records the migrations it ran. */
export const MIGRATIONS_TABLE = "machine_context_migrations"

const migrations = {
  "0001_contexts": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all([
      sql`CREATE TABLE heads (
        id TEXT PRIMARY KEY NOT NULL,
        version INTEGER NOT NULL,
        hash TEXT NOT NULL,
        value ANY NOT NULL,
        schema TEXT,
        parent TEXT,
        owner TEXT,
        labels TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT`,
      sql`CREATE TABLE history (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        value ANY NOT NULL,
        patch ANY NOT NULL,
        actor TEXT,
        at INTEGER NOT NULL,
        hash TEXT NOT NULL,
        previous_hash TEXT NOT NULL,
        PRIMARY KEY (id, version)
      ) STRICT, WITHOUT ROWID`
    ], { discard: true })),
  // Remembers whether the store is encrypted, and under which key (see `checkKey`).
  "0002_settings": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`CREATE TABLE settings (name TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT`),
  // History as an append-only log (rows in commit order, `seq`), found by a unique index on
  // (id, version). Keyed by (id, version), the entries a transaction adds landed on one B-tree
  // page per context: a group commit of 64 contexts rewrote some 90 pages; now the rows share
  // the last pages of the log, and only the small index entries are spread out.
  "0003_history_log": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all([
      sql`CREATE TABLE history_log (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        value ANY NOT NULL,
        patch ANY NOT NULL,
        actor TEXT,
        at INTEGER NOT NULL,
        hash TEXT NOT NULL,
        previous_hash TEXT NOT NULL
      ) STRICT`,
      sql`INSERT INTO history_log (id, version, value, patch, actor, at, hash, previous_hash)
        SELECT id, version, value, patch, actor, at, hash, previous_hash FROM history ORDER BY id, version`,
      sql`DROP TABLE history`,
      sql`ALTER TABLE history_log RENAME TO history`,
      sql`CREATE UNIQUE INDEX history_id_version ON history (id, version)`
    ], { discard: true }))
}

/** The newest schema version this code knows. */
export const LATEST_MIGRATION = Object.keys(migrations).length

/** Whether `u` is an error thrown by SQLite (better-sqlite3's `SqliteError`). */
export const isSqliteError = (u: unknown): u is { readonly code: string; readonly message: string } =>
  Predicate.hasProperty(u, "code") && typeof u.code === "string" && u.code.startsWith("SQLITE_")

/** The reason SQLite's error code stands for. */
const reasonOf = (code: string): PersistenceError["reason"] =>
  code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")
    ? "Locked"
    : code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB"
    ? "Corrupt"
    : code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE"
    ? "Conflict"
    : "Io"

/** A `PersistenceError` for any failure of the SQLite stack (SQLite's own errors, wrapped or not). */
export const toPersistenceError = (error: unknown): PersistenceError => {
  if (error instanceof PersistenceError) return error
  const cause = error instanceof SqlError ? error.cause : error
  if (isSqliteError(cause)) {
    return new PersistenceError({ reason: reasonOf(cause.code), message: `${cause.code}: ${cause.message}` })
  }
  if (error instanceof Migrator.MigrationError) {
    const inner = Predicate.hasProperty(error.cause, "cause") ? error.cause.cause : error.cause
    const detail = isSqliteError(inner) ? `: ${inner.code}: ${inner.message}` : ""
    return new PersistenceError({ reason: "Migration", message: `${error.message}${detail}` })
  }
  return new PersistenceError({ reason: "Io", message: error instanceof Error ? error.message : String(error) })
}

/**
 * Runs the migrations this database lacks. A database written by a newer version (migrations
 * this code does not know) is refused rather than misread.
 */
export const migrate: Effect.Effect<void, PersistenceError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: MIGRATIONS_TABLE })
  const [{ latest }] = yield* sql<{ latest: number }>`SELECT max(migration_id) AS latest FROM ${sql(MIGRATIONS_TABLE)}`
  if (latest > LATEST_MIGRATION) {
    return yield* new PersistenceError({
      reason: "Migration",
      message: `the database has schema version ${latest}; this version knows up to ${LATEST_MIGRATION}`
    })
  }
}).pipe(
  // The Migrator turns a failing migration into a defect: it is a failure of the store.
  Effect.catchAllDefect((defect) => Effect.fail(toPersistenceError(defect))),
  Effect.mapError(toPersistenceError)
)

const KEY_CHECK_AAD = "machine-context/key-check"

/**
 * Checks that the key (or its absence) fits the store, and records it in a new store: the
 * store keeps a value sealed under its key. A store with plain values is never opened with a
 * key (a plain value where a sealed one belongs would be a way around the authentication).
 */
export const checkKey = (
  cipher: Option.Option<Cipher>,
  schema: string = "main"
): Effect.Effect<void, PersistenceError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ value: unknown }>`SELECT value FROM ${sql(schema)}.settings WHERE name = 'key_check'`
    const tampered = (message: string) => new PersistenceError({ reason: "Tampered", message })
    if (rows.length === 0) {
      if (Option.isNone(cipher)) return
      const [{ n }] = yield* sql<{ n: number }>`SELECT count(*) AS n FROM ${sql(schema)}.heads`
      if (n > 0) return yield* tampered("the store holds unencrypted contexts: it cannot be opened with a key")
      if (schema === "main") {
        yield* sql`INSERT INTO settings (name, value) VALUES ('key_check', ${cipher.value.seal("", KEY_CHECK_AAD)})`
      }
      return
    }
    const stored = rows[0].value
    if (Option.isNone(cipher)) return yield* tampered("the store is encrypted: configure its key")
    if (!(stored instanceof Uint8Array) || Option.isNone(cipher.value.open(stored, KEY_CHECK_AAD))) {
      return yield* tampered("the configured key is not the key of the store")
    }
  }).pipe(Effect.mapError(toPersistenceError))
