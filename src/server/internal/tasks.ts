/**
 * Tasks (2025-11-25): a task-augmented `tools/call` answers at once with a `CreateTaskResult`
 * and runs the tool in a fiber of its own, which outlives the request (bounded by the task's
 * ttl, interrupted by `tasks/cancel` or when the session ends). `tasks/get`, `tasks/result`,
 * `tasks/list` and `tasks/cancel` read the `TaskStore`, scoped to the session. Status changes
 * are sent as `notifications/tasks/status`.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Clock from "effect/Clock"
import { McpError } from "../../protocol/errors.js"
import { RequestContext, type RequestContextService } from "../../protocol/RequestContext.js"
import * as Router from "../../protocol/Router.js"
import type { Session } from "../../protocol/Session.js"
import { ErrorCode } from "../../schema/jsonrpc.js"
import { PaginatedRequestParams } from "../../schema/base.js"
import { RelatedTaskMetaKey, type CreateTaskResult, type Task, TaskIdParams, type TaskMetadata } from "../../schema/tasks.js"
import type { CallToolResult } from "../../schema/tools.js"
import * as TaskStore from "../TaskStore.js"
import type { Connections } from "./connections.js"
import { decodeCursor, encodeCursor } from "./listing.js"

/** Retention when the client asks for none, and the most it may ask for. */
const DEFAULT_TTL_MS = 60 * 60 * 1000
const MAX_TTL_MS = 24 * 60 * 60 * 1000
const POLL_INTERVAL_MS = 1000

interface Running {
  readonly owner: string
  readonly taskId: string
  readonly done: Deferred.Deferred<void>
  fiber: Fiber.RuntimeFiber<void> | undefined
}

const notFound = (taskId: string) => McpError.invalidParams(`Failed to retrieve task: Task not found: ${taskId}`, { taskId })

/** What `tasks/result` answers for a cancelled task: there is no result to give. */
const cancelledOutcome = (taskId: string): TaskStore.Outcome => ({
  _tag: "Error",
  code: ErrorCode.InvalidParams,
  message: `Task ${taskId} was cancelled: it has no result`
})

export class Tasks {
  private readonly running = new Map<string, Running>()
  private readonly owners = new WeakMap<Session, string>()

  constructor(
    private readonly store: TaskStore.Service,
    private readonly pageSize: number,
    private readonly connections: Connections
  ) {}

  /** The store's key for the tasks of `session`. */
  private owner(session: Session): string {
    let owner = this.owners.get(session)
    if (owner === undefined) {
      owner = crypto.randomUUID()
      this.owners.set(session, owner)
    }
    return owner
  }

  /** Creates a task that runs `work` and answers with it at once. */
  start<R>(
    request: RequestContextService,
    metadata: TaskMetadata,
    work: Effect.Effect<CallToolResult, never, R>
  ): Effect.Effect<CreateTaskResult, McpError, R> {
    const store = this.store
    const running = this.running
    const owner = this.owner(request.session)
    // Requests to the client go on the connection (on Streamable HTTP: the session's standalone
    // stream), not on the call's stream, which ends with the CreateTaskResult.
    const peer = this.connections.of(request.session) ?? request
    return Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const ttl = Math.min(metadata.ttl ?? DEFAULT_TTL_MS, MAX_TTL_MS)
      const stamp = new Date(now).toISOString()
      const taskId = crypto.randomUUID()
      const task: Task = { taskId, status: "working", createdAt: stamp, lastUpdatedAt: stamp, ttl, pollInterval: POLL_INTERVAL_MS }
      yield* Effect.mapError(store.create(owner, task), (e) => McpError.invalidRequest(`Too many tasks (at most ${e.limit})`))
      const related = { [RelatedTaskMetaKey]: { taskId } }
      const finish = (change: TaskStore.Change) =>
        Effect.flatMap(store.update(owner, taskId, change), Option.match({
          onNone: () => Effect.void,
          onSome: (changed) => request.notify("notifications/tasks/status", changed)
        }))
      // What the tool sends goes out on the connection (the request is answered already), tagged
      // with the task; its progress under the caller's token, which stays valid for the task's life.
      const tagged = (params: Record<string, unknown> | undefined) => ({
        ...params,
        _meta: { ...(params?._meta as Record<string, unknown> | undefined), ...related }
      })
      const context: RequestContextService = {
        ...request,
        notify: (method, params) => request.notify(method, tagged(params)),
        request: (method, params, options) => peer.request(method, tagged(params), options),
        progress: (progress, total, message) =>
          request.progressToken === undefined ? Effect.void : request.notify("notifications/progress", tagged({
            progressToken: request.progressToken,
            progress,
            ...(total === undefined ? {} : { total }),
            ...(message === undefined ? {} : { message })
          }))
      }
      const life = Effect.timeoutOption(work, ttl).pipe(
        Effect.flatMap(Option.match({
          onNone: () => finish({ status: "failed", statusMessage: "The task ran past its ttl.", outcome: { _tag: "Error", code: ErrorCode.InternalError, message: `Task ${taskId} ran past its ttl` } }),
          onSome: (result) => finish({ status: result.isError === true ? "failed" : "completed", outcome: { _tag: "Result", result } })
        })),
        // A defect here is the server's: the tool's own are results already.
        Effect.catchAllDefect(() => finish({ status: "failed", outcome: { _tag: "Error", code: ErrorCode.InternalError, message: "Internal error" } })),
        Effect.provideService(RequestContext, context)
      )
      const entry: Running = { owner, taskId, done: yield* Deferred.make<void>(), fiber: undefined }
      running.set(taskId, entry)
      entry.fiber = yield* Effect.forkDaemon(life.pipe(Effect.ensuring(Effect.suspend(() => {
        running.delete(taskId)
        return Deferred.succeed(entry.done, undefined)
      }))))
      return { task }
    })
  }

  /** Cancels the tasks still running for `session`: its client can no longer reach them. */
  closeSession(session: Session): Effect.Effect<void> {
    return Effect.suspend(() => {
      const owner = this.owners.get(session)
      if (owner === undefined) return Effect.void
      const mine = [...this.running.values()].filter((r) => r.owner === owner)
      return Effect.zipRight(
        Effect.forEach(mine, (r) => this.store.update(owner, r.taskId, { status: "cancelled", statusMessage: "The session ended.", outcome: cancelledOutcome(r.taskId) }), { discard: true }),
        Fiber.interruptAll(mine.flatMap((r) => r.fiber === undefined ? [] : [r.fiber]))
      )
    })
  }

  private entry(session: Session, taskId: string): Effect.Effect<TaskStore.Entry, McpError> {
    return Effect.flatMap(this.store.get(this.owner(session), taskId), Option.match({
      onNone: () => Effect.fail(notFound(taskId)),
      onSome: Effect.succeed
    }))
  }

  /** Waits until the task is terminal, then answers what its request would have answered. */
  private result(session: Session, taskId: string): Effect.Effect<Record<string, unknown>, McpError> {
    return Effect.flatMap(this.entry(session, taskId), ({ outcome, task }) => {
      if (outcome === undefined || !TaskStore.isTerminal(task.status)) {
        const running = this.running.get(taskId)
        // Not running here (another process, or gone): poll the store.
        const wait = running === undefined ? Effect.sleep(task.pollInterval ?? POLL_INTERVAL_MS) : Deferred.await(running.done)
        return Effect.zipRight(wait, this.result(session, taskId))
      }
      if (outcome._tag === "Error") return Effect.fail(new McpError({ code: outcome.code, message: outcome.message, data: { taskId } }))
      const meta = outcome.result._meta as Record<string, unknown> | undefined
      return Effect.succeed({ ...outcome.result, _meta: { ...meta, [RelatedTaskMetaKey]: { taskId } } })
    })
  }

  private cancel(request: RequestContextService, taskId: string): Effect.Effect<Task, McpError> {
    const owner = this.owner(request.session)
    return Effect.flatMap(this.entry(request.session, taskId), ({ task }) => {
      const terminal = McpError.invalidParams(`Cannot cancel task ${taskId}: it is already ${task.status}`, { taskId, status: task.status })
      if (TaskStore.isTerminal(task.status)) return Effect.fail(terminal)
      return Effect.flatMap(this.store.update(owner, taskId, {
        status: "cancelled",
        statusMessage: "The task was cancelled by request.",
        outcome: cancelledOutcome(taskId)
      }), Option.match({
        // It finished in the meantime.
        onNone: () => Effect.fail(terminal),
        onSome: (cancelled) => {
          const fiber = this.running.get(taskId)?.fiber
          return Effect.as(
            Effect.zipRight(fiber === undefined ? Effect.void : Fiber.interrupt(fiber), request.notify("notifications/tasks/status", cancelled)),
            cancelled
          )
        }
      }))
    })
  }

  routes(): ReadonlyArray<Router.Route<any, any>> {
    return [
      Router.request("tasks/get", TaskIdParams, (params) =>
        Effect.flatMap(RequestContext, (request) => Effect.map(this.entry(request.session, params.taskId), (entry) => entry.task))),
      Router.request("tasks/result", TaskIdParams, (params) =>
        Effect.flatMap(RequestContext, (request) => this.result(request.session, params.taskId))),
      Router.request("tasks/cancel", TaskIdParams, (params) =>
        Effect.flatMap(RequestContext, (request) => this.cancel(request, params.taskId))),
      Router.request("tasks/list", PaginatedRequestParams, (params) =>
        Effect.flatMap(RequestContext, (request) => {
          const offset = params.cursor === undefined ? 0 : decodeCursor(params.cursor)
          if (offset === undefined) return Effect.fail(McpError.invalidParams("Invalid params for tasks/list: unknown cursor"))
          return Effect.map(this.store.list(this.owner(request.session), offset, this.pageSize), ({ tasks, total }) => {
            const end = offset + tasks.length
            return end < total ? { tasks, nextCursor: encodeCursor(end) } : { tasks }
          })
        }))
    ]
  }
}
