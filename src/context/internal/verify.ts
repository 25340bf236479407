/**
 * Verification of a context's history (contiguous versions, SHA-256 chain, head) and the
 * Schema of the JSON export.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { ContextRecord, HistoryEntry } from "../ContextStore.js"
import * as Json from "../Json.js"

/** What is wrong with `history` as the history of `record`, or `undefined` when it verifies. */
export const verifyHistory = (record: ContextRecord, history: ReadonlyArray<HistoryEntry>): string | undefined => {
  if (history.length === 0) return "the history is empty"
  const first = history[0]!.version
  for (let i = 0; i < history.length; i++) {
    const entry = history[i]!
    if (entry.id !== record.id) return `history entry ${entry.version} belongs to ${entry.id}`
    if (entry.version !== first + i) return `versions are not contiguous: ${entry.version} follows ${first + i - 1}`
    if (Json.entryHash(entry) !== entry.hash) return `the hash of version ${entry.version} does not verify`
    const previous = i === 0 ? (first === 1 ? "" : undefined) : history[i - 1]!.hash
    if (previous !== undefined && entry.previousHash !== previous) return `version ${entry.version} is not chained to the previous one`
  }
  const last = history[history.length - 1]!
  if (last.version !== record.version) return `the history ends at version ${last.version}, the head is version ${record.version}`
  if (last.hash !== record.hash) return "the head's hash is not the hash of its history entry"
  if (!Json.equals(last.value, record.value)) return "the head's value is not the value of its history entry"
  return undefined
}

const Labels = Schema.Record({ key: Schema.String, value: Schema.String })

/** A context head as exported. */
export const ContextRecordSchema = Schema.Struct({
  id: Schema.String,
  value: Schema.Unknown,
  version: Schema.Int.pipe(Schema.positive()),
  hash: Schema.String,
  schema: Schema.optionalWith(Schema.Unknown, { exact: true }),
  parent: Schema.optionalWith(Schema.String, { exact: true }),
  owner: Schema.optionalWith(Schema.String, { exact: true }),
  labels: Labels,
  createdAt: Schema.Number,
  updatedAt: Schema.Number
})

/** A history entry as exported. */
export const HistoryEntrySchema = Schema.Struct({
  id: Schema.String,
  version: Schema.Int.pipe(Schema.positive()),
  value: Schema.Unknown,
  patch: Schema.Array(Schema.Unknown),
  actor: Schema.optionalWith(Schema.String, { exact: true }),
  at: Schema.Number,
  hash: Schema.String,
  previousHash: Schema.String
})

/** The JSON export of contexts. */
export const ExportSchema = Schema.Struct({
  contexts: Schema.Array(Schema.Struct({ record: ContextRecordSchema, history: Schema.Array(HistoryEntrySchema) }))
})

const decode = ParseResult.decodeUnknownEither(ExportSchema, { errors: "all" })

/** Decodes an export; `Left` with the issues. */
export const decodeExport = (document: unknown): Either.Either<typeof ExportSchema.Type, string> =>
  Either.mapLeft(decode(document), (issue) => ParseResult.TreeFormatter.formatIssueSync(issue))
