/**
 * Contexts: server-minted handles on shared JSON state, versioned, validated against an
 * optional schema, safe under concurrency, written through a `ContextStore`.
 *
 * The live state is in STM (`internal/state`). A write takes the locks of its contexts (all
 * at once), computes the new versions, commits them to the store, and only then installs them
 * in memory and publishes the changes: a write is acknowledged only once durable, and memory
 * never holds a version the store does not.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function*() {
 *   const contexts = yield* ContextManager.ContextManager
 *   const created = yield* contexts.create({ value: { step: 1 }, labels: { team: "a" } })
 *   const next = yield* contexts.update(created.id, ContextManager.Change.merge({ step: 2 }), { expectedVersion: 1 })
 *   return next.version // 2
 * }).pipe(Effect.provide(ContextManager.layer().pipe(Layer.provide(MemoryStore.layer()))))
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ContextNotFound, LeaseError, SyncError, VersionConflict, VersionNotFound } from "./ContextError.js"
import { ContextValidationError } from "./ContextError.js"
import type * as ContextSchema from "./ContextSchema.js"
import type { ContextRecord, HistoryEntry, PersistenceError } from "./ContextStore.js"
import { ContextStore } from "./ContextStore.js"
import type * as Json from "./Json.js"
import { Engine } from "./internal/engine.js"
import { type Meta, metaOf } from "./internal/state.js"

export type { ContextRecord, HistoryEntry } from "./ContextStore.js"

/** How an update changes the value. */
export type Change =
  | { readonly _tag: "Value"; readonly value: unknown }
  | { readonly _tag: "Patch"; readonly patch: Json.Patch }
  | { readonly _tag: "Merge"; readonly merge: unknown }
  | { readonly _tag: "Function"; readonly f: (value: unknown) => unknown }

/** Constructors of `Change`. */
export const Change = {
  /** Replaces the whole value. */
  value: (value: unknown): Change => ({ _tag: "Value", value }),
  /** Applies an RFC 6902 JSON Patch. */
  patch: (patch: Json.Patch): Change => ({ _tag: "Patch", patch }),
  /** Applies an RFC 7396 JSON Merge Patch. */
  merge: (merge: unknown): Change => ({ _tag: "Merge", merge }),
  /** Computes the new value from the current one (pure: it may run again on a merge base). */
  fn: (f: (value: unknown) => unknown): Change => ({ _tag: "Function", f })
} as const

/**
 * What to do when `expectedVersion` is stale: fail with `VersionConflict` (`reject`, the
 * default), apply the change to the current value anyway (`last-writer-wins`), or merge it
 * three ways from the expected version in the history (`merge`; overlapping changes fail with
 * `SyncError`).
 */
export type Strategy = "reject" | "last-writer-wins" | "merge"

/** Options of a write. */
export interface WriteOptions {
  /** The version the writer read; a different current version is a conflict (see `strategy`). */
  readonly expectedVersion?: number | undefined
  readonly strategy?: Strategy | undefined
  /** Who makes the change (recorded in the history and the change stream). */
  readonly actor?: string | undefined
  /** The token of the lease held on the context, when one is held. */
  readonly lease?: string | undefined
}

/** One write of a transaction. */
export type Write =
  | ({ readonly _tag: "Update"; readonly id: string; readonly change: Change } & WriteOptions)
  | ({ readonly _tag: "Delete"; readonly id: string } & WriteOptions)

/** Options of `create`. */
export interface CreateOptions {
  readonly value: unknown
  /** An Effect Schema over the JSON value, or a JSON Schema (2020-12) object. */
  readonly schema?: ContextSchema.Input | undefined
  readonly parent?: string | undefined
  readonly owner?: string | undefined
  readonly labels?: Readonly<Record<string, string>> | undefined
  readonly actor?: string | undefined
}

/** Options of `list`. */
export interface ListOptions {
  /** Only contexts having every one of these labels. */
  readonly labels?: Readonly<Record<string, string>> | undefined
  /** Only the children of this context. */
  readonly parent?: string | undefined
  /** Only ids that start with this (completion). */
  readonly prefix?: string | undefined
  /** Where the previous page ended. */
  readonly cursor?: string | undefined
  /** Items per page (default 100, at most 1000). */
  readonly limit?: number | undefined
}

/** A context as lists show it: everything but the value. */
export type Summary = Meta

/** A page of `list`. */
export interface Page {
  readonly contexts: ReadonlyArray<Summary>
  readonly nextCursor?: string | undefined
}

/** A committed change: what the change streams carry. */
export interface ContextChange {
  readonly id: string
  readonly version: number
  /** RFC 6902 from the previous version (`[]` at creation and deletion). */
  readonly patch: Json.Patch
  readonly actor?: string | undefined
  readonly at: number
  readonly kind: "created" | "updated" | "deleted"
}

/** An exclusive lease on contexts (see `acquireLease`). */
export interface Lease {
  readonly token: string
  readonly ids: ReadonlyArray<string>
  readonly expiresAt: number
}

/** Every context with its history, as JSON (`export`/`import`). */
export interface Export {
  readonly contexts: ReadonlyArray<{ readonly record: ContextRecord; readonly history: ReadonlyArray<HistoryEntry> }>
}

/** Errors of a write. */
export type WriteError = ContextNotFound | VersionConflict | SyncError | ContextValidationError | LeaseError | VersionNotFound | PersistenceError

/** The manager as a service. */
export interface Service {
  /** Creates a context at version 1 with a server-minted id. */
  readonly create: (options: CreateOptions) => Effect.Effect<ContextRecord, ContextValidationError | ContextNotFound | PersistenceError>
  /** The current head of a context. */
  readonly get: (id: string) => Effect.Effect<ContextRecord, ContextNotFound | PersistenceError>
  /** Applies a change; succeeds with the new head once it is durable. */
  readonly update: (id: string, change: Change, options?: WriteOptions) => Effect.Effect<ContextRecord, WriteError>
  /** Deletes a context and its history. */
  readonly delete: (id: string, options?: WriteOptions) => Effect.Effect<void, WriteError>
  /** Commits several writes atomically: all of them or none. Each id at most once. */
  readonly transaction: (writes: ReadonlyArray<Write>) => Effect.Effect<ReadonlyArray<Option.Option<ContextRecord>>, WriteError>
  /** Summaries in id order, filtered by labels or parent, paged. */
  readonly list: (options?: ListOptions) => Effect.Effect<Page>
  /** The retained history (the newest `keepHistory` versions), oldest first. */
  readonly history: (id: string, options?: { readonly fromVersion?: number; readonly limit?: number }) => Effect.Effect<ReadonlyArray<HistoryEntry>, ContextNotFound | PersistenceError>
  /** RFC 6902 patch from version `from` to version `to` (both in the retained history). */
  readonly diff: (id: string, from: number, to: number) => Effect.Effect<Json.Patch, ContextNotFound | VersionNotFound | PersistenceError>
  /** Makes the value of an earlier version the current one (a new version). */
  readonly restore: (id: string, version: number, options?: WriteOptions) => Effect.Effect<ContextRecord, WriteError>
  /** Takes an exclusive lease on every id (all or none, never waiting: deadlock-free). */
  readonly acquireLease: (ids: ReadonlyArray<string>, options: { readonly ttlMs: number; readonly holder?: string }) => Effect.Effect<Lease, LeaseError | ContextNotFound>
  /** Extends a lease still held. */
  readonly renewLease: (lease: Lease, ttlMs: number) => Effect.Effect<Lease, LeaseError>
  /** Ends a lease (nothing happens if it has ended already). */
  readonly releaseLease: (lease: Lease) => Effect.Effect<void>
  /** Committed changes of one context, or of all when `id` is absent, from when the stream runs. */
  readonly changes: (id?: string) => Stream.Stream<ContextChange>
  /** Like `changes`, subscribed at once: nothing committed after this Effect is missed. */
  readonly watch: (id?: string) => Effect.Effect<Stream.Stream<ContextChange>, never, Scope.Scope>
  /** Checks the current value against the context's schema. */
  readonly validateContext: (id: string) => Effect.Effect<void, ContextValidationError | ContextNotFound | PersistenceError>
  /** Checks the retained history: contiguous versions ending at the head, SHA-256 chain verifies. */
  readonly checkConsistency: (id: string) => Effect.Effect<void, SyncError | ContextNotFound | PersistenceError>
  /** Compares memory with the store; on divergence, reloads from the store and fails with `SyncError`. */
  readonly syncContext: (id: string) => Effect.Effect<void, SyncError | PersistenceError>
  /** Every context (or those named) with its retained history. */
  readonly exportJson: (ids?: ReadonlyArray<string>) => Effect.Effect<Export, ContextNotFound | PersistenceError>
  /** Adds the contexts of an export (histories verified, ids not in use), atomically. */
  readonly importJson: (document: unknown) => Effect.Effect<number, ContextValidationError | SyncError | PersistenceError>
}

/** The ContextManager service. */
export class ContextManager extends Context.Tag("machine-context/ContextManager")<ContextManager, Service>() {}

/** Options of the manager. */
export interface Options {
  /** History entries kept per context (default 100). */
  readonly keepHistory?: number
  /** Approximate bytes of values and histories kept in memory (default 256 MiB); colder ones are reloaded on use. */
  readonly memoryBudgetBytes?: number
}

/** The strong ETag of a version: `"<version>-<hash prefix>"`. */
export const etag = (record: { readonly version: number; readonly hash: string }): string =>
  `"${record.version}-${record.hash.slice(0, 16)}"`

/** An id that two contexts of an import document share (both would be installed, the store left inconsistent). */
const repeatedId = (document: unknown): string | undefined => {
  const contexts = typeof document === "object" && document !== null ? (document as { contexts?: unknown }).contexts : undefined
  if (!Array.isArray(contexts)) return undefined
  const seen = new Set<string>()
  for (const context of contexts) {
    const id = (context as { record?: { id?: unknown } } | null)?.record?.id
    if (typeof id !== "string") continue
    if (seen.has(id)) return id
    seen.add(id)
  }
  return undefined
}

/** Builds the manager: recovers every head from the store (values are loaded when first used). */
export const make = (options: Options = {}): Effect.Effect<Service, PersistenceError, ContextStore> =>
  Effect.gen(function*() {
    const store = yield* ContextStore
    const metas: Array<readonly [string, Meta]> = []
    yield* Stream.runForEachChunk(store.scan, (records) =>
      Effect.sync(() => {
        for (const record of records) metas.push([record.id, metaOf(record)])
      }))
    const pubsub = yield* PubSub.unbounded<ContextChange>()
    const engine = yield* Engine.make(store, pubsub, metas, {
      keepHistory: Math.max(1, options.keepHistory ?? 100),
      budget: options.memoryBudgetBytes ?? 256 * 1024 * 1024
    })
    const only = (id: string | undefined) => (change: ContextChange) => id === undefined || change.id === id
    return ContextManager.of({
      create: (create) => engine.create(create),
      get: (id) => Effect.map(engine.resident(id), (body) => body.record),
      update: (id, change, write) => Effect.map(engine.commit([{ _tag: "Update", id, change, ...write }]), (records) => records[0]!),
      delete: (id, write) => Effect.asVoid(engine.commit([{ _tag: "Delete", id, ...write }])),
      transaction: (writes) => Effect.map(engine.commit(writes), (records) => records.map(Option.fromNullable)),
      list: (list) => engine.list(list ?? {}),
      history: (id, range) => engine.history(id, range ?? {}),
      diff: (id, from, to) => engine.diff(id, from, to),
      restore: (id, version, write) => engine.restore(id, version, write ?? {}),
      acquireLease: (ids, lease) => engine.acquireLease(ids, lease.ttlMs, lease.holder),
      renewLease: (lease, ttlMs) => engine.renewLease(lease, ttlMs),
      releaseLease: (lease) => engine.releaseLease(lease),
      changes: (id) => Stream.filter(Stream.fromPubSub(pubsub), only(id)),
      watch: (id) => Effect.map(Stream.fromPubSub(pubsub, { scoped: true }), Stream.filter(only(id))),
      validateContext: (id) => engine.validateContext(id),
      checkConsistency: (id) => engine.checkConsistency(id),
      syncContext: (id) => engine.syncContext(id),
      exportJson: (ids) => engine.exportJson(ids),
      importJson: (document) => {
        const repeated = repeatedId(document)
        return repeated === undefined
          ? engine.importJson(document)
          : Effect.fail(new ContextValidationError({ id: repeated, issues: ["named by two contexts of the document"] }))
      }
    })
  })

/** The manager as a layer over the `ContextStore` of its context. */
export const layer = (options: Options = {}): Layer.Layer<ContextManager, PersistenceError, ContextStore> =>
  Layer.effect(ContextManager, make(options))
