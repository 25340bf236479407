/**
 * The context tools beyond single reads and writes: `context_restore`, `context_transaction`
 * (writes across contexts, all or none), leases for workflows that span several calls
 * (`context_lease_acquire`, `context_lease_renew`, `context_lease_release`; writes pass the
 * token as `lease`), `context_export` / `context_import` (contexts with their histories as one
 * JSON document) and `context_verify` (schema and hash chain). Served with the others by
 * `McpContexts.tools`; handlers need the `ContextManager`.
 *
 * @example
 * ```ts
 * // A client's workflow over several calls, with a lease nobody else can write through:
 * // context_lease_acquire { ids: [id], ttlMs: 30000 }           → { lease: { token, ids, expiresAt } }
 * // context_update { id, merge: { step: 2 }, lease: token }      → { context }
 * // context_transaction { lease: token, writes: [{ op: "update", id, value: 3 }, { op: "delete", id: other }] }
 * // context_lease_release { token, ids: [id] }
 * ```
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Tool from "../server/Tool.js"
import { ContextValidationError } from "./ContextError.js"
import type * as ContextManager from "./ContextManager.js"
import {
  ChangeFields,
  changeOf,
  ContextView,
  ExportDocument,
  Failure,
  Id,
  Labels,
  LeaseView,
  Version,
  view,
  withManager,
  WriteFields
} from "./McpContextViews.js"

/** Most contexts one `context_export` answers, one lease covers, or one transaction writes. */
export const MaxContexts = { export: 1000, lease: 100, transaction: 100 } as const

/** The longest lease: one day. */
export const MaxLeaseMs = 86_400_000

const Ids = (max: number) =>
  Schema.Array(Id).pipe(Schema.minItems(1), Schema.maxItems(max)).annotations({ description: `Contexts' ids (1 to ${max})` })
const Ttl = Schema.Int.pipe(Schema.between(1, MaxLeaseMs)).annotations({ description: "How long the lease lasts, in milliseconds" })
const Token = Schema.String.annotations({ description: "The lease's token (from context_lease_acquire)" })

/** `context_restore`. */
export const Restore = Tool.make("context_restore", {
  description: "Make the value of an earlier retained version the current one (as a new version); accepts expectedVersion, strategy and lease like context_update",
  input: Schema.Struct({ id: Id, version: Version, ...WriteFields }),
  output: Schema.Struct({ context: ContextView }),
  failure: Failure,
  annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false }
}, ({ id, version, ...options }) =>
  withManager((contexts, who) => Effect.map(contexts.restore(id, version, { ...options, actor: who }), (record) => ({ context: view(record) }))))

const TransactionWrite = Schema.Union(
  Schema.Struct({ op: Schema.Literal("update"), id: Id, ...ChangeFields, ...WriteFields }),
  Schema.Struct({ op: Schema.Literal("delete"), id: Id, ...WriteFields })
)

/** `context_transaction`. */
export const Transaction = Tool.make("context_transaction", {
  description: "Commit several writes across contexts atomically: every one of them or none. " +
    "Each write is an update (exactly one of patch, merge, value) or a delete, with expectedVersion, strategy and lease as in context_update; " +
    "a top-level lease applies to the writes that name none. Each context at most once.",
  input: Schema.Struct({
    writes: Schema.Array(TransactionWrite).pipe(Schema.minItems(1), Schema.maxItems(MaxContexts.transaction)),
    lease: WriteFields.lease
  }),
  output: Schema.Struct({
    results: Schema.Array(Schema.Struct({ id: Schema.String, deleted: Schema.Boolean, context: Schema.optional(ContextView) }))
  }),
  failure: Failure,
  annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false }
}, (input) =>
  withManager((contexts, who) =>
    Effect.gen(function*() {
      const writes: Array<ContextManager.Write> = []
      for (const write of input.writes) {
        const options = { expectedVersion: write.expectedVersion, strategy: write.strategy, lease: write.lease ?? input.lease, actor: who }
        writes.push(write.op === "delete"
          ? { _tag: "Delete", id: write.id, ...options }
          : { _tag: "Update", id: write.id, change: yield* changeOf(write.id, write), ...options })
      }
      const records = yield* contexts.transaction(writes)
      return {
        results: records.map((record, i) =>
          Option.match(record, {
            onNone: () => ({ id: writes[i]!.id, deleted: true }),
            onSome: (head) => ({ id: head.id, deleted: false, context: view(head) })
          })
        )
      }
    })))

/** `context_lease_acquire`. */
export const LeaseAcquire = Tool.make("context_lease_acquire", {
  description: "Take an exclusive lease on contexts (all or none, never waiting): until it is released or expires, " +
    "only writes passing its token as lease change them. Answers the token and when the lease ends.",
  input: Schema.Struct({
    ids: Ids(MaxContexts.lease),
    ttlMs: Ttl,
    holder: Schema.optional(Schema.String.annotations({ description: "Who holds it (the client's name by default)" }))
  }),
  output: Schema.Struct({ lease: LeaseView }),
  failure: Failure,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false }
}, ({ holder, ids, ttlMs }) =>
  withManager((contexts, who) => {
    const name = holder ?? who
    return Effect.map(contexts.acquireLease(ids, name === undefined ? { ttlMs } : { ttlMs, holder: name }), (lease) => ({ lease }))
  }))

/** `context_lease_renew`. */
export const LeaseRenew = Tool.make("context_lease_renew", {
  description: "Extend a lease still held: it then ends ttlMs from now",
  input: Schema.Struct({ token: Token, ids: Ids(MaxContexts.lease), ttlMs: Ttl }),
  output: Schema.Struct({ lease: LeaseView }),
  failure: Failure,
  annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false }
}, ({ ids, token, ttlMs }) =>
  withManager((contexts) => Effect.map(contexts.renewLease({ token, ids, expiresAt: 0 }, ttlMs), (lease) => ({ lease }))))

/** `context_lease_release`. */
export const LeaseRelease = Tool.make("context_lease_release", {
  description: "End a lease (nothing happens for ids it no longer holds)",
  input: Schema.Struct({ token: Token, ids: Ids(MaxContexts.lease) }),
  output: Schema.Struct({ released: Schema.Boolean }),
  failure: Failure,
  annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false }
}, ({ ids, token }) => withManager((contexts) => Effect.as(contexts.releaseLease({ token, ids, expiresAt: 0 }), { released: true })))

/** The ids matching a label/parent filter, every page of them, failing past `MaxContexts.export`. */
const idsMatching = (contexts: ContextManager.Service, filter: ContextManager.ListOptions) =>
  Effect.gen(function*() {
    const ids: Array<string> = []
    let cursor: string | undefined
    do {
      const page = yield* contexts.list({ ...filter, cursor, limit: 1000 })
      ids.push(...page.contexts.map((summary) => summary.id))
      cursor = page.nextCursor
      if (ids.length > MaxContexts.export) {
        return yield* new ContextValidationError({ id: "", issues: [`more than ${MaxContexts.export} contexts match: name them by ids, or narrow the filter`] })
      }
    } while (cursor !== undefined)
    return ids
  })

/** `context_export`. */
export const Export = Tool.make("context_export", {
  description: `Export contexts with their retained histories as one JSON document (for context_import): those named by ids, ` +
    `or those matching labels and parent, or every context; at most ${MaxContexts.export}`,
  input: Schema.Struct({
    ids: Schema.optional(Ids(MaxContexts.export)),
    labels: Schema.optional(Labels),
    parent: Schema.optional(Id)
  }),
  output: Schema.Struct({ document: ExportDocument }),
  failure: Failure,
  annotations: { readOnlyHint: true, openWorldHint: false }
}, ({ ids, labels, parent }) =>
  withManager((contexts) =>
    Effect.gen(function*() {
      if (ids !== undefined && (labels !== undefined || parent !== undefined)) {
        return yield* new ContextValidationError({ id: "", issues: ["give ids, or a filter (labels, parent), not both"] })
      }
      const document = yield* contexts.exportJson(ids ?? (yield* idsMatching(contexts, { labels, parent })))
      return { document: document as typeof ExportDocument.Type }
    })))

/** `context_import`. */
export const Import = Tool.make("context_import", {
  description: "Add the contexts of an export document (context_export), keeping their ids, versions and histories: " +
    "every hash chain must verify and no id may be in use; all of them are added or none",
  input: Schema.Struct({ document: ExportDocument }),
  output: Schema.Struct({ ids: Schema.Array(Schema.String) }),
  failure: Failure,
  annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false }
}, ({ document }) =>
  withManager((contexts) => Effect.as(contexts.importJson(document), { ids: document.contexts.map((context) => context.record.id) })))

/** `context_verify`. */
export const Verify = Tool.make("context_verify", {
  description: "Check a context: its value satisfies its schema, its retained versions are contiguous up to the head, " +
    "and its SHA-256 hash chain verifies. Answers valid with the head's version and hash, or an error naming what failed.",
  input: Schema.Struct({ id: Id }),
  output: Schema.Struct({ valid: Schema.Literal(true), version: Schema.Int, hash: Schema.String }),
  failure: Failure,
  annotations: { readOnlyHint: true, openWorldHint: false }
}, ({ id }) =>
  withManager((contexts) =>
    Effect.gen(function*() {
      yield* contexts.validateContext(id)
      yield* contexts.checkConsistency(id)
      const head = yield* contexts.get(id)
      return { valid: true as const, version: head.version, hash: head.hash }
    })))

/** Every tool of this module. */
export const tools = [Restore, Transaction, LeaseAcquire, LeaseRenew, LeaseRelease, Export, Import, Verify] as const
