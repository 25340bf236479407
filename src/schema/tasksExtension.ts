/**
 * The tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`, SEP-2663): a task's
 * fields with `ttlMs`/`pollIntervalMs`, the detailed task of `tasks/get` and
 * `notifications/tasks` (result, error or pending input requests inline), the `resultType:
 * "task"` answer, and `tasks/update`.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { NonNegativeInt, NotificationParamsFields, OpenRecord, RequestParamsFields, ResultFields } from "./base.js"
import { InputRequests, InputResponses } from "./stateless.js"
import { TaskFields } from "./tasks.js"

const { pollInterval: _pollInterval, ttl: _ttl, ...sharedTaskFields } = TaskFields

/** Fields of a task in the 2026-07-28 extension (`ttlMs` and `pollIntervalMs` replace `ttl` and `pollInterval`). */
export const ExtensionTaskFields = {
  ...sharedTaskFields,
  /** Retention from creation in milliseconds; `null` for unlimited. */
  ttlMs: Schema.NullOr(NonNegativeInt),
  /** Suggested polling interval in milliseconds. */
  pollIntervalMs: Schema.optional(NonNegativeInt)
}

/** A task of the extension. */
export const ExtensionTask = Schema.Struct(ExtensionTaskFields).annotations({ identifier: "ExtensionTask" })
export type ExtensionTask = typeof ExtensionTask.Type

/** A task with what its status carries: the result, the JSON-RPC error, or the pending input requests. */
export const DetailedTask = Schema.Struct({
  ...ExtensionTaskFields,
  /** `completed`: what the original request would have answered. */
  result: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /** `failed`: the JSON-RPC error of the request. */
  error: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /** `input_required`: every request to the client still to be answered (keys unique over the task's life). */
  inputRequests: Schema.optional(InputRequests)
}).annotations({ identifier: "DetailedTask" })
export type DetailedTask = typeof DetailedTask.Type

/** The answer to a request the server chose to run as a task (`resultType: "task"`). */
export const ExtensionCreateTaskResult = Schema.Struct(
  { ...ResultFields, resultType: Schema.Literal("task"), ...ExtensionTaskFields },
  OpenRecord
).annotations({ identifier: "ExtensionCreateTaskResult" })
export type ExtensionCreateTaskResult = typeof ExtensionCreateTaskResult.Type

/** Result of the extension's `tasks/get`: the detailed task. */
export const ExtensionGetTaskResult = Schema.Struct(
  { ...ResultFields, ...DetailedTask.fields },
  OpenRecord
).annotations({ identifier: "ExtensionGetTaskResult" })
export type ExtensionGetTaskResult = typeof ExtensionGetTaskResult.Type

/** Params of `tasks/update`: answers to the task's outstanding input requests. */
export const UpdateTaskRequestParams = Schema.Struct({
  ...RequestParamsFields,
  taskId: Schema.String,
  inputResponses: InputResponses
}).annotations({ identifier: "UpdateTaskRequestParams" })
export type UpdateTaskRequestParams = typeof UpdateTaskRequestParams.Type

/** Params of `notifications/tasks` (on a `subscriptions/listen` stream): the detailed task. */
export const TaskNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  ...DetailedTask.fields
}).annotations({ identifier: "TaskNotificationParams" })
export type TaskNotificationParams = typeof TaskNotificationParams.Type
