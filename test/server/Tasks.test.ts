import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { RelatedTaskMetaKey } from "../../src/schema/tasks.js"
import * as TaskStore from "../../src/server/TaskStore.js"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { peerOf, type RawPeer } from "../harness.js"
import { ask, serverWith } from "./support.js"

/** Gates the `slow` tool waits on, by name, and the gates whose tool was interrupted. */
const gates = new Map<string, Deferred.Deferred<void>>()
const interrupted = new Set<string>()

const gate = (name: string) =>
  Effect.map(Deferred.make<void>(), (deferred) => {
    gates.set(name, deferred)
    return deferred
  })

const Slow = Tool.make("slow", {
  input: Schema.Struct({ gate: Schema.String }),
  execution: { taskSupport: "optional" }
}, ({ gate }) =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    yield* context.progress(1, 2, "waiting")
    yield* Deferred.await(gates.get(gate)!)
    return `opened ${gate}`
  }).pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted.add(gate)))))

const Must = Tool.make("must", { input: Schema.Struct({}), execution: { taskSupport: "required" } }, () => Effect.succeed("must ran"))

const Refuses = Tool.make("refuses", { input: Schema.Struct({}), execution: { taskSupport: "optional" } }, () =>
  Effect.fail(new Error("no way")))

const Plain = Tool.make("plain", { input: Schema.Struct({}) }, () => Effect.succeed("plain ran"))

const Asks = Tool.make("asks", { input: Schema.Struct({}), execution: { taskSupport: "optional" } }, () =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    yield* Effect.logInfo("asking")
    const answer = yield* context.elicit("Your name?", Schema.Struct({ name: Schema.String })).pipe(Effect.orDie)
    return answer.action === "accept" ? `hello ${answer.content.name}` : "no answer"
  }))

const tools = [Slow, Must, Refuses, Plain, Asks]

const callTask = (peer: RawPeer, id: number | string, name: string, args: Record<string, unknown> = {}, task: Record<string, unknown> = { ttl: 60_000 }) =>
  ask(peer, id, "tools/call", { name, arguments: args, task })

describe("Tasks", () => {
  it.scopedLive("a task-augmented call answers at once; get says working; result waits for the tool, then status completed", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      const open = yield* gate("a")
      const created = (yield* ask(client, 1, "tools/call", { name: "slow", arguments: { gate: "a" }, task: { ttl: 60_000 }, _meta: { progressToken: "p" } })).result
      expect(created.task).toMatchObject({ status: "working", ttl: 60_000 })
      expect(created.task.taskId).toMatch(/^[0-9a-f-]{36}$/)
      expect(Date.parse(created.task.createdAt)).not.toBeNaN()
      const taskId = created.task.taskId

      // Progress of the task's tool still reaches the client, tagged with the task.
      const progress = yield* client.nextWhere((m) => m.method === "notifications/progress")
      expect(progress.params).toMatchObject({ progressToken: "p", progress: 1, total: 2, message: "waiting", _meta: { [RelatedTaskMetaKey]: { taskId } } })

      const got = (yield* ask(client, 2, "tasks/get", { taskId })).result
      expect(got).toMatchObject({ taskId, status: "working" })

      client.send({ jsonrpc: "2.0", id: 3, method: "tasks/result", params: { taskId } })
      const early = yield* client.drain(100)
      expect(early.filter((m) => m.id === 3)).toEqual([])

      yield* Deferred.succeed(open, undefined)
      const result = (yield* client.nextWhere((m) => m.id === 3)).result
      expect(result).toEqual({ content: [{ type: "text", text: "opened a" }], _meta: { [RelatedTaskMetaKey]: { taskId } } })
      const status = yield* client.nextWhere((m) => m.method === "notifications/tasks/status")
      expect(status.params).toMatchObject({ taskId, status: "completed" })
      expect((yield* ask(client, 4, "tasks/get", { taskId })).result.status).toBe("completed")
    }))

  it.scopedLive("logs and requests of a task's tool reach the client tagged with the task", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer({ elicitation: {} })
      const { taskId } = (yield* callTask(client, 1, "asks")).result.task
      const log = yield* client.nextWhere((m) => m.method === "notifications/message")
      expect(log.params).toMatchObject({ level: "info", data: "asking", _meta: { [RelatedTaskMetaKey]: { taskId } } })
      const elicitation = yield* client.nextWhere((m) => m.method === "elicitation/create")
      expect(elicitation.params).toMatchObject({ message: "Your name?", _meta: { [RelatedTaskMetaKey]: { taskId } } })
      // While the tool waits for the client, the task is input_required.
      const waiting = yield* client.nextWhere((m) => m.method === "notifications/tasks/status")
      expect(waiting.params).toMatchObject({ taskId, status: "input_required" })
      expect((yield* ask(client, 3, "tasks/get", { taskId })).result.status).toBe("input_required")
      client.send({ jsonrpc: "2.0", id: elicitation.id, result: { action: "accept", content: { name: "Ada" } } })
      expect((yield* ask(client, 2, "tasks/result", { taskId })).result.content).toEqual([{ type: "text", text: "hello Ada" }])
      const statuses = (yield* client.drain(50)).filter((m) => m.method === "notifications/tasks/status").map((m) => m.params.status)
      expect(statuses).toEqual(["working", "completed"])
    }))

  it.scopedLive("a tool's error result makes the task failed; tasks/result gives that result", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      const { taskId } = (yield* callTask(client, 1, "refuses")).result.task
      const result = (yield* ask(client, 2, "tasks/result", { taskId })).result
      expect(result).toMatchObject({ isError: true, content: [{ type: "text", text: "no way" }], _meta: { [RelatedTaskMetaKey]: { taskId } } })
      expect((yield* ask(client, 3, "tasks/get", { taskId })).result.status).toBe("failed")
    }))

  it.scopedLive("tasks/cancel interrupts the tool (its finalizer runs), the task stays cancelled, and cannot be cancelled again", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      yield* gate("c")
      const { taskId } = (yield* callTask(client, 1, "slow", { gate: "c" })).result.task
      // Let the tool start before cancelling it.
      yield* Effect.sleep("50 millis")
      const cancelled = (yield* ask(client, 2, "tasks/cancel", { taskId })).result
      expect(cancelled).toMatchObject({ taskId, status: "cancelled" })
      expect(interrupted.has("c")).toBe(true)
      const status = yield* client.nextWhere((m) => m.method === "notifications/tasks/status")
      expect(status.params).toMatchObject({ taskId, status: "cancelled" })
      expect((yield* ask(client, 3, "tasks/get", { taskId })).result.status).toBe("cancelled")
      expect((yield* ask(client, 4, "tasks/cancel", { taskId })).error.code).toBe(-32602)
      expect((yield* ask(client, 5, "tasks/result", { taskId })).error.code).toBe(-32602)
    }))

  it.scopedLive("a required tool needs a task and a forbidden one refuses it (-32601); an optional one runs either way", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      expect((yield* ask(client, 1, "tools/call", { name: "must", arguments: {} })).error.code).toBe(-32601)
      expect((yield* callTask(client, 2, "plain")).error.code).toBe(-32601)
      const { taskId } = (yield* callTask(client, 3, "must")).result.task
      expect((yield* ask(client, 4, "tasks/result", { taskId })).result.content).toEqual([{ type: "text", text: "must ran" }])
      expect((yield* ask(client, 5, "tools/call", { name: "refuses", arguments: {} })).result.isError).toBe(true)
    }))

  it.scopedLive("before 2025-11-25 `task` is ignored and tasks/* do not exist", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer({}, "2025-06-18")
      expect((yield* callTask(client, 1, "must")).result.content).toEqual([{ type: "text", text: "must ran" }])
      expect((yield* callTask(client, 2, "plain")).result.content).toEqual([{ type: "text", text: "plain ran" }])
      expect((yield* ask(client, 3, "tasks/list", {})).error.code).toBe(-32601)
    }))

  it.scopedLive("unknown task ids are -32602 for get, result and cancel; a bad cursor too", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      for (const [id, method] of [[1, "tasks/get"], [2, "tasks/result"], [3, "tasks/cancel"]] as const) {
        expect((yield* ask(client, id, method, { taskId: "nope" })).error.code).toBe(-32602)
      }
      expect((yield* ask(client, 4, "tasks/list", { cursor: "garbage" })).error.code).toBe(-32602)
    }))

  it.scopedLive("tasks/list pages through the session's tasks; another session sees none of them", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools, pageSize: 1 })
      const client = yield* peer()
      const first = (yield* callTask(client, 1, "must")).result.task.taskId
      const second = (yield* callTask(client, 2, "must")).result.task.taskId
      const page1 = (yield* ask(client, 3, "tasks/list", {})).result
      expect(page1.tasks.map((t: any) => t.taskId)).toEqual([first])
      const page2 = (yield* ask(client, 4, "tasks/list", { cursor: page1.nextCursor })).result
      expect(page2.tasks.map((t: any) => t.taskId)).toEqual([second])
      expect(page2.nextCursor).toBeUndefined()

      const other = yield* peer()
      expect((yield* ask(other, 5, "tasks/list", {})).result.tasks).toEqual([])
      expect((yield* ask(other, 6, "tasks/get", { taskId: first })).error.code).toBe(-32602)
      expect((yield* ask(other, 7, "tasks/result", { taskId: first })).error.code).toBe(-32602)
      expect((yield* ask(other, 8, "tasks/cancel", { taskId: first })).error.code).toBe(-32602)
    }))

  it.scopedLive("a task is removed when its ttl has passed", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      const { taskId } = (yield* callTask(client, 1, "must", {}, { ttl: 400 })).result.task
      expect((yield* ask(client, 2, "tasks/get", { taskId })).result.taskId).toBe(taskId)
      yield* Effect.sleep("500 millis")
      expect((yield* ask(client, 3, "tasks/get", { taskId })).error.code).toBe(-32602)
      expect((yield* ask(client, 4, "tasks/list", {})).result.tasks).toEqual([])
    }))

  it.scopedLive("the server uses the TaskStore of its context (here: room for one task)", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools }).pipe(Effect.provide(TaskStore.layerMemory({ maxTasks: 1 })))
      const client = yield* peer()
      yield* gate("s")
      expect((yield* callTask(client, 1, "slow", { gate: "s" })).result.task.status).toBe("working")
      expect((yield* callTask(client, 2, "must")).error.code).toBe(-32600)
    }))

  it.scopedLive("the tasks capability is declared in 2025-11-25 only, and only when some tool supports tasks", () =>
    Effect.gen(function*() {
      const withTasks = yield* serverWith({ tools })
      const without = yield* serverWith({ tools: [Plain] })
      const init = (server: typeof withTasks, version: string) =>
        Effect.flatMap(peerOf(server.server.connect), (p) => Effect.map(p.initialize(version), (m) => m.result.capabilities))
      expect((yield* init(withTasks, "2025-11-25")).tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } })
      expect((yield* init(withTasks, "2025-06-18")).tasks).toBeUndefined()
      expect((yield* init(without, "2025-11-25")).tasks).toBeUndefined()
      const client = yield* withTasks.peer()
      const listed = (yield* ask(client, 1, "tools/list", {})).result.tools
      expect(Object.fromEntries(listed.map((t: any) => [t.name, t.execution]))).toEqual({
        slow: { taskSupport: "optional" },
        must: { taskSupport: "required" },
        refuses: { taskSupport: "optional" },
        plain: undefined,
        asks: { taskSupport: "optional" }
      })
    }))

  it.scopedLive("a task still running when its ttl passes is interrupted", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      yield* gate("t")
      yield* callTask(client, 1, "slow", { gate: "t" }, { ttl: 100 })
      yield* Effect.sleep("300 millis")
      expect(interrupted.has("t")).toBe(true)
    }))

  it.scopedLive("tasks still running when their session ends are cancelled and interrupted", () =>
    Effect.gen(function*() {
      // The memory store, recording every change it is asked for.
      const changes: Array<TaskStore.Change> = []
      const recording = Layer.effect(TaskStore.TaskStore, Effect.map(TaskStore.makeMemory(), (store) => ({
        ...store,
        update: (owner: string, taskId: string, change: TaskStore.Change) => {
          changes.push(change)
          return store.update(owner, taskId, change)
        }
      })))
      const { peer } = yield* serverWith({ tools }).pipe(Effect.provide(recording))
      yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* peer()
        yield* gate("e")
        yield* callTask(client, 1, "slow", { gate: "e" })
      }))
      expect(interrupted.has("e")).toBe(true)
      expect(changes).toMatchObject([{ status: "cancelled", statusMessage: "The session ended." }])
    }))
})
