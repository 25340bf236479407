/**
 * Notifications sent by both sides: progress and cancellation.
 *
 * Era notes: progress `message` since 2025-03-26. `requestId` of a cancellation is optional
 * in 2025-11-25 only (tasks are cancelled with `tasks/cancel`), required otherwise. In
 * 2026-07-28 clients no longer send progress (servers send no requests), and a server sends
 * `notifications/cancelled` only to end a `subscriptions/listen` stream on stdio.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { JsonProgressToken, JsonRequestId, NotificationParamsFields } from "./base.js"

/** Params of `notifications/progress`: progress of a request that asked for it with a `progressToken`. */
export const ProgressNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  progressToken: JsonProgressToken,
  /** Progress so far; increases with every notification, even if the total is unknown. */
  progress: Schema.Finite,
  /** Total amount of work, if known. */
  total: Schema.optional(Schema.Finite),
  /** A human-readable description of the current progress (since 2025-03-26). */
  message: Schema.optional(Schema.String)
}).annotations({ identifier: "ProgressNotificationParams" })
export type ProgressNotificationParams = typeof ProgressNotificationParams.Type

/** Params of `notifications/cancelled`: the sender no longer wants the answer to `requestId`. */
export const CancelledNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  /** The request to cancel (optional in 2025-11-25 only). */
  requestId: Schema.optional(JsonRequestId),
  reason: Schema.optional(Schema.String)
}).annotations({ identifier: "CancelledNotificationParams" })
export type CancelledNotificationParams = typeof CancelledNotificationParams.Type
