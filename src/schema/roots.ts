/**
 * Roots: `roots/list` (a server request up to 2025-11-25, an input request in 2026-07-28) and
 * `notifications/roots/list_changed` (up to 2025-11-25).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { MetaObject, NotificationParamsFields, OpenRecord, RequestParamsFields, ResultFields } from "./base.js"

/** A root directory or file the server may operate on (a `file://` URI). */
export const Root = Schema.Struct({
  uri: Schema.String,
  name: Schema.optional(Schema.String),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "Root" })
export type Root = typeof Root.Type

/** Params of `roots/list`. */
export const ListRootsRequestParams = Schema.Struct(RequestParamsFields).annotations({
  identifier: "ListRootsRequestParams"
})
export type ListRootsRequestParams = typeof ListRootsRequestParams.Type

/** Result of `roots/list`. */
export const ListRootsResult = Schema.Struct({ ...ResultFields, roots: Schema.Array(Root) }, OpenRecord).annotations({
  identifier: "ListRootsResult"
})
export type ListRootsResult = typeof ListRootsResult.Type

/** Params of `notifications/roots/list_changed` (up to 2025-11-25). */
export const RootsListChangedNotificationParams = Schema.Struct(NotificationParamsFields).annotations({
  identifier: "RootsListChangedNotificationParams"
})
export type RootsListChangedNotificationParams = typeof RootsListChangedNotificationParams.Type
