/**
 * Checks a backup attached as `restore_source` before the store replaces its content with it:
 * SQLite's `quick_check`, the schema version, the key, and every row (read in pages) decodes
 * and, when encrypted, authenticates.
 *
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Option from "effect/Option"
import { PersistenceError } from "../ContextStore.js"
import type { Cipher } from "../Encryption.js"
import type { Codec } from "./sqliteRows.js"
import { checkKey, LATEST_MIGRATION, MIGRATIONS_TABLE } from "./sqliteSchema.js"

const PAGE = 2000

const corrupt = (message: string) => new PersistenceError({ reason: "Corrupt", message: `backup: ${message}` })

/** Decodes every row of `table`, a page at a time, in primary key order. */
const verifyRows = (
  sql: SqlClient.SqlClient,
  table: "heads" | "history",
  decode: (row: unknown) => Either.Either<unknown, PersistenceError>
) =>
  Effect.iterate({ done: false, id: "", version: -1 }, {
    while: (state) => !state.done,
    body: (state) =>
      Effect.gen(function*() {
        const rows = table === "heads"
          ? yield* sql<{ id: string }>`SELECT * FROM restore_source.heads WHERE id > ${state.id}
              OR (id = ${state.id} AND ${state.version} < 0) ORDER BY id LIMIT ${PAGE}`
          : yield* sql<{ id: string; version: number }>`SELECT * FROM restore_source.history
              WHERE (id, version) > (${state.id}, ${state.version}) ORDER BY id, version LIMIT ${PAGE}`
        for (const row of rows) {
          const decoded = decode(row)
          if (Either.isLeft(decoded)) return yield* Effect.fail(decoded.left)
        }
        const last = rows[rows.length - 1]
        return last === undefined
          ? { ...state, done: true }
          : { done: rows.length < PAGE, id: last.id, version: "version" in last ? Number(last.version) : 0 }
      })
  })

/** Fails unless the attached backup is a sound store of this schema version, readable with `cipher`. */
export const verifyBackup = (
  sql: SqlClient.SqlClient,
  codec: Codec,
  cipher: Option.Option<Cipher>
): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    const check = yield* sql<{ quick_check: string }>`PRAGMA restore_source.quick_check`
    if (check.length !== 1 || check[0].quick_check !== "ok") {
      return yield* corrupt(check.map((row) => row.quick_check).join("; "))
    }
    const tables = yield* sql<{ n: number }>`SELECT count(*) AS n FROM restore_source.sqlite_schema
      WHERE type = 'table' AND name IN (${MIGRATIONS_TABLE}, 'heads', 'history', 'settings')`
    if (tables[0].n !== 4) return yield* corrupt("not a machine-context store")
    const [{ latest }] = yield* sql<{ latest: number }>`SELECT max(migration_id) AS latest
      FROM restore_source.${sql(MIGRATIONS_TABLE)}`
    if (latest !== LATEST_MIGRATION) {
      return yield* new PersistenceError({
        reason: "Migration",
        message: `backup: schema version ${latest}, the store has ${LATEST_MIGRATION} (open the backup as a store to migrate it)`
      })
    }
    yield* Effect.provideService(checkKey(cipher, "restore_source"), SqlClient.SqlClient, sql)
    yield* verifyRows(sql, "heads", codec.record)
    yield* verifyRows(sql, "history", codec.entry)
  })
