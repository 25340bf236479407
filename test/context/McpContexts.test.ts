/**
 * Contexts over MCP, over the in-memory transport: the context_* tools, `context://{id}` reads,
 * completion of ids, and `resources/updated` for subscribed sessions.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as McpContexts from "../../src/context/McpContexts.js"
import * as McpServer from "../../src/server/McpServer.js"
import { peerOf, type RawPeer } from "../harness.js"
import { ask2026 } from "../server/support-stateless.js"
import { ask, serverWith } from "../server/support.js"
import { memory } from "./support.js"

const setup = Effect.gen(function*() {
  const { peer, server } = yield* serverWith({ tools: McpContexts.tools, resourceTemplates: [McpContexts.template] })
  yield* Layer.build(McpContexts.notifications.pipe(Layer.provide(Layer.succeed(McpServer.McpServer, server))))
  return { peer, server }
})

const call = (peer: RawPeer, id: string, name: string, args: unknown) =>
  Effect.map(ask(peer, id, "tools/call", { name, arguments: args }), (answer) => answer.result)

describe("contexts over MCP", () => {
  it.scopedLive("serves every context tool with its output schema", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup
      const client = yield* peer()
      const { tools } = (yield* ask(client, 1, "tools/list")).result
      expect(tools.map((t: any) => t.name)).toEqual([
        "context_create", "context_get", "context_update", "context_delete", "context_list", "context_history", "context_diff",
        "context_restore", "context_transaction", "context_lease_acquire", "context_lease_renew", "context_lease_release",
        "context_export", "context_import", "context_verify"
      ])
      for (const tool of tools) expect(tool.outputSchema.type).toBe("object")
    }).pipe(Effect.provide(memory())))

  it.scopedLive("creates, updates in three forms, reports conflicts and bad input as error results", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup
      const client = yield* peer()
      const created = yield* call(client, "c", "context_create", { value: { a: 1 }, labels: { team: "x" } })
      const { context } = created.structuredContent
      expect([context.version, context.owner, context.value]).toEqual([1, "test", { a: 1 }])
      const patched = yield* call(client, "p", "context_update", { id: context.id, patch: [{ op: "add", path: "/b", value: 2 }], expectedVersion: 1 })
      expect(patched.structuredContent.context.value).toEqual({ a: 1, b: 2 })
      const merged = yield* call(client, "m", "context_update", { id: context.id, merge: { a: null } })
      expect(merged.structuredContent.context).toMatchObject({ version: 3, value: { b: 2 } })
      const stale = yield* call(client, "s", "context_update", { id: context.id, value: 0, expectedVersion: 1 })
      expect(stale.isError).toBe(true)
      expect(stale.content[0].text).toMatch(/expected version 1, the current version is 3/)
      expect(stale._meta["machine-context/error"]).toEqual({ _tag: "VersionConflict", id: context.id, expected: 1, actual: 3 })
      const merged3 = yield* call(client, "3", "context_update", { id: context.id, merge: { c: 1 }, expectedVersion: 2, strategy: "merge" })
      expect(merged3.structuredContent.context.value).toEqual({ b: 2, c: 1 })
      const both = yield* call(client, "b", "context_update", { id: context.id, value: 1, merge: {} })
      expect(both.isError && both.content[0].text).toMatch(/exactly one of patch, merge or value/)
      const badPatch = yield* call(client, "x", "context_update", { id: context.id, patch: [{ op: "remove", path: "/nope" }] })
      expect(badPatch._meta["machine-context/error"]._tag).toBe("ContextValidationError")
      const missing = yield* call(client, "n", "context_get", { id: "ctx_missing" })
      expect(missing._meta["machine-context/error"]).toEqual({ _tag: "ContextNotFound", id: "ctx_missing" })
      const history = yield* call(client, "h", "context_history", { id: context.id })
      expect(history.structuredContent.entries.map((e: any) => [e.version, e.actor])).toEqual([[1, "test"], [2, "test"], [3, "test"], [4, "test"]])
      const diff = yield* call(client, "d", "context_diff", { id: context.id, from: 1, to: 2 })
      expect(diff.structuredContent.patch).toEqual([{ op: "add", path: "/b", value: 2 }])
      const list = yield* call(client, "l", "context_list", { labels: { team: "x" } })
      expect(list.structuredContent.contexts.map((c: any) => [c.id, c.value])).toEqual([[context.id, undefined]])
      const deleted = yield* call(client, "del", "context_delete", { id: context.id, expectedVersion: 4 })
      expect(deleted.structuredContent).toEqual({ id: context.id, deleted: true })
    }).pipe(Effect.provide(memory())))

  it.scopedLive("reads context://{id}, completes ids, and notifies subscribers of each change", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup
      const client = yield* peer()
      const other = yield* peer()
      const { context } = (yield* call(client, "c", "context_create", { value: [1] })).structuredContent
      const uri = `context://${context.id}`
      const read = (yield* ask(client, "r", "resources/read", { uri })).result
      expect(read.contents[0]).toMatchObject({ uri, mimeType: "application/json", text: "[1]" })
      expect((yield* ask(client, "u", "resources/read", { uri: "context://ctx_none" })).error.code).toBe(-32002)
      const completion = (yield* ask(client, "k", "completion/complete", {
        ref: { type: "ref/resource", uri: "context://{id}" },
        argument: { name: "id", value: context.id.slice(0, 10) }
      })).result
      expect(completion.completion.values).toEqual([context.id])
      expect((yield* ask(client, "sub", "resources/subscribe", { uri })).result).toEqual({})
      yield* call(other, "w", "context_update", { id: context.id, value: [1, 2] })
      const updated = yield* client.nextWhere((m) => m.method === "notifications/resources/updated")
      expect(updated.params).toEqual({ uri })
      expect(yield* other.drain(30)).toEqual([])
    }).pipe(Effect.provide(memory())))

  it.scopedLive("2026-07-28: a subscriptions/listen stream hears of a context's changes", () =>
    Effect.gen(function*() {
      const { server } = yield* setup
      const peer = yield* peerOf(server.connect)
      const created = (yield* ask2026(peer, 1, "tools/call", { name: "context_create", arguments: { value: 1 } })).result
      const { id } = created.structuredContent.context
      const uri = `context://${id}`
      peer.send({ jsonrpc: "2.0", id: "listen", method: "subscriptions/listen", params: { notifications: { resourceSubscriptions: [uri] }, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } } })
      expect((yield* peer.nextWhere((m) => m.method === "notifications/subscriptions/acknowledged")).params.notifications).toEqual({ resourceSubscriptions: [uri] })
      const updated = (yield* ask2026(peer, 2, "tools/call", { name: "context_update", arguments: { id, value: 2, expectedVersion: 1 } })).result
      expect(updated.structuredContent.context).toMatchObject({ version: 2, owner: "stateless-test" })
      const notification = yield* peer.nextWhere((m) => m.method === "notifications/resources/updated")
      expect(notification.params).toEqual({ uri, _meta: { "io.modelcontextprotocol/subscriptionId": "listen" } })
    }).pipe(Effect.provide(memory())))
})
