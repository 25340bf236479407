import { afterAll, describe, expect, it } from "@effect/vitest"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { ContextStore } from "../../../src/context/ContextStore.js"
import * as SqliteStore from "../../../src/context/SqliteStore.js"
import { put, tempDir } from "./fixtures.js"
import { reasonOf, withRawSql, withStore } from "./support.js"

const dir = tempDir()
afterAll(() => dir.remove())
let files = 0
const file = () => join(dir.path, `migrations-${files++}.db`)

/** What version 1 of the store wrote: its tables, one context with one entry, migration 1 recorded. */
const writeV1 = (sql: SqlClient.SqlClient) =>
  Effect.all([
    sql`CREATE TABLE machine_context_migrations (
      migration_id integer PRIMARY KEY NOT NULL,
      created_at datetime NOT NULL DEFAULT current_timestamp,
      name VARCHAR(255) NOT NULL)`,
    sql`INSERT INTO machine_context_migrations (migration_id, name) VALUES (1, 'contexts')`,
    sql`CREATE TABLE heads (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL,
      value ANY NOT NULL, schema TEXT, parent TEXT, owner TEXT, labels TEXT NOT NULL,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT`,
    sql`CREATE TABLE history (id TEXT NOT NULL, version INTEGER NOT NULL, value ANY NOT NULL,
      patch ANY NOT NULL, actor TEXT, at INTEGER NOT NULL, hash TEXT NOT NULL, previous_hash TEXT NOT NULL,
      PRIMARY KEY (id, version)) STRICT, WITHOUT ROWID`,
    sql`INSERT INTO heads VALUES ('old', 1, 'h1', '{"kept":true}', NULL, NULL, 'v1', '{"era":"v1"}', 10, 20)`,
    sql`INSERT INTO history VALUES ('old', 1, '{"kept":true}', '[]', 'v1', 20, 'h1', '')`
  ], { discard: true })

describe("SqliteStore migrations", () => {
  it.effect("a version 1 file is migrated and its contexts are kept", () =>
    Effect.gen(function*() {
      const filename = file()
      yield* withRawSql(filename, writeV1)
      yield* withStore({ filename }, (store) =>
        Effect.gen(function*() {
          expect(yield* store.get("old")).toEqual(Option.some({
            id: "old",
            value: { kept: true },
            version: 1,
            hash: "h1",
            owner: "v1",
            labels: { era: "v1" },
            createdAt: 10,
            updatedAt: 20
          }))
          expect((yield* store.history("old")).map((entry) => entry.actor)).toEqual(["v1"])
          yield* store.commit([put("new", 1, "after the migration", "")])
        }))
      const migrations = yield* withRawSql(filename, (sql) =>
        sql<{ migration_id: number }>`SELECT migration_id FROM machine_context_migrations ORDER BY migration_id`)
      expect(migrations.map((row) => row.migration_id)).toEqual([1, 2, 3])
      // Opening it again runs nothing and finds both contexts.
      expect(yield* withStore({ filename }, (store) => store.count)).toBe(2)
    }))

  it.effect("a file with plain values is not opened with a key", () =>
    Effect.gen(function*() {
      const filename = file()
      yield* withRawSql(filename, writeV1)
      const layer = SqliteStore.layer({ filename, encryptionKey: Redacted.make(randomBytes(32)) })
      expect(yield* reasonOf(Effect.provide(ContextStore, layer))).toBe("Tampered")
    }))

  it.effect("a file written by a newer version is refused", () =>
    Effect.gen(function*() {
      const filename = file()
      yield* withStore({ filename }, (store) => store.count)
      yield* withRawSql(filename, (sql) => sql`INSERT INTO machine_context_migrations (migration_id, name)
          SELECT max(migration_id) + 1, 'future' FROM machine_context_migrations`)
      expect(yield* reasonOf(Effect.provide(ContextStore, SqliteStore.layer({ filename })))).toBe("Migration")
    }))

  it.effect("a migration that fails is a Migration error, not a defect", () =>
    Effect.gen(function*() {
      const filename = file()
      yield* withRawSql(filename, (sql) => Effect.zipRight(writeV1(sql), sql`CREATE TABLE settings (x)`))
      expect(yield* reasonOf(Effect.provide(ContextStore, SqliteStore.layer({ filename })))).toBe("Migration")
    }))
})
