import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Protocol from "../../src/protocol/Protocol.js"
import { TasksExtensionId } from "../../src/schema/tasks.js"
import { ExtensionCreateTaskResult, ExtensionGetTaskResult } from "../../src/schema/tasksExtension.js"
import * as McpServer from "../../src/server/McpServer.js"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { peerOf, type RawPeer } from "../harness.js"
import { ask2026, meta2026 } from "./support-stateless.js"

const withTasks = { extensions: { [TasksExtensionId]: {} } }

const Greet = Tool.make("greet", { input: Schema.Struct({}), execution: { taskSupport: "optional" } }, () =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    const name = yield* context.elicit("Your name?", Schema.Struct({ name: Schema.String }))
    const age = yield* context.elicit("Your age?", Schema.Struct({ age: Schema.Int }))
    return name.action === "accept" && age.action === "accept" ? `${name.content.name} (${age.content.age})` : "declined"
  }).pipe(Effect.orDie))

const Must = Tool.make("must", { input: Schema.Struct({}), execution: { taskSupport: "required" } }, () => Effect.succeed("must ran"))

const Refuses = Tool.make("refuses", { input: Schema.Struct({}), execution: { taskSupport: "optional" } }, () =>
  Effect.fail(new Error("no way")))

const Plain = Tool.make("plain", { input: Schema.Struct({}) }, () => Effect.succeed("plain ran"))

let release: Deferred.Deferred<void> | undefined
let interrupted = 0
const Waits = Tool.make("waits", { input: Schema.Struct({}), execution: { taskSupport: "optional" } }, () =>
  Effect.flatMap(Effect.sync(() => release!), Deferred.await).pipe(
    Effect.as("released"),
    Effect.onInterrupt(() => Effect.sync(() => interrupted++))
  ))

const serverPeer = (tools: ReadonlyArray<Tool.Any>) =>
  Effect.gen(function*() {
    const server = yield* McpServer.make({ name: "tasks", version: "1.0.0" }, { tools }).pipe(Effect.provide(Protocol.layerDefault))
    return yield* peerOf(server.connect)
  })

/** Polls `tasks/get` until the task's status is `status`. */
const until = (peer: RawPeer, taskId: string, status: string, id = { next: 1000 }): Effect.Effect<any, unknown> =>
  Effect.flatMap(ask2026(peer, id.next++, "tasks/get", { taskId }, withTasks), (answer) =>
    answer.result?.status === status ? Effect.succeed(answer.result) : Effect.zipRight(Effect.sleep("5 millis"), until(peer, taskId, status, id)))

describe("Tasks extension (2026-07-28)", () => {
  it.scopedLive("server/discover advertises the extension only while some tool supports tasks", () =>
    Effect.gen(function*() {
      const withTool = yield* serverPeer([Greet, Plain])
      expect((yield* ask2026(withTool, 1, "server/discover")).result.capabilities.extensions).toEqual({ [TasksExtensionId]: {} })
      const without = yield* serverPeer([Plain])
      expect((yield* ask2026(without, 1, "server/discover")).result.capabilities.extensions).toBeUndefined()
    }))

  it.scopedLive("a task tool answers with a task when the client declares the extension; tasks/get inlines the result", () =>
    Effect.gen(function*() {
      const peer = yield* serverPeer([Must, Plain])
      const created = (yield* ask2026(peer, 1, "tools/call", { name: "must", arguments: {} }, withTasks)).result
      expect(Schema.is(ExtensionCreateTaskResult)(created)).toBe(true)
      expect(created).toMatchObject({ resultType: "task", status: "working", ttlMs: 3_600_000, pollIntervalMs: 1000 })
      const done = yield* until(peer, created.taskId, "completed")
      expect(Schema.is(ExtensionGetTaskResult)(done)).toBe(true)
      expect(done).toMatchObject({ resultType: "complete", taskId: created.taskId, result: { content: [{ type: "text", text: "must ran" }] } })
      // A tool that does not support tasks runs directly.
      expect((yield* ask2026(peer, 2, "tools/call", { name: "plain", arguments: {} }, withTasks)).result).toMatchObject({ resultType: "complete" })
    }))

  it.scopedLive("without the extension: an optional task tool runs directly, a required one is -32021", () =>
    Effect.gen(function*() {
      const peer = yield* serverPeer([Must, Refuses])
      const direct = (yield* ask2026(peer, 1, "tools/call", { name: "refuses", arguments: {} })).result
      expect(direct).toMatchObject({ resultType: "complete", isError: true })
      const refused = yield* ask2026(peer, 2, "tools/call", { name: "must", arguments: {} })
      expect(refused.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { [TasksExtensionId]: {} } } } })
    }))

  it.scopedLive("an error result completes the task (failed is for JSON-RPC errors only)", () =>
    Effect.gen(function*() {
      const peer = yield* serverPeer([Refuses])
      const created = (yield* ask2026(peer, 1, "tools/call", { name: "refuses", arguments: {} }, withTasks)).result
      const done = yield* until(peer, created.taskId, "completed")
      expect(done.result).toMatchObject({ isError: true, content: [{ type: "text", text: "no way" }] })
    }))

  it.scopedLive("the tool's requests become input requests: input_required, tasks/update answers them one by one", () =>
    Effect.gen(function*() {
      const peer = yield* serverPeer([Greet])
      const capabilities = { ...withTasks, elicitation: {} }
      const created = (yield* ask2026(peer, 1, "tools/call", { name: "greet", arguments: {} }, capabilities)).result
      const first = yield* until(peer, created.taskId, "input_required")
      expect(first.inputRequests).toEqual({
        "0": { method: "elicitation/create", params: expect.objectContaining({ message: "Your name?" }) }
      })
      // Unknown keys are ignored; the ack is empty.
      const ack = yield* ask2026(peer, 2, "tasks/update", {
        taskId: created.taskId,
        inputResponses: { "0": { action: "accept", content: { name: "Ada" } }, "7": { action: "decline" } }
      }, capabilities)
      expect(ack.result).toEqual({ resultType: "complete", _meta: expect.any(Object) })
      const second = yield* Effect.flatMap(Effect.sleep("5 millis"), () => until(peer, created.taskId, "input_required"))
      // Keys are never reused over the task's life.
      expect(Object.keys(second.inputRequests)).toEqual(["1"])
      expect(second.inputRequests["1"].params.message).toBe("Your age?")
      yield* ask2026(peer, 3, "tasks/update", { taskId: created.taskId, inputResponses: { "1": { action: "accept", content: { age: 36 } } } }, capabilities)
      const done = yield* until(peer, created.taskId, "completed")
      expect(done.result.content).toEqual([{ type: "text", text: "Ada (36)" }])
      expect(done.inputRequests).toBeUndefined()
    }))

  it.scopedLive("tasks/cancel acknowledges, interrupts the tool, and acknowledges again once cancelled; unknown ids are -32602", () =>
    Effect.gen(function*() {
      const peer = yield* serverPeer([Waits])
      release = yield* Deferred.make<void>()
      interrupted = 0
      const created = (yield* ask2026(peer, 1, "tools/call", { name: "waits", arguments: {} }, withTasks)).result
      yield* Effect.sleep("20 millis")
      expect((yield* ask2026(peer, 2, "tasks/cancel", { taskId: created.taskId }, withTasks)).result).toMatchObject({ resultType: "complete" })
      expect((yield* until(peer, created.taskId, "cancelled")).status).toBe("cancelled")
      expect(interrupted).toBe(1)
      expect((yield* ask2026(peer, 3, "tasks/cancel", { taskId: created.taskId }, withTasks)).result).toMatchObject({ resultType: "complete" })
      expect((yield* ask2026(peer, 4, "tasks/get", { taskId: "nope" }, withTasks)).error.code).toBe(-32602)
      expect((yield* ask2026(peer, 5, "tasks/cancel", { taskId: "nope" }, withTasks)).error.code).toBe(-32602)
      // tasks/result and tasks/list are not part of the extension.
      expect((yield* ask2026(peer, 6, "tasks/list", {}, withTasks)).error.code).toBe(-32601)
    }))

  it.scopedLive("subscriptions/listen with taskIds: -32021 without the extension; with it, notifications/tasks carry the whole task", () =>
    Effect.gen(function*() {
      const peer = yield* serverPeer([Waits])
      release = yield* Deferred.make<void>()
      const created = (yield* ask2026(peer, 1, "tools/call", { name: "waits", arguments: {} }, withTasks)).result
      const refused = yield* ask2026(peer, 2, "subscriptions/listen", { notifications: { taskIds: [created.taskId] } })
      expect(refused.error).toMatchObject({ code: -32021 })
      peer.send({ jsonrpc: "2.0", id: "listen", method: "subscriptions/listen", params: { notifications: { taskIds: [created.taskId] }, _meta: meta2026(withTasks) } })
      const ack = yield* peer.nextWhere((m) => m.method === "notifications/subscriptions/acknowledged")
      expect(ack.params.notifications).toEqual({ taskIds: [created.taskId] })
      yield* Deferred.succeed(release, undefined)
      const update = yield* peer.nextWhere((m) => m.method === "notifications/tasks")
      expect(update.params).toMatchObject({
        taskId: created.taskId,
        status: "completed",
        result: { content: [{ type: "text", text: "released" }] },
        _meta: { "io.modelcontextprotocol/subscriptionId": "listen" }
      })
    }))
})
