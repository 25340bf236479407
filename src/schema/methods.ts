/**
 * The method table: every MCP method, who sends it, its params / result schemas and the
 * protocol versions that have it. The protocol engine dispatches and validates with it.
 *
 * Schemas are the superset of all eras (see the module docs). A method that changed between
 * eras has one entry; a method that both sides send (`ping`, `notifications/progress`,
 * `notifications/cancelled`, `tasks/*`) has one entry in each side's table.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EmptyResult, PaginatedRequestParams } from "./base.js"
import { CompleteRequestParams, CompleteResult } from "./completion.js"
import { ElicitationCompleteNotificationParams, ElicitRequestParams, ElicitResult } from "./elicitation.js"
import { InitializedNotificationParams, InitializeRequestParams, InitializeResult, PingRequestParams } from "./lifecycle.js"
import { JsonRpcVersion, RequestId } from "./jsonrpc.js"
import { LoggingMessageNotificationParams, SetLevelRequestParams } from "./logging.js"
import { CancelledNotificationParams, ProgressNotificationParams } from "./notifications.js"
import {
  GetPromptRequestParams,
  GetPromptResult,
  ListPromptsRequestParams,
  ListPromptsResult,
  PromptListChangedNotificationParams
} from "./prompts.js"
import {
  ListResourcesRequestParams,
  ListResourcesResult,
  ListResourceTemplatesRequestParams,
  ListResourceTemplatesResult,
  ReadResourceRequestParams,
  ReadResourceResult,
  ResourceListChangedNotificationParams,
  ResourceUpdatedNotificationParams,
  SubscribeRequestParams,
  UnsubscribeRequestParams
} from "./resources.js"
import { ListRootsRequestParams, ListRootsResult, RootsListChangedNotificationParams } from "./roots.js"
import { CreateMessageRequestParams, CreateMessageResult } from "./sampling.js"
import {
  DiscoverRequestParams,
  DiscoverResult,
  orInputRequired,
  SubscriptionsAcknowledgedNotificationParams,
  SubscriptionsListenRequestParams,
  SubscriptionsListenResult
} from "./stateless.js"
import {
  CancelTaskRequestParams,
  CancelTaskResult,
  GetTaskPayloadRequestParams,
  GetTaskPayloadResult,
  GetTaskRequestParams,
  GetTaskResult,
  ListTasksResult,
  orCreateTask,
  TaskStatusNotificationParams
} from "./tasks.js"
import { ExtensionCreateTaskResult, ExtensionGetTaskResult, TaskNotificationParams, UpdateTaskRequestParams } from "./tasksExtension.js"
import {
  CallToolRequestParams,
  CallToolResult,
  ListToolsRequestParams,
  ListToolsResult,
  ToolListChangedNotificationParams
} from "./tools.js"
import { isAtLeast, type ProtocolVersion } from "./versions.js"

/** One method of the protocol, as one side sends it. */
export interface MethodSpec {
  readonly method: string
  readonly kind: "request" | "notification"
  /** Who sends it. */
  readonly sender: "client" | "server"
  /** Schema of the params object (all fields optional where params may be absent). */
  readonly params: Schema.Schema<any, any, never>
  /** Schema of the result (requests only). */
  readonly result?: Schema.Schema<any, any, never>
  /** First version that has it. */
  readonly since: ProtocolVersion
  /** Last version that has it, if it was removed later. */
  readonly until?: ProtocolVersion
}

/** Requests a client sends to a server. */
export const ClientRequests = {
  initialize: {
    method: "initialize", kind: "request", sender: "client",
    params: InitializeRequestParams, result: InitializeResult, since: "2024-11-05", until: "2025-11-25"
  },
  ping: {
    method: "ping", kind: "request", sender: "client",
    params: PingRequestParams, result: EmptyResult, since: "2024-11-05", until: "2025-11-25"
  },
  "server/discover": {
    method: "server/discover", kind: "request", sender: "client",
    params: DiscoverRequestParams, result: DiscoverResult, since: "2026-07-28"
  },
  "completion/complete": {
    method: "completion/complete", kind: "request", sender: "client",
    params: CompleteRequestParams, result: CompleteResult, since: "2024-11-05"
  },
  "logging/setLevel": {
    method: "logging/setLevel", kind: "request", sender: "client",
    params: SetLevelRequestParams, result: EmptyResult, since: "2024-11-05", until: "2025-11-25"
  },
  "prompts/list": {
    method: "prompts/list", kind: "request", sender: "client",
    params: ListPromptsRequestParams, result: ListPromptsResult, since: "2024-11-05"
  },
  "prompts/get": {
    method: "prompts/get", kind: "request", sender: "client",
    params: GetPromptRequestParams, result: GetPromptResult, since: "2024-11-05"
  },
  "resources/list": {
    method: "resources/list", kind: "request", sender: "client",
    params: ListResourcesRequestParams, result: ListResourcesResult, since: "2024-11-05"
  },
  "resources/templates/list": {
    method: "resources/templates/list", kind: "request", sender: "client",
    params: ListResourceTemplatesRequestParams, result: ListResourceTemplatesResult, since: "2024-11-05"
  },
  "resources/read": {
    method: "resources/read", kind: "request", sender: "client",
    params: ReadResourceRequestParams, result: ReadResourceResult, since: "2024-11-05"
  },
  "resources/subscribe": {
    method: "resources/subscribe", kind: "request", sender: "client",
    params: SubscribeRequestParams, result: EmptyResult, since: "2024-11-05", until: "2025-11-25"
  },
  "resources/unsubscribe": {
    method: "resources/unsubscribe", kind: "request", sender: "client",
    params: UnsubscribeRequestParams, result: EmptyResult, since: "2024-11-05", until: "2025-11-25"
  },
  "subscriptions/listen": {
    method: "subscriptions/listen", kind: "request", sender: "client",
    params: SubscriptionsListenRequestParams, result: SubscriptionsListenResult, since: "2026-07-28"
  },
  "tools/list": {
    method: "tools/list", kind: "request", sender: "client",
    params: ListToolsRequestParams, result: ListToolsResult, since: "2024-11-05"
  },
  "tools/call": {
    method: "tools/call", kind: "request", sender: "client",
    params: CallToolRequestParams, result: CallToolResult, since: "2024-11-05"
  },
  "tasks/get": {
    method: "tasks/get", kind: "request", sender: "client",
    params: GetTaskRequestParams, result: GetTaskResult, since: "2025-11-25", until: "2025-11-25"
  },
  "tasks/result": {
    method: "tasks/result", kind: "request", sender: "client",
    params: GetTaskPayloadRequestParams, result: GetTaskPayloadResult, since: "2025-11-25", until: "2025-11-25"
  },
  "tasks/list": {
    method: "tasks/list", kind: "request", sender: "client",
    params: PaginatedRequestParams, result: ListTasksResult, since: "2025-11-25", until: "2025-11-25"
  },
  "tasks/cancel": {
    method: "tasks/cancel", kind: "request", sender: "client",
    params: CancelTaskRequestParams, result: CancelTaskResult, since: "2025-11-25", until: "2025-11-25"
  }
} as const satisfies Record<string, MethodSpec>

/** Notifications a client sends to a server. */
export const ClientNotifications = {
  "notifications/cancelled": {
    method: "notifications/cancelled", kind: "notification", sender: "client",
    params: CancelledNotificationParams, since: "2024-11-05"
  },
  "notifications/progress": {
    method: "notifications/progress", kind: "notification", sender: "client",
    params: ProgressNotificationParams, since: "2024-11-05", until: "2025-11-25"
  },
  "notifications/initialized": {
    method: "notifications/initialized", kind: "notification", sender: "client",
    params: InitializedNotificationParams, since: "2024-11-05", until: "2025-11-25"
  },
  "notifications/roots/list_changed": {
    method: "notifications/roots/list_changed", kind: "notification", sender: "client",
    params: RootsListChangedNotificationParams, since: "2024-11-05", until: "2025-11-25"
  },
  "notifications/tasks/status": {
    method: "notifications/tasks/status", kind: "notification", sender: "client",
    params: TaskStatusNotificationParams, since: "2025-11-25", until: "2025-11-25"
  }
} as const satisfies Record<string, MethodSpec>

/**
 * Requests a server sends to a client. In 2026-07-28 there are none: sampling, elicitation
 * and roots requests travel inside an `InputRequiredResult` (see `stateless.ts`).
 */
export const ServerRequests = {
  ping: {
    method: "ping", kind: "request", sender: "server",
    params: PingRequestParams, result: EmptyResult, since: "2024-11-05", until: "2025-11-25"
  },
  "sampling/createMessage": {
    method: "sampling/createMessage", kind: "request", sender: "server",
    params: CreateMessageRequestParams, result: CreateMessageResult, since: "2024-11-05", until: "2025-11-25"
  },
  "roots/list": {
    method: "roots/list", kind: "request", sender: "server",
    params: ListRootsRequestParams, result: ListRootsResult, since: "2024-11-05", until: "2025-11-25"
  },
  "elicitation/create": {
    method: "elicitation/create", kind: "request", sender: "server",
    params: ElicitRequestParams, result: ElicitResult, since: "2025-06-18", until: "2025-11-25"
  },
  "tasks/get": {
    method: "tasks/get", kind: "request", sender: "server",
    params: GetTaskRequestParams, result: GetTaskResult, since: "2025-11-25", until: "2025-11-25"
  },
  "tasks/result": {
    method: "tasks/result", kind: "request", sender: "server",
    params: GetTaskPayloadRequestParams, result: GetTaskPayloadResult, since: "2025-11-25", until: "2025-11-25"
  },
  "tasks/list": {
    method: "tasks/list", kind: "request", sender: "server",
    params: PaginatedRequestParams, result: ListTasksResult, since: "2025-11-25", until: "2025-11-25"
  },
  "tasks/cancel": {
    method: "tasks/cancel", kind: "request", sender: "server",
    params: CancelTaskRequestParams, result: CancelTaskResult, since: "2025-11-25", until: "2025-11-25"
  }
} as const satisfies Record<string, MethodSpec>

/** Notifications a server sends to a client. */
export const ServerNotifications = {
  "notifications/cancelled": {
    method: "notifications/cancelled", kind: "notification", sender: "server",
    params: CancelledNotificationParams, since: "2024-11-05"
  },
  "notifications/progress": {
    method: "notifications/progress", kind: "notification", sender: "server",
    params: ProgressNotificationParams, since: "2024-11-05"
  },
  "notifications/message": {
    method: "notifications/message", kind: "notification", sender: "server",
    params: LoggingMessageNotificationParams, since: "2024-11-05"
  },
  "notifications/resources/updated": {
    method: "notifications/resources/updated", kind: "notification", sender: "server",
    params: ResourceUpdatedNotificationParams, since: "2024-11-05"
  },
  "notifications/resources/list_changed": {
    method: "notifications/resources/list_changed", kind: "notification", sender: "server",
    params: ResourceListChangedNotificationParams, since: "2024-11-05"
  },
  "notifications/tools/list_changed": {
    method: "notifications/tools/list_changed", kind: "notification", sender: "server",
    params: ToolListChangedNotificationParams, since: "2024-11-05"
  },
  "notifications/prompts/list_changed": {
    method: "notifications/prompts/list_changed", kind: "notification", sender: "server",
    params: PromptListChangedNotificationParams, since: "2024-11-05"
  },
  "notifications/elicitation/complete": {
    method: "notifications/elicitation/complete", kind: "notification", sender: "server",
    params: ElicitationCompleteNotificationParams, since: "2025-11-25", until: "2025-11-25"
  },
  "notifications/tasks/status": {
    method: "notifications/tasks/status", kind: "notification", sender: "server",
    params: TaskStatusNotificationParams, since: "2025-11-25", until: "2025-11-25"
  },
  "notifications/subscriptions/acknowledged": {
    method: "notifications/subscriptions/acknowledged", kind: "notification", sender: "server",
    params: SubscriptionsAcknowledgedNotificationParams, since: "2026-07-28"
  }
} as const satisfies Record<string, MethodSpec>

/**
 * The methods of the tasks extension (`io.modelcontextprotocol/tasks`) in 2026-07-28: outside
 * the core table (the specification's own unions do not have them), served where both sides
 * declared the extension.
 */
export const TasksExtensionMethods = {
  "tasks/get": {
    method: "tasks/get", kind: "request", sender: "client",
    params: GetTaskRequestParams, result: ExtensionGetTaskResult, since: "2026-07-28"
  },
  "tasks/update": {
    method: "tasks/update", kind: "request", sender: "client",
    params: UpdateTaskRequestParams, result: EmptyResult, since: "2026-07-28"
  },
  "tasks/cancel": {
    method: "tasks/cancel", kind: "request", sender: "client",
    params: CancelTaskRequestParams, result: EmptyResult, since: "2026-07-28"
  },
  "notifications/tasks": {
    method: "notifications/tasks", kind: "notification", sender: "server",
    params: TaskNotificationParams, since: "2026-07-28"
  }
} as const satisfies Record<string, MethodSpec>

/** Method names of each table. */
export type ClientRequestMethod = keyof typeof ClientRequests
export type ClientNotificationMethod = keyof typeof ClientNotifications
export type ServerRequestMethod = keyof typeof ServerRequests
export type ServerNotificationMethod = keyof typeof ServerNotifications

const tables: Record<MethodSpec["sender"], Record<MethodSpec["kind"], Readonly<Record<string, MethodSpec>>>> = {
  client: { request: ClientRequests, notification: ClientNotifications },
  server: { request: ServerRequests, notification: ServerNotifications }
}

/** Every method spec of every table (a method both sides send appears once per side). */
export const AllMethods: ReadonlyArray<MethodSpec> = [
  ...Object.values(ClientRequests),
  ...Object.values(ClientNotifications),
  ...Object.values(ServerRequests),
  ...Object.values(ServerNotifications)
]

/** Whether `version` has the method (`since <= version <= until`). */
export const isAvailable = (spec: MethodSpec, version: ProtocolVersion): boolean =>
  isAtLeast(version, spec.since) && (spec.until === undefined || isAtLeast(spec.until, version))

/** The methods of one kind that one side may send in `version`. */
export const methodsFor = (
  version: ProtocolVersion,
  sender: "client" | "server",
  kind: "request" | "notification"
): ReadonlyArray<MethodSpec> => Object.values(tables[sender][kind]).filter((spec) => isAvailable(spec, version))

/** The spec of `method` as `sender` sends it, whatever the version; `undefined` if unknown. */
export const findMethod = (
  sender: "client" | "server",
  kind: "request" | "notification",
  method: string
): MethodSpec | undefined => {
  const table = tables[sender][kind]
  return Object.prototype.hasOwnProperty.call(table, method) ? table[method] : undefined
}

/** Methods that answer with a `CreateTaskResult` when called with a `task` param (2025-11-25). */
export const TaskAugmentableMethods: ReadonlySet<string> = new Set(["tools/call", "sampling/createMessage", "elicitation/create"])

/** Methods that may answer with an `InputRequiredResult` (2026-07-28). */
export const InputRequiredMethods: ReadonlySet<string> = new Set(["tools/call", "prompts/get", "resources/read"])

/** Methods whose results carry cache hints `ttlMs` / `cacheScope` (2026-07-28). */
export const CacheableMethods: ReadonlySet<string> = new Set([
  "server/discover",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read"
])

/**
 * Every result a request may get in `version`: the spec's result, or also a `CreateTaskResult`
 * (task-augmentable methods in 2025-11-25) or an `InputRequiredResult` (2026-07-28). Use
 * `spec.result` for the plain result.
 */
export const resultSchemaFor = (spec: MethodSpec, version: ProtocolVersion): Schema.Schema<any, any, never> | undefined => {
  const result = spec.result
  if (result === undefined) return undefined
  if (version === "2025-11-25" && TaskAugmentableMethods.has(spec.method)) return orCreateTask(result)
  if (version === "2026-07-28" && spec.method === "tools/call") return Schema.Union(ExtensionCreateTaskResult, orInputRequired(result))
  if (version === "2026-07-28" && InputRequiredMethods.has(spec.method)) return orInputRequired(result)
  return result
}

/** `params` of a message: optional when the method's params schema accepts `{}`. */
const paramsField = (spec: MethodSpec) =>
  Schema.is(spec.params)({}) ? Schema.optional(spec.params) : (spec.params as Schema.Schema<any, any, never>)

/** Schema of a whole JSON-RPC request message of `spec` (method fixed, params checked). */
export const requestMessage = (spec: MethodSpec): Schema.Schema<any, any, never> =>
  Schema.Struct({
    jsonrpc: JsonRpcVersion,
    id: RequestId,
    method: Schema.Literal(spec.method),
    params: paramsField(spec)
  }).annotations({ identifier: `Request(${spec.method})` })

/** Schema of a whole JSON-RPC notification message of `spec`. */
export const notificationMessage = (spec: MethodSpec): Schema.Schema<any, any, never> =>
  Schema.Struct({
    jsonrpc: JsonRpcVersion,
    method: Schema.Literal(spec.method),
    params: paramsField(spec)
  }).annotations({ identifier: `Notification(${spec.method})` })

/** Schema of a whole JSON-RPC success response to `spec` in `version` (see `resultSchemaFor`). */
export const resultResponseMessage = (spec: MethodSpec, version: ProtocolVersion): Schema.Schema<any, any, never> => {
  const result = resultSchemaFor(spec, version)
  if (result === undefined) throw new Error(`${spec.method} is not a request`)
  return Schema.Struct({ jsonrpc: JsonRpcVersion, id: RequestId, result }).annotations({
    identifier: `ResultResponse(${spec.method})`
  })
}
