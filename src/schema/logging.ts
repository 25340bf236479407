/**
 * Logging: `logging/setLevel` (up to 2025-11-25) and `notifications/message`.
 *
 * In 2026-07-28 `logging/setLevel` is gone: a client opts into log messages per request with
 * the `io.modelcontextprotocol/logLevel` `_meta` key (see `RequestMeta2026`); without it the
 * server sends no log messages for that request. `LoggingLevel` lives in `base.ts`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { JsonValue, LoggingLevel, NotificationParamsFields, RequestParamsFields } from "./base.js"

/** Params of `logging/setLevel` (up to 2025-11-25): the minimum level to send. */
export const SetLevelRequestParams = Schema.Struct({
  ...RequestParamsFields,
  level: LoggingLevel
}).annotations({ identifier: "SetLevelRequestParams" })
export type SetLevelRequestParams = typeof SetLevelRequestParams.Type

/** Params of `notifications/message`: a log message (any JSON `data`). */
export const LoggingMessageNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  level: LoggingLevel,
  logger: Schema.optional(Schema.String),
  data: JsonValue
}).annotations({ identifier: "LoggingMessageNotificationParams" })
export type LoggingMessageNotificationParams = typeof LoggingMessageNotificationParams.Type
