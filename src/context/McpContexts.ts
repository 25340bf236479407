/**
 * Contexts over MCP: the tools `context_create`, `context_get`, `context_update`,
 * `context_delete`, `context_list`, `context_history` and `context_diff` (and, from
 * `McpContextOps`, `context_restore`, `context_transaction`, `context_lease_acquire|renew|release`,
 * `context_export`, `context_import`, `context_verify`); the resource template
 * `context://{id}` (readable, with id completion); and `notifications`, which sends
 * `resources/updated` for `context://{id}` on every committed change (to subscribed sessions,
 * and to `subscriptions/listen` streams in 2026-07-28). Handlers need the `ContextManager`.
 *
 * @example
 * ```ts
 * const server = McpServer.layer({ name: "app", version: "1.0.0" }, { tools: McpContexts.tools, resourceTemplates: [McpContexts.template] })
 * const app = Layer.mergeAll(server, McpContexts.notifications).pipe(
 *   Layer.provideMerge(server), Layer.provideMerge(ContextManager.layer()), Layer.provide(MemoryStore.layer()))
 * ```
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { McpServer } from "../server/McpServer.js"
import * as Resource from "../server/Resource.js"
import * as ResourceTemplate from "../server/ResourceTemplate.js"
import * as Tool from "../server/Tool.js"
import * as ContextManager from "./ContextManager.js"
import * as Json from "./Json.js"
import * as Ops from "./McpContextOps.js"
import { ChangeFields, changeOf, ContextView, EntryView, Failure, Id, Labels, SummaryView, Version, view, withManager, WriteFields } from "./McpContextViews.js"

export { ContextView, EntryView, ExportDocument, LeaseView, SummaryView } from "./McpContextViews.js"

/** The URI of a context's resource. */
export const uriOf = (id: string): string => `context://${encodeURIComponent(id)}`

/** `context_create`. */
export const Create = Tool.make("context_create", {
  description: "Create a shared context holding a JSON value; answers its id and version 1",
  input: Schema.Struct({
    value: Json.JsonValue.annotations({ description: "The initial JSON value" }),
    schema: Schema.optional(Schema.Record({ key: Schema.String, value: Json.JsonValue }).annotations({ description: "A JSON Schema (2020-12) every value must satisfy" })),
    parent: Schema.optional(Id),
    labels: Schema.optional(Labels)
  }),
  output: Schema.Struct({ context: ContextView }),
  failure: Failure,
  annotations: { destructiveHint: false, openWorldHint: false }
}, (input) =>
  withManager((contexts, who) =>
    Effect.map(
      contexts.create({ value: input.value, schema: input.schema, parent: input.parent, labels: input.labels, owner: who, actor: who }),
      (record) => ({ context: view(record) })
    )))

/** `context_get`. */
export const Get = Tool.make("context_get", {
  description: "Read a context: its value, version and ETag",
  input: Schema.Struct({ id: Id }),
  output: Schema.Struct({ context: ContextView }),
  failure: Failure,
  annotations: { readOnlyHint: true, openWorldHint: false }
}, ({ id }) => withManager((contexts) => Effect.map(contexts.get(id), (record) => ({ context: view(record) }))))

/** `context_update`. */
export const Update = Tool.make("context_update", {
  description: "Change a context with exactly one of: patch (RFC 6902 JSON Patch), merge (RFC 7396 JSON Merge Patch), value (the whole new value). " +
    "With expectedVersion, a stale version is a conflict unless strategy is last-writer-wins or merge (three-way, from that version). " +
    "A leased context needs the lease's token.",
  input: Schema.Struct({ id: Id, ...ChangeFields, ...WriteFields }),
  output: Schema.Struct({ context: ContextView }),
  failure: Failure,
  annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false }
}, (input) =>
  Effect.flatMap(changeOf(input.id, input), (change) =>
    withManager((contexts, who) =>
      Effect.map(
        contexts.update(input.id, change, { expectedVersion: input.expectedVersion, strategy: input.strategy, lease: input.lease, actor: who }),
        (record) => ({ context: view(record) })
      ))))

/** `context_delete`. */
export const Delete = Tool.make("context_delete", {
  description: "Delete a context and its history",
  input: Schema.Struct({ id: Id, expectedVersion: WriteFields.expectedVersion, lease: WriteFields.lease }),
  output: Schema.Struct({ id: Schema.String, deleted: Schema.Boolean }),
  failure: Failure,
  annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false }
}, ({ expectedVersion, id, lease }) =>
  withManager((contexts, who) => Effect.as(contexts.delete(id, { expectedVersion, lease, actor: who }), { id, deleted: true })))

/** `context_list`. */
export const List = Tool.make("context_list", {
  description: "List contexts (without values), filtered by labels or parent, in pages",
  input: Schema.Struct({
    labels: Schema.optional(Labels),
    parent: Schema.optional(Id),
    cursor: Schema.optional(Schema.String),
    limit: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000)))
  }),
  output: Schema.Struct({ contexts: Schema.Array(SummaryView), nextCursor: Schema.optional(Schema.String) }),
  failure: Failure,
  annotations: { readOnlyHint: true, openWorldHint: false }
}, (input) =>
  withManager((contexts) =>
    Effect.map(contexts.list(input), (page) => ({
      contexts: page.contexts.map((summary) => view(summary) as typeof SummaryView.Type),
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor })
    }))))

/** `context_history`. */
export const History = Tool.make("context_history", {
  description: "The retained versions of a context, oldest first, each with its value, RFC 6902 patch, actor and hash",
  input: Schema.Struct({ id: Id, fromVersion: Schema.optional(Version), limit: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))) }),
  output: Schema.Struct({ entries: Schema.Array(EntryView) }),
  failure: Failure,
  annotations: { readOnlyHint: true, openWorldHint: false }
}, ({ fromVersion, id, limit }) =>
  withManager((contexts) =>
    Effect.map(
      contexts.history(id, { ...(fromVersion === undefined ? {} : { fromVersion }), ...(limit === undefined ? {} : { limit }) }),
      (entries) => ({ entries: entries.map(({ id: _, ...entry }) => entry as typeof EntryView.Type) })
    )))

/** `context_diff`. */
export const Diff = Tool.make("context_diff", {
  description: "The RFC 6902 JSON Patch from one retained version of a context to another",
  input: Schema.Struct({ id: Id, from: Version, to: Version }),
  output: Schema.Struct({ patch: Json.Patch }),
  failure: Failure,
  annotations: { readOnlyHint: true, openWorldHint: false }
}, ({ from, id, to }) => withManager((contexts) => Effect.map(contexts.diff(id, from, to), (patch) => ({ patch }))))

/**
 * Every context tool: the seven above, then restore, transactions, leases, export/import and
 * verification (`McpContextOps`).
 */
export const tools = [Create, Get, Update, Delete, List, History, Diff, ...Ops.tools] as const

/** `context://{id}`: the context's current value as JSON; subscribe to hear of every change. */
export const template = ResourceTemplate.make({
  uriTemplate: "context://{id}",
  name: "context",
  title: "Context",
  description: "A shared context's current value (JSON). Subscribe to be told of each new version.",
  mimeType: "application/json",
  params: Schema.Struct({ id: Schema.String }),
  complete: {
    id: (value: string) =>
      ContextManager.ContextManager.pipe(
        Effect.flatMap((contexts) => contexts.list({ prefix: value, limit: 100 })),
        Effect.map((page) => page.contexts.map((summary) => summary.id))
      )
  }
}, ({ id }, uri) =>
  ContextManager.ContextManager.pipe(
    Effect.flatMap((contexts) => contexts.get(id)),
    Effect.map((record) => [{ uri, mimeType: "application/json", text: JSON.stringify(record.value), _meta: { version: record.version, etag: ContextManager.etag(record) } }]),
    Effect.catchTag("ContextNotFound", () => Effect.fail(new Resource.ResourceNotFound({ uri })))
  ))

/** Sends `resources/updated` for `context://{id}` on each committed change, while the layer lives. */
export const notifications: Layer.Layer<never, never, McpServer | ContextManager.ContextManager> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const server = yield* McpServer
    const contexts = yield* ContextManager.ContextManager
    const changes = yield* contexts.watch()
    yield* Effect.forkScoped(Stream.runForEach(changes, (change) => server.notifyResourceUpdated(uriOf(change.id))))
  })
)
