/**
 * Tasks. A task answers a `tools/call` at once and runs the tool in a fiber of its own, which
 * outlives the request (bounded by the task's ttl, interrupted by `tasks/cancel`).
 *
 * - 2025-11-25: the client asks for a task (`task` param); `tasks/get`, `tasks/result`,
 *   `tasks/list` and `tasks/cancel` read the `TaskStore`, scoped to the session, and the
 *   session's end cancels its tasks. Status changes are sent as `notifications/tasks/status`.
 *   While the tool waits for the client (elicitation, sampling, roots) the task is
 *   `input_required`.
 * - 2026-07-28, the `io.modelcontextprotocol/tasks` extension: the server runs a tool that
 *   supports tasks as one whenever the request's client declares the extension (a tool that
 *   requires it answers -32021 otherwise). There are no sessions: the unguessable task id is
 *   the handle. The tool's requests to the client become the task's `inputRequests` (status
 *   `input_required`), answered with `tasks/update`; `tasks/get` inlines the result, the error
 *   or the input requests; status changes go to `subscriptions/listen` streams that asked for
 *   the task's id, as `notifications/tasks`.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { McpError } from "../../protocol/errors.js"
import { RequestContext, type RequestContextService } from "../../protocol/RequestContext.js"
import * as Router from "../../protocol/Router.js"
import type { Session } from "../../protocol/Session.js"
import { PaginatedRequestParams } from "../../schema/base.js"
import { ErrorCode } from "../../schema/jsonrpc.js"
import { type InputRequests, StatelessErrorCode } from "../../schema/stateless.js"
import { RelatedTaskMetaKey, type CreateTaskResult, type Task, TaskIdParams, type TaskMetadata, TasksExtensionId } from "../../schema/tasks.js"
import { type DetailedTask, type ExtensionCreateTaskResult, type ExtensionTask, UpdateTaskRequestParams } from "../../schema/tasksExtension.js"
import type { CallToolResult } from "../../schema/tools.js"
import * as TaskStore from "../TaskStore.js"
import type { Connections } from "./connections.js"
import type { InputRounds } from "./inputRequired.js"
import { decodeCursor, encodeCursor } from "./listing.js"

/** Retention when the client asks for none, and the most it may ask for. */
const DEFAULT_TTL_MS = 60 * 60 * 1000
const MAX_TTL_MS = 24 * 60 * 60 * 1000
const POLL_INTERVAL_MS = 1000

/** The store's owner of extension tasks (2026-07-28 has no sessions to scope them to). */
const EXTENSION_OWNER = TasksExtensionId

/** A request of the tool to the client, waiting in a 2026 task for `tasks/update`. */
interface Input {
  readonly request: { readonly method: string; readonly params: Record<string, unknown> }
  readonly answer: Deferred.Deferred<Record<string, unknown>>
}

interface Running {
  readonly owner: string
  readonly taskId: string
  readonly done: Deferred.Deferred<void>
  fiber: Fiber.RuntimeFiber<void> | undefined
  /** Requests to the client the tool waits for (2025: sent ones; 2026: input requests by key). */
  waiting: number
  readonly inputs: Map<string, Input>
  nextKey: number
}

const notFound = (taskId: string) => McpError.invalidParams(`Failed to retrieve task: Task not found: ${taskId}`, { taskId })

/** What `tasks/result` answers for a cancelled task: there is no result to give. */
const cancelledOutcome = (taskId: string): TaskStore.Outcome => ({
  _tag: "Error",
  code: ErrorCode.InvalidParams,
  message: `Task ${taskId} was cancelled: it has no result`
})

/** Whether the request's client declared the tasks extension (2026-07-28, per request). */
export const declaresExtension = (request: RequestContextService): boolean => {
  const extensions = request.peerCapabilities.extensions
  return typeof extensions === "object" && extensions !== null && typeof (extensions as Record<string, unknown>)[TasksExtensionId] === "object"
}

/** -32021 for a request that can only be served as a task (or with task notifications). */
export const extensionRequired = (): McpError =>
  new McpError({
    code: StatelessErrorCode.MissingRequiredClientCapability,
    message: `Missing required client capability: extensions.${TasksExtensionId}`,
    data: { requiredCapabilities: { extensions: { [TasksExtensionId]: {} } } }
  })

/** A stored task as the extension shows it. */
const extensionTask = (task: Task): ExtensionTask => {
  const { pollInterval, ttl, ...fields } = task
  return { ...fields, ttlMs: ttl, ...(pollInterval === undefined ? {} : { pollIntervalMs: pollInterval }) }
}

export class Tasks {
  private readonly running = new Map<string, Running>()
  private readonly owners = new WeakMap<Session, string>()

  constructor(
    private readonly store: TaskStore.Service,
    private readonly pageSize: number,
    private readonly connections: Connections,
    private readonly rounds: InputRounds
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

  /** The task `taskId` as `tasks/get` and `notifications/tasks` show it in the extension. */
  private detailed(entry: TaskStore.Entry): DetailedTask {
    const task = extensionTask(entry.task)
    const { outcome } = entry
    if (task.status === "completed" && outcome?._tag === "Result") return { ...task, result: outcome.result }
    if (task.status === "failed" && outcome?._tag === "Error") return { ...task, error: { code: outcome.code, message: outcome.message } }
    if (task.status === "input_required") {
      const inputRequests: Record<string, Input["request"]> = {}
      for (const [key, input] of this.running.get(task.taskId)?.inputs ?? []) inputRequests[key] = input.request
      return { ...task, inputRequests: inputRequests as InputRequests }
    }
    return task
  }

  /**
   * Creates a task that runs `work` and answers with it at once: a 2025-11-25 task asked for
   * with `metadata`, or (without) a 2026-07-28 extension task.
   */
  start<R>(
    request: RequestContextService,
    metadata: TaskMetadata | undefined,
    work: Effect.Effect<CallToolResult, never, R>
  ): Effect.Effect<CreateTaskResult | ExtensionCreateTaskResult, McpError, R> {
    const extension = metadata === undefined
    const owner = extension ? EXTENSION_OWNER : this.owner(request.session)
    // Requests to the client go on the connection (on Streamable HTTP: the session's standalone
    // stream), not on the call's stream, which ends with the CreateTaskResult.
    const peer = this.connections.of(request.session) ?? request
    return Effect.gen(this, function*() {
      const now = yield* Clock.currentTimeMillis
      const ttl = Math.min(metadata?.ttl ?? DEFAULT_TTL_MS, MAX_TTL_MS)
      const stamp = new Date(now).toISOString()
      const taskId = crypto.randomUUID()
      const task: Task = { taskId, status: "working", createdAt: stamp, lastUpdatedAt: stamp, ttl, pollInterval: POLL_INTERVAL_MS }
      yield* Effect.mapError(this.store.create(owner, task), (e) => McpError.invalidRequest(`Too many tasks (at most ${e.limit})`))
      const entry: Running = { owner, taskId, done: yield* Deferred.make<void>(), fiber: undefined, waiting: 0, inputs: new Map(), nextKey: 0 }
      const change = (next: TaskStore.Change) =>
        Effect.flatMap(this.store.update(owner, taskId, next), Option.match({
          onNone: () => Effect.void,
          onSome: (changed) => extension ? this.announce(changed) : request.notify("notifications/tasks/status", changed)
        }))
      // The task waits for the client while at least one of its requests is unanswered (each new
      // one is announced: the extension's notifications carry the input requests).
      const waitingFor = <A, E>(ask: Effect.Effect<A, E>): Effect.Effect<A, E> =>
        Effect.acquireUseRelease(
          Effect.suspend(() => ++entry.waiting === 1 || extension ? change({ status: "input_required" }) : Effect.void),
          () => ask,
          () => Effect.suspend(() => --entry.waiting === 0 ? change({ status: "working" }) : Effect.void)
        )
      const context = extension ? this.extensionContext(request, entry, waitingFor) : this.sessionContext(request, peer, taskId, waitingFor)
      const life = Effect.timeoutOption(work, ttl).pipe(
        Effect.flatMap(Option.match({
          onNone: () => change({ status: "failed", statusMessage: "The task ran past its ttl.", outcome: { _tag: "Error", code: ErrorCode.InternalError, message: `Task ${taskId} ran past its ttl` } }),
          // The extension's `failed` is for JSON-RPC errors only: an error result completes the task.
          onSome: (result) => change({ status: result.isError === true && !extension ? "failed" : "completed", outcome: { _tag: "Result", result } })
        })),
        // A defect here is the server's: the tool's own are results already.
        Effect.catchAllDefect(() => change({ status: "failed", outcome: { _tag: "Error", code: ErrorCode.InternalError, message: "Internal error" } })),
        Effect.provideService(RequestContext, context)
      )
      this.running.set(taskId, entry)
      entry.fiber = yield* Effect.forkDaemon(life.pipe(Effect.ensuring(Effect.suspend(() => {
        this.running.delete(taskId)
        if (extension) this.rounds.undelegate(context)
        return Deferred.succeed(entry.done, undefined)
      }))))
      return extension ? { resultType: "task" as const, ...extensionTask(task) } : { task }
    })
  }

  /** The context of a 2025-11-25 task's tool: what it sends goes on the connection, tagged with the task. */
  private sessionContext(
    request: RequestContextService,
    peer: Pick<RequestContextService, "request">,
    taskId: string,
    waitingFor: <A, E>(ask: Effect.Effect<A, E>) => Effect.Effect<A, E>
  ): RequestContextService {
    const related = { [RelatedTaskMetaKey]: { taskId } }
    const tagged = (params: Record<string, unknown> | undefined) => ({
      ...params,
      _meta: { ...(params?._meta as Record<string, unknown> | undefined), ...related }
    })
    return {
      ...request,
      notify: (method, params) => request.notify(method, tagged(params)),
      request: (method, params, options) => waitingFor(peer.request(method, tagged(params), options)),
      // Progress under the caller's token, which stays valid for the task's life.
      progress: (progress, total, message) =>
        request.progressToken === undefined ? Effect.void : request.notify("notifications/progress", tagged({
          progressToken: request.progressToken,
          progress,
          ...(total === undefined ? {} : { total }),
          ...(message === undefined ? {} : { message })
        }))
    }
  }

  /**
   * The context of a 2026-07-28 extension task's tool: its requests to the client become the
   * task's input requests; nothing else reaches the client (the extension carries no progress
   * or log notifications for tasks).
   */
  private extensionContext(
    request: RequestContextService,
    entry: Running,
    waitingFor: <A, E>(ask: Effect.Effect<A, E>) => Effect.Effect<A, E>
  ): RequestContextService {
    const context: RequestContextService = {
      ...request,
      notify: () => Effect.void,
      progress: () => Effect.void
    }
    this.rounds.delegate(context, (method, params) =>
      Effect.flatMap(Deferred.make<Record<string, unknown>>(), (answer) =>
        Effect.suspend(() => {
          // Keys are never reused over the task's life.
          const key = String(entry.nextKey++)
          entry.inputs.set(key, { request: { method, params }, answer })
          return Effect.ensuring(waitingFor(Deferred.await(answer)), Effect.sync(() => entry.inputs.delete(key)))
        })))
    return context
  }

  /** Sends an extension task's state to the listen streams that asked for it. */
  private announce(task: Task): Effect.Effect<void> {
    return Effect.flatMap(this.store.get(EXTENSION_OWNER, task.taskId), Option.match({
      onNone: () => Effect.void,
      onSome: (entry) =>
        this.connections.notify(
          "notifications/tasks",
          this.detailed(entry) as Record<string, unknown>,
          (filter) => filter.taskIds?.includes(task.taskId) === true,
          () => false
        )
    }))
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

  private entry(owner: string, taskId: string): Effect.Effect<TaskStore.Entry, McpError> {
    return Effect.flatMap(this.store.get(owner, taskId), Option.match({
      onNone: () => Effect.fail(notFound(taskId)),
      onSome: Effect.succeed
    }))
  }

  /** Waits until the task is terminal, then answers what its request would have answered. */
  private result(session: Session, taskId: string): Effect.Effect<Record<string, unknown>, McpError> {
    return Effect.flatMap(this.entry(this.owner(session), taskId), ({ outcome, task }) => {
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

  /** Cancels a task unless it is terminal already (then `terminal` is the task as it is). */
  private cancel(
    owner: string,
    taskId: string,
    notify: (task: Task) => Effect.Effect<void>
  ): Effect.Effect<{ readonly cancelled: Task } | { readonly terminal: Task }, McpError> {
    type Outcome = { readonly cancelled: Task } | { readonly terminal: Task }
    return Effect.flatMap(this.entry(owner, taskId), ({ task }): Effect.Effect<Outcome, McpError> => {
      if (TaskStore.isTerminal(task.status)) return Effect.succeed({ terminal: task })
      return Effect.flatMap(this.store.update(owner, taskId, {
        status: "cancelled",
        statusMessage: "The task was cancelled by request.",
        outcome: cancelledOutcome(taskId)
      }), Option.match({
        // It finished in the meantime.
        onNone: () => Effect.map(this.entry(owner, taskId), (entry): Outcome => ({ terminal: entry.task })),
        onSome: (cancelled) => {
          const fiber = this.running.get(taskId)?.fiber
          return Effect.as(Effect.zipRight(fiber === undefined ? Effect.void : Fiber.interrupt(fiber), notify(cancelled)), { cancelled } as Outcome)
        }
      }))
    })
  }

  /** `tasks/update` (extension): answers the outstanding input requests it has keys for, ignores the rest. */
  private update(params: UpdateTaskRequestParams): Effect.Effect<Record<string, never>, McpError> {
    return Effect.flatMap(this.entry(EXTENSION_OWNER, params.taskId), () =>
      Effect.suspend(() => {
        const inputs = this.running.get(params.taskId)?.inputs
        return Effect.as(
          Effect.forEach(Object.entries(params.inputResponses), ([key, response]) => {
            const input = inputs?.get(key)
            return input === undefined ? Effect.void : Deferred.succeed(input.answer, response as Record<string, unknown>)
          }, { discard: true }),
          {}
        )
      }))
  }

  routes(): ReadonlyArray<Router.Route<any, any>> {
    const stateless = (request: RequestContextService) => request.protocolVersion === "2026-07-28"
    return [
      Router.request("tasks/get", TaskIdParams, (params) =>
        Effect.flatMap(RequestContext, (request): Effect.Effect<Task | DetailedTask, McpError> =>
          stateless(request)
            ? Effect.map(this.entry(EXTENSION_OWNER, params.taskId), (entry) => this.detailed(entry))
            : Effect.map(this.entry(this.owner(request.session), params.taskId), (entry) => entry.task))),
      Router.request("tasks/result", TaskIdParams, (params) =>
        Effect.flatMap(RequestContext, (request) => this.result(request.session, params.taskId))),
      Router.request("tasks/update", UpdateTaskRequestParams, (params) => this.update(params)),
      Router.request("tasks/cancel", TaskIdParams, (params) =>
        Effect.flatMap(RequestContext, (request) => {
          // The extension acknowledges whatever the task's state: cancellation is cooperative.
          if (stateless(request)) return Effect.as(this.cancel(EXTENSION_OWNER, params.taskId, (task) => this.announce(task)), {})
          return Effect.flatMap(
            this.cancel(this.owner(request.session), params.taskId, (task) => request.notify("notifications/tasks/status", task)),
            (outcome) =>
              "cancelled" in outcome
                ? Effect.succeed(outcome.cancelled)
                : Effect.fail(McpError.invalidParams(`Cannot cancel task ${params.taskId}: it is already ${outcome.terminal.status}`, { taskId: params.taskId, status: outcome.terminal.status }))
          )
        })),
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
