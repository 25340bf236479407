/**
 * Where the server keeps its tasks (MCP 2025-11-25): each task's state and, once it is done,
 * its outcome, scoped to the session (`owner`) that created it. The running fibers stay in the
 * server's process; a store holds only data, so a durable one could serialize it.
 *
 * The server uses the `TaskStore` in its context when there is one, else a `layerMemory()` of
 * its own.
 *
 * @example
 * ```ts
 * const Main = McpServer.layer(info, { tools: [Report] }).pipe(
 *   Layer.provide(TaskStore.layerMemory({ maxTasks: 100 }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Task, TaskStatus } from "../schema/tasks.js"

/** How a finished task ended: the request's result, or the JSON-RPC error it answers with. */
export type Outcome =
  | { readonly _tag: "Result"; readonly result: Record<string, unknown> }
  | { readonly _tag: "Error"; readonly code: number; readonly message: string }

/** A stored task: its state, and its outcome once it is in a terminal status. */
export interface Entry {
  readonly task: Task
  readonly outcome: Outcome | undefined
}

/** A change of a task's status (with the outcome when the status is terminal). */
export interface Change {
  readonly status: TaskStatus
  readonly statusMessage?: string
  readonly outcome?: Outcome
}

/** The store is full of tasks that are still running. */
export class TaskLimitReached extends Schema.TaggedError<TaskLimitReached>()("TaskLimitReached", {
  limit: Schema.Number
}) {}

/** Whether `status` is terminal (`completed`, `failed`, `cancelled`): it never changes again. */
export const isTerminal = (status: TaskStatus): boolean => status === "completed" || status === "failed" || status === "cancelled"

/** The store as a service. Tasks past their `ttl` (from `createdAt`) are gone. */
export interface Service {
  /** Keeps a new task of `owner`. */
  readonly create: (owner: string, task: Task) => Effect.Effect<void, TaskLimitReached>
  /** The task `taskId` of `owner`, if it exists (and has not expired). */
  readonly get: (owner: string, taskId: string) => Effect.Effect<Option.Option<Entry>>
  /**
   * Changes the status of a task that is not terminal yet and returns the task as it is now;
   * `None` when there is no such task or it is already terminal (terminal states are final).
   */
  readonly update: (owner: string, taskId: string, change: Change) => Effect.Effect<Option.Option<Task>>
  /** The tasks of `owner` from `offset`, oldest first, at most `limit`, and how many there are. */
  readonly list: (owner: string, offset: number, limit: number) => Effect.Effect<{ readonly tasks: ReadonlyArray<Task>; readonly total: number }>
}

/** The task store. */
export class TaskStore extends Context.Tag("machine-context/TaskStore")<TaskStore, Service>() {}

/** Options of the in-memory store. */
export interface MemoryOptions {
  /** Tasks kept at most (all sessions); the oldest terminal ones make room. Default 1000. */
  readonly maxTasks?: number
}

interface Stored {
  readonly owner: string
  /** When the task expires (ms since the epoch); `Infinity` for `ttl: null`. */
  readonly expiresAt: number
  task: Task
  outcome: Outcome | undefined
}

/** An in-memory store, bounded by `maxTasks`; expired tasks are removed as the store is used. */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<Service> =>
  Effect.sync(() => {
    const maxTasks = options.maxTasks ?? 1000
    // Insertion order is creation order: lists and eviction rely on it.
    const tasks = new Map<string, Stored>()
    const sweep = Effect.map(Clock.currentTimeMillis, (now) => {
      for (const [id, stored] of tasks) if (stored.expiresAt <= now) tasks.delete(id)
      return now
    })
    const find = (owner: string, taskId: string): Stored | undefined => {
      const stored = tasks.get(taskId)
      return stored?.owner === owner ? stored : undefined
    }
    return TaskStore.of({
      create: (owner, task) =>
        Effect.flatMap(sweep, () => {
          if (tasks.size >= maxTasks) {
            for (const [id, stored] of tasks) {
              if (isTerminal(stored.task.status)) {
                tasks.delete(id)
                break
              }
            }
          }
          if (tasks.size >= maxTasks) return Effect.fail(new TaskLimitReached({ limit: maxTasks }))
          const expiresAt = task.ttl === null ? Infinity : Date.parse(task.createdAt) + task.ttl
          tasks.set(task.taskId, { owner, expiresAt, task, outcome: undefined })
          return Effect.void
        }),
      get: (owner, taskId) =>
        Effect.map(sweep, () => Option.map(Option.fromNullable(find(owner, taskId)), ({ outcome, task }) => ({ task, outcome }))),
      update: (owner, taskId, change) =>
        Effect.map(sweep, (now) => {
          const stored = find(owner, taskId)
          if (stored === undefined || isTerminal(stored.task.status)) return Option.none()
          const { statusMessage: _, ...rest } = stored.task
          stored.task = {
            ...rest,
            status: change.status,
            lastUpdatedAt: new Date(now).toISOString(),
            ...(change.statusMessage === undefined ? {} : { statusMessage: change.statusMessage })
          }
          if (change.outcome !== undefined) stored.outcome = change.outcome
          return Option.some(stored.task)
        }),
      list: (owner, offset, limit) =>
        Effect.map(sweep, () => {
          const mine = [...tasks.values()].filter((stored) => stored.owner === owner)
          return { tasks: mine.slice(offset, offset + limit).map((stored) => stored.task), total: mine.length }
        })
    })
  })

/** The in-memory store as a layer. */
export const layerMemory = (options: MemoryOptions = {}): Layer.Layer<TaskStore> => Layer.effect(TaskStore, makeMemory(options))
