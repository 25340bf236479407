/**
 * Where contexts are kept durably. The ContextManager holds the live state in STM and writes
 * every commit through this service; a commit is acknowledged to the caller only once
 * `commit` succeeds, that is once it is durable. Implementations: SQLite (the default, with
 * group commit) and memory (tests, `--db :memory:`).
 *
 * The store does not interpret values: hashing, schemas and merges belong to the manager.
 * An implementation may encrypt what it keeps; it must then detect tampering on read and
 * fail with `PersistenceError { reason: "Tampered" }`.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"

/** The head of a context: its current version and what describes it. */
export interface ContextRecord {
  /** Server-minted, unguessable. */
  readonly id: string
  /** The current value (JSON). */
  readonly value: unknown
  /** Monotonic, 1 at creation. */
  readonly version: number
  /** The hash of the history entry of `version` (the head of the chain). */
  readonly hash: string
  /** The JSON Schema every committed value satisfies, when the context has one. */
  readonly schema?: unknown
  /** The parent context, for hierarchies. */
  readonly parent?: string
  /** Who created it. */
  readonly owner?: string
  readonly labels: Readonly<Record<string, string>>
  /** Epoch milliseconds. */
  readonly createdAt: number
  /** Epoch milliseconds. */
  readonly updatedAt: number
}

/** One version in the history of a context, chained to the previous one by its hash. */
export interface HistoryEntry {
  readonly id: string
  readonly version: number
  /** The value at this version (JSON). */
  readonly value: unknown
  /** RFC 6902 operations from the previous version's value to this one (`[]` at creation). */
  readonly patch: ReadonlyArray<unknown>
  /** Who made the change. */
  readonly actor?: string
  /** Epoch milliseconds. */
  readonly at: number
  /** SHA-256 (hex) of this entry, computed by the manager over `previousHash` and the entry. */
  readonly hash: string
  /** The hash of the previous version's entry; `""` at version 1. */
  readonly previousHash: string
}

/** One change of a commit. A commit's writes are applied all together or not at all. */
export type Write =
  | {
    readonly _tag: "Put"
    /** The new head. */
    readonly record: ContextRecord
    /** The history entry of `record.version`. */
    readonly entry: HistoryEntry
    /** Keep at most this many history entries of the context (the newest). */
    readonly keepHistory: number
  }
  | {
    readonly _tag: "Delete"
    /** Removes the context and its history. */
    readonly id: string
  }

/**
 * The store failed. `reason` tells a caller what it can do about it; `Conflict`: the commit
 * would store a history version that is stored already (it raced another writer of the same
 * store, or repeats a commit), nothing of it was applied.
 */
export class PersistenceError extends Schema.TaggedError<PersistenceError>()("PersistenceError", {
  reason: Schema.Literal("Io", "Locked", "Corrupt", "Tampered", "Migration", "Closed", "Conflict"),
  message: Schema.String
}) {}

/** The store as a service. */
export interface Service {
  /**
   * Persists `writes` atomically and succeeds only once they are durable. Concurrent calls may
   * share one underlying transaction (group commit); each still succeeds or fails as a whole.
   */
  readonly commit: (writes: ReadonlyArray<Write>) => Effect.Effect<void, PersistenceError>
  /** The head of one context. */
  readonly get: (id: string) => Effect.Effect<Option.Option<ContextRecord>, PersistenceError>
  /** History entries of one context, oldest first, from `fromVersion` (inclusive) when given. */
  readonly history: (
    id: string,
    options?: { readonly fromVersion?: number; readonly limit?: number }
  ) => Effect.Effect<ReadonlyArray<HistoryEntry>, PersistenceError>
  /** Every head, in id order (recovery, export). */
  readonly scan: Stream.Stream<ContextRecord, PersistenceError>
  /** How many contexts are stored. */
  readonly count: Effect.Effect<number, PersistenceError>
  /** Writes a consistent copy of the whole store to `path` while it keeps serving. */
  readonly backup: (path: string) => Effect.Effect<void, PersistenceError>
  /** Replaces the whole content of the store, atomically, with the backup at `path`. */
  readonly restore: (path: string) => Effect.Effect<void, PersistenceError>
}

/** The store of contexts. */
export class ContextStore extends Context.Tag("machine-context/ContextStore")<ContextStore, Service>() {}
