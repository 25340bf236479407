/**
 * What the `context_*` tools share: the Schemas of contexts, history entries, leases and the
 * export document as they go on the wire, the typed failures, and the inputs every write
 * accepts (`expectedVersion`, `strategy`, `lease`; a change as `patch`, `merge` or `value`).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { RequestContext } from "../protocol/RequestContext.js"
import { ContextNotFound, ContextValidationError, LeaseError, SyncError, VersionConflict, VersionNotFound } from "./ContextError.js"
import * as ContextManager from "./ContextManager.js"
import { PersistenceError } from "./ContextStore.js"
import * as Json from "./Json.js"

/** Labels of a context. */
export const Labels = Schema.Record({ key: Schema.String, value: Schema.String })

/** A version number (1 or more). */
export const Version = Schema.Int.pipe(Schema.positive())

/** A context's id. */
export const Id = Schema.String.annotations({ description: "The context's id (from context_create or context_list)" })

/** A context as tools return it. */
export const ContextView = Schema.Struct({
  id: Schema.String,
  version: Schema.Int,
  etag: Schema.String,
  value: Json.JsonValue,
  labels: Labels,
  parent: Schema.optional(Schema.String),
  owner: Schema.optional(Schema.String),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
})

/** A history entry as tools return it. */
export const EntryView = Schema.Struct({
  version: Schema.Int,
  value: Json.JsonValue,
  patch: Json.Patch,
  actor: Schema.optional(Schema.String),
  at: Schema.Number,
  hash: Schema.String,
  previousHash: Schema.String
})

/** A context in lists: without its value. */
export const SummaryView = ContextView.pipe(Schema.omit("value"))

/** A lease as tools return it: the token to pass to writes, the ids it covers, when it ends. */
export const LeaseView = Schema.Struct({
  token: Schema.String,
  ids: Schema.Array(Schema.String),
  expiresAt: Schema.Number.annotations({ description: "Epoch milliseconds" })
})

/**
 * The export document (`context_export` answers it, `context_import` takes it): every context's
 * head and retained history, exactly as stored, so that the hash chains verify on import.
 */
export const ExportDocument = Schema.Struct({
  contexts: Schema.Array(Schema.Struct({
    record: Schema.Struct({
      id: Schema.String,
      value: Json.JsonValue,
      version: Version,
      hash: Schema.String,
      schema: Schema.optional(Json.JsonValue),
      parent: Schema.optional(Schema.String),
      owner: Schema.optional(Schema.String),
      labels: Labels,
      createdAt: Schema.Number,
      updatedAt: Schema.Number
    }),
    history: Schema.Array(Schema.Struct({
      id: Schema.String,
      version: Version,
      value: Json.JsonValue,
      // Kept as plain JSON (not `Json.Patch`): the hash covers the operations exactly as stored.
      patch: Schema.Array(Json.JsonValue),
      actor: Schema.optional(Schema.String),
      at: Schema.Number,
      hash: Schema.String,
      previousHash: Schema.String
    }))
  }))
})

/** Every typed failure of the context tools (error results carry it in `_meta["machine-context/error"]`). */
export const Failure = Schema.Union(ContextNotFound, VersionConflict, SyncError, ContextValidationError, LeaseError, VersionNotFound, PersistenceError)

/** The options of a write, as tool inputs. */
export const WriteFields = {
  expectedVersion: Schema.optional(Version),
  strategy: Schema.optional(Schema.Literal("reject", "last-writer-wins", "merge")),
  lease: Schema.optional(Schema.String.annotations({ description: "The token of a lease held on the context (context_lease_acquire)" }))
}

/** A change as tool inputs: exactly one of these. */
export const ChangeFields = {
  patch: Schema.optional(Json.Patch),
  merge: Schema.optional(Json.JsonValue),
  value: Schema.optional(Json.JsonValue)
}

/** The `Change` of an input with exactly one of `patch`, `merge` or `value`; a validation error otherwise. */
export const changeOf = (
  id: string,
  input: { readonly patch?: Json.Patch | undefined; readonly merge?: Json.JsonValue | undefined; readonly value?: Json.JsonValue | undefined }
): Effect.Effect<ContextManager.Change, ContextValidationError> => {
  // `in`, not `!== undefined`: `null` is a valid merge patch and a valid value.
  const given = (["patch", "merge", "value"] as const).filter((key) => key in input)
  if (given.length !== 1) return Effect.fail(new ContextValidationError({ id, issues: ["give exactly one of patch, merge or value"] }))
  return Effect.succeed(
    input.patch !== undefined
      ? ContextManager.Change.patch(input.patch)
      : "merge" in input
      ? ContextManager.Change.merge(input.merge)
      : ContextManager.Change.value(input.value)
  )
}

/** A record as a `ContextView` (or a `SummaryView` when it has no value). */
export const view = (record: Omit<ContextManager.ContextRecord, "value"> & { readonly value?: unknown }): typeof ContextView.Type =>
  ({
    id: record.id,
    version: record.version,
    etag: ContextManager.etag(record),
    ...("value" in record ? { value: record.value } : {}),
    labels: record.labels,
    ...(record.parent === undefined ? {} : { parent: record.parent }),
    ...(record.owner === undefined ? {} : { owner: record.owner }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt
  }) as typeof ContextView.Type

/** Who is calling: the client's name. */
export const actor = Effect.map(RequestContext, (request) => request.peerInfo?.name)

/** Runs `f` with the manager and the caller's name. */
export const withManager = <A, E>(f: (contexts: ContextManager.Service, actor: string | undefined) => Effect.Effect<A, E>) =>
  Effect.flatMap(actor, (who) => Effect.flatMap(ContextManager.ContextManager, (contexts) => f(contexts, who)))
