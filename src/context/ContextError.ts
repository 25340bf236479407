/**
 * The typed errors of the ContextManager. `PersistenceError` (the store failed) is defined
 * with the store, in `ContextStore`.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/** No context has this id (or it was deleted). */
export class ContextNotFound extends Schema.TaggedError<ContextNotFound>()("ContextNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `Context ${this.id} not found`
  }
}

/** A write named a version (`expectedVersion`) that is not the current one. */
export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  id: Schema.String,
  expected: Schema.Number,
  actual: Schema.Number
}) {
  override get message(): string {
    return `Version conflict on context ${this.id}: expected version ${this.expected}, the current version is ${this.actual}`
  }
}

/**
 * Two states cannot be reconciled: a three-way merge whose changes overlap (`paths` lists
 * them), a merge base no longer in the history, memory diverging from the store, or a history
 * that does not verify.
 */
export class SyncError extends Schema.TaggedError<SyncError>()("SyncError", {
  id: Schema.String,
  reason: Schema.String,
  paths: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Context ${this.id}: ${this.reason}${this.paths.length === 0 ? "" : ` (${this.paths.join(", ")})`}`
  }
}

/** A value does not satisfy the context's schema, a patch does not apply, or input is malformed. */
export class ContextValidationError extends Schema.TaggedError<ContextValidationError>()("ContextValidationError", {
  id: Schema.String,
  issues: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Context ${this.id || "(new)"} rejected the value: ${this.issues.join("; ")}`
  }
}

/** A version that is not (or no longer) in the bounded history. */
export class VersionNotFound extends Schema.TaggedError<VersionNotFound>()("VersionNotFound", {
  id: Schema.String,
  version: Schema.Number
}) {
  override get message(): string {
    return `Context ${this.id} has no version ${this.version} in its history`
  }
}

/** A lease is held by someone else (`Held`), or the lease named has ended (`Expired`). */
export class LeaseError extends Schema.TaggedError<LeaseError>()("LeaseError", {
  id: Schema.String,
  reason: Schema.Literal("Held", "Expired")
}) {
  override get message(): string {
    return this.reason === "Held"
      ? `Context ${this.id} is leased by someone else`
      : `The lease on context ${this.id} has expired or was released`
  }
}
