/**
 * The rows of the SQLite store and their codec: records and history entries to row values and
 * back, values as JSON text, or sealed (AES-256-GCM) when the store has a key. Stored rows are
 * decoded with Schemas: a row that does not decode is `Corrupt`, a sealed value that does not
 * open (or a plain value where a sealed one belongs) is `Tampered`.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { ContextRecord, HistoryEntry } from "../ContextStore.js"
import { PersistenceError } from "../ContextStore.js"
import type { Cipher } from "../Encryption.js"

/** A stored value: JSON text, or a sealed blob. */
const Stored = Schema.Union(Schema.String, Schema.Uint8ArrayFromSelf)

/** A row of `heads`. */
export const HeadRow = Schema.Struct({
  id: Schema.String,
  version: Schema.Number,
  hash: Schema.String,
  value: Stored,
  schema: Schema.NullOr(Schema.String),
  parent: Schema.NullOr(Schema.String),
  owner: Schema.NullOr(Schema.String),
  labels: Schema.String,
  created_at: Schema.Number,
  updated_at: Schema.Number
})
export type HeadRow = typeof HeadRow.Type

/** A row of `history`. */
export const HistoryRow = Schema.Struct({
  id: Schema.String,
  version: Schema.Number,
  value: Stored,
  patch: Stored,
  actor: Schema.NullOr(Schema.String),
  at: Schema.Number,
  hash: Schema.String,
  previous_hash: Schema.String
})
export type HistoryRow = typeof HistoryRow.Type

/** The columns of each table, in the order of the row structs. */
export const headColumns = Object.keys(HeadRow.fields) as ReadonlyArray<keyof HeadRow>
export const historyColumns = Object.keys(HistoryRow.fields) as ReadonlyArray<keyof HistoryRow>

const isLabels = Schema.is(Schema.Record({ key: Schema.String, value: Schema.String }))
const decodeHeadRow = Schema.decodeUnknownEither(HeadRow)
const decodeHistoryRow = Schema.decodeUnknownEither(HistoryRow)

const corrupt = (what: string, error: ParseResult.ParseError) =>
  new PersistenceError({ reason: "Corrupt", message: `${what}: ${ParseResult.TreeFormatter.formatErrorSync(error)}` })

/**
 * What a sealed value is bound to: what it is (`value`, the same in a head and in the entry of its
 * version, or `history.patch`), the context id and the version.
 */
const aad = (kind: string, id: string, version: number) => JSON.stringify([kind, id, version])

/** Row values from records and entries, and back. */
export interface Codec {
  /** The rows of a Put: the head and the history entry of its version. */
  readonly putRows: (
    record: ContextRecord,
    entry: HistoryEntry
  ) => Either.Either<{ readonly head: HeadRow; readonly entry: HistoryRow }, PersistenceError>
  readonly record: (row: unknown) => Either.Either<ContextRecord, PersistenceError>
  readonly entry: (row: unknown) => Either.Either<HistoryEntry, PersistenceError>
}

const toJson = (value: unknown, what: string): Either.Either<string, PersistenceError> => {
  try {
    const text = JSON.stringify(value)
    return typeof text === "string"
      ? Either.right(text)
      : Either.left(new PersistenceError({ reason: "Io", message: `${what} is not JSON` }))
  } catch (cause) {
    return Either.left(new PersistenceError({ reason: "Io", message: `${what} is not JSON: ${String(cause)}` }))
  }
}

const fromJson = (text: string, what: string): Either.Either<unknown, PersistenceError> => {
  try {
    return Either.right(JSON.parse(text))
  } catch {
    return Either.left(new PersistenceError({ reason: "Corrupt", message: `${what} is not JSON` }))
  }
}

/** The codec of a store, sealing values with `cipher` when there is one. */
export const makeCodec = (cipher: Option.Option<Cipher>): Codec => {
  const seal = (value: unknown, column: string, id: string, version: number) =>
    Either.map(toJson(value, `${column} of ${id}@${version}`), (text): string | Uint8Array =>
      Option.isSome(cipher) ? cipher.value.seal(text, aad(column, id, version)) : text)

  const open = (stored: string | Uint8Array, column: string, id: string, version: number) => {
    const where = `${column} of ${id}@${version}`
    if (Option.isNone(cipher)) {
      return typeof stored === "string"
        ? fromJson(stored, where)
        : Either.left(
          new PersistenceError({ reason: "Tampered", message: `${where} is encrypted and the store has no key` })
        )
    }
    if (typeof stored === "string") {
      return Either.left(new PersistenceError({ reason: "Tampered", message: `${where} is not encrypted` }))
    }
    return Option.match(cipher.value.open(stored, aad(column, id, version)), {
      onNone: () => Either.left(new PersistenceError({ reason: "Tampered", message: `${where} does not authenticate` })),
      onSome: (text) => fromJson(text, where)
    })
  }

  return {
    putRows: (record, entry) => {
      const value = seal(record.value, "value", record.id, record.version)
      // The entry of the head's version holds the same value: one sealed copy serves both rows.
      const entryValue = entry.value === record.value && entry.id === record.id && entry.version === record.version
        ? value
        : seal(entry.value, "value", entry.id, entry.version)
      return Either.all({
        value,
        entryValue,
        patch: seal(entry.patch, "history.patch", entry.id, entry.version),
        schema: record.schema === undefined ? Either.right(null) : toJson(record.schema, `schema of ${record.id}`),
        labels: toJson(record.labels, `labels of ${record.id}`)
      }).pipe(Either.map(({ entryValue, labels, patch, schema, value }) => ({
        head: {
          id: record.id,
          version: record.version,
          hash: record.hash,
          value,
          schema,
          parent: record.parent ?? null,
          owner: record.owner ?? null,
          labels,
          created_at: record.createdAt,
          updated_at: record.updatedAt
        },
        entry: {
          id: entry.id,
          version: entry.version,
          value: entryValue,
          patch,
          actor: entry.actor ?? null,
          at: entry.at,
          hash: entry.hash,
          previous_hash: entry.previousHash
        }
      })))
    },
    // Straight-line rather than `Either.gen`: recovery decodes every head, and this is its cost.
    record: (input) => {
      const row = decodeHeadRow(input)
      if (Either.isLeft(row)) return Either.left(corrupt("a row of heads", row.left))
      const { created_at, id, owner, parent, updated_at, version } = row.right
      const value = open(row.right.value, "value", id, version)
      if (Either.isLeft(value)) return Either.left(value.left)
      const labels = fromJson(row.right.labels, `labels of ${id}`)
      if (Either.isLeft(labels)) return Either.left(labels.left)
      if (!isLabels(labels.right)) {
        return Either.left(new PersistenceError({ reason: "Corrupt", message: `labels of ${id} are not strings` }))
      }
      const schema = row.right.schema === null ? undefined : fromJson(row.right.schema, `schema of ${id}`)
      if (schema !== undefined && Either.isLeft(schema)) return Either.left(schema.left)
      const record: ContextRecord = {
        id,
        value: value.right,
        version,
        hash: row.right.hash,
        labels: labels.right,
        createdAt: created_at,
        updatedAt: updated_at,
        ...(schema === undefined ? {} : { schema: schema.right }),
        ...(parent === null ? {} : { parent }),
        ...(owner === null ? {} : { owner })
      }
      return Either.right(record)
    },
    entry: (input) =>
      Either.gen(function*() {
        const row = yield* Either.mapLeft(decodeHistoryRow(input), (error) => corrupt("a row of history", error))
        const value = yield* open(row.value, "value", row.id, row.version)
        const patch = yield* open(row.patch, "history.patch", row.id, row.version)
        if (!Array.isArray(patch)) {
          return yield* Either.left(
            new PersistenceError({ reason: "Corrupt", message: `history.patch of ${row.id}@${row.version} is not an array` })
          )
        }
        const entry: HistoryEntry = {
          id: row.id,
          version: row.version,
          value,
          patch,
          at: row.at,
          hash: row.hash,
          previousHash: row.previous_hash,
          ...(row.actor === null ? {} : { actor: row.actor })
        }
        return entry
      })
  }
}
