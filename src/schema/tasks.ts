/**
 * Tasks (2025-11-25): durable, pollable execution of a request. A task-augmented request
 * (`tools/call`, `sampling/createMessage`, `elicitation/create` with a `task` param) answers
 * at once with a `CreateTaskResult`; the real result is fetched with `tasks/result`.
 *
 * In 2026-07-28 tasks left the core protocol and became the `io.modelcontextprotocol/tasks`
 * extension (SEP-2663, advertised under `capabilities.extensions`): the server decides to
 * answer a `tools/call` with a task (`resultType: "task"`), `tasks/get` inlines the result,
 * error or pending input requests, `tasks/update` answers input requests, and there is no
 * `tasks/result` or `tasks/list`. The core method table records the 2025-11-25 methods; the
 * extension's are in `TasksExtensionMethods` (methods.ts), with their own schemas in `tasksExtension.ts`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  NonNegativeInt,
  NotificationParamsFields,
  OpenRecord,
  PaginatedResultFields,
  RequestParamsFields,
  ResultFields
} from "./base.js"

/** The `_meta` key that associates a message with a task (2025-11-25). */
export const RelatedTaskMetaKey = "io.modelcontextprotocol/related-task" as const

/** Extension identifier under which 2026-07-28 servers advertise tasks support. */
export const TasksExtensionId = "io.modelcontextprotocol/tasks" as const

/** State of a task. */
export const TaskStatus = Schema.Literal("working", "input_required", "completed", "failed", "cancelled").annotations({
  identifier: "TaskStatus"
})
export type TaskStatus = typeof TaskStatus.Type

/** The `task` param of a task-augmented request: requested retention in milliseconds. */
export const TaskMetadata = Schema.Struct({
  ttl: Schema.optional(NonNegativeInt)
}).annotations({ identifier: "TaskMetadata" })
export type TaskMetadata = typeof TaskMetadata.Type

/** Value of the `io.modelcontextprotocol/related-task` `_meta` key. */
export const RelatedTaskMetadata = Schema.Struct({
  taskId: Schema.String
}).annotations({ identifier: "RelatedTaskMetadata" })
export type RelatedTaskMetadata = typeof RelatedTaskMetadata.Type

/** Fields of a task (shared by `Task`, `GetTaskResult`, `CancelTaskResult`, status notifications). */
export const TaskFields = {
  taskId: Schema.String,
  status: TaskStatus,
  statusMessage: Schema.optional(Schema.String),
  /** ISO 8601 creation time. */
  createdAt: Schema.String,
  /** ISO 8601 time of the last update. */
  lastUpdatedAt: Schema.String,
  /** Retention from creation in milliseconds; `null` for unlimited. */
  ttl: Schema.NullOr(NonNegativeInt),
  /** Suggested polling interval in milliseconds. */
  pollInterval: Schema.optional(NonNegativeInt)
}

/** A task and its state. */
export const Task = Schema.Struct(TaskFields).annotations({ identifier: "Task" })
export type Task = typeof Task.Type

/** The immediate answer to a task-augmented request. */
export const CreateTaskResult = Schema.Struct({ ...ResultFields, task: Task }, OpenRecord).annotations({
  identifier: "CreateTaskResult"
})
export type CreateTaskResult = typeof CreateTaskResult.Type

/** Params of `tasks/get`, `tasks/result` and `tasks/cancel`. */
export const TaskIdParams = Schema.Struct({ ...RequestParamsFields, taskId: Schema.String }).annotations({
  identifier: "TaskIdParams"
})
export type TaskIdParams = typeof TaskIdParams.Type

/** Params of `tasks/get`. */
export const GetTaskRequestParams = TaskIdParams.annotations({ identifier: "GetTaskRequestParams" })
export type GetTaskRequestParams = typeof GetTaskRequestParams.Type

/** Result of `tasks/get`: the task. */
export const GetTaskResult = Schema.Struct({ ...ResultFields, ...TaskFields }, OpenRecord).annotations({
  identifier: "GetTaskResult"
})
export type GetTaskResult = typeof GetTaskResult.Type

/** Params of `tasks/result`. */
export const GetTaskPayloadRequestParams = TaskIdParams.annotations({ identifier: "GetTaskPayloadRequestParams" })
export type GetTaskPayloadRequestParams = typeof GetTaskPayloadRequestParams.Type

/** Result of `tasks/result`: the result of the original request (its shape depends on that method). */
export const GetTaskPayloadResult = Schema.Struct(ResultFields, OpenRecord).annotations({
  identifier: "GetTaskPayloadResult"
})
export type GetTaskPayloadResult = typeof GetTaskPayloadResult.Type

/** Params of `tasks/cancel`. */
export const CancelTaskRequestParams = TaskIdParams.annotations({ identifier: "CancelTaskRequestParams" })
export type CancelTaskRequestParams = typeof CancelTaskRequestParams.Type

/** Result of `tasks/cancel`: the task, now cancelled. */
export const CancelTaskResult = Schema.Struct({ ...ResultFields, ...TaskFields }, OpenRecord).annotations({
  identifier: "CancelTaskResult"
})
export type CancelTaskResult = typeof CancelTaskResult.Type

/** Result of `tasks/list` (params: `PaginatedRequestParams`). */
export const ListTasksResult = Schema.Struct(
  { ...PaginatedResultFields, tasks: Schema.Array(Task) },
  OpenRecord
).annotations({ identifier: "ListTasksResult" })
export type ListTasksResult = typeof ListTasksResult.Type

/** Params of `notifications/tasks/status`: the task's new state. */
export const TaskStatusNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  ...TaskFields
}).annotations({ identifier: "TaskStatusNotificationParams" })
export type TaskStatusNotificationParams = typeof TaskStatusNotificationParams.Type

/** The result schema of a task-augmented request (2025-11-25): a `CreateTaskResult` or the method's own result. */
export const orCreateTask = <A, I>(result: Schema.Schema<A, I, never>) => Schema.Union(CreateTaskResult, result)
