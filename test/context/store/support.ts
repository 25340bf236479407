/** Helpers of the SQLite store tests: raw SQL on a store's file, and opening a store. */
import * as Reactivity from "@effect/experimental/Reactivity"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { ContextStore, type PersistenceError, type Service } from "../../../src/context/ContextStore.js"
import * as SqliteStore from "../../../src/context/SqliteStore.js"

/** Runs `body` with a raw SQL connection of its own on `filename` (closed afterwards). */
export const withRawSql = <A, E>(filename: string, body: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(SqliteClient.make({ filename }), body)).pipe(Effect.provide(Reactivity.layer))

/** Runs `body` with a store opened on `options` (closed afterwards). */
export const withStore = <A, E>(options: SqliteStore.Options, body: (store: Service) => Effect.Effect<A, E>) =>
  Effect.flatMap(ContextStore, body).pipe(Effect.provide(SqliteStore.layer(options)))

/** The `PersistenceError` reason `effect` fails with (the test fails if it succeeds). */
export const reasonOf = <A>(effect: Effect.Effect<A, unknown>) =>
  Effect.map(Effect.either(effect), (result) => {
    if (Either.isRight(result)) throw new Error("expected a failure, got a success")
    const error = result.left as PersistenceError
    return error._tag === "PersistenceError" ? error.reason : `not a PersistenceError: ${String(error)}`
  })
