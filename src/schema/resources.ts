/**
 * Resources: `resources/list`, `resources/templates/list`, `resources/read`,
 * `resources/subscribe` / `resources/unsubscribe` (up to 2025-11-25; 2026-07-28 subscribes
 * through `subscriptions/listen`), `notifications/resources/list_changed` and
 * `notifications/resources/updated`.
 *
 * `Resource`, `TextResourceContents` and `BlobResourceContents` live in `content.ts` (a
 * `ResourceLink` content block is a resource).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  Annotations,
  BaseMetadataFields,
  CacheHintFields,
  InputResponseFields,
  Icons,
  MetaObject,
  NotificationParamsFields,
  OpenRecord,
  PaginatedRequestParams,
  PaginatedResultFields,
  RequestParamsFields,
  ResultFields
} from "./base.js"
import { Resource, ResourceContents } from "./content.js"

/** A template (RFC 6570) from which the client can build resource URIs. */
export const ResourceTemplate = Schema.Struct({
  ...BaseMetadataFields,
  uriTemplate: Schema.String,
  description: Schema.optional(Schema.String),
  mimeType: Schema.optional(Schema.String),
  annotations: Schema.optional(Annotations),
  icons: Schema.optional(Icons),
  _meta: Schema.optional(MetaObject)
}).annotations({ identifier: "ResourceTemplate" })
export type ResourceTemplate = typeof ResourceTemplate.Type

/** Params of `resources/list`. */
export const ListResourcesRequestParams = PaginatedRequestParams.annotations({ identifier: "ListResourcesRequestParams" })
export type ListResourcesRequestParams = typeof ListResourcesRequestParams.Type

/** Result of `resources/list` (cacheable in 2026-07-28). */
export const ListResourcesResult = Schema.Struct(
  { ...PaginatedResultFields, ...CacheHintFields, resources: Schema.Array(Resource) },
  OpenRecord
).annotations({ identifier: "ListResourcesResult" })
export type ListResourcesResult = typeof ListResourcesResult.Type

/** Params of `resources/templates/list`. */
export const ListResourceTemplatesRequestParams = PaginatedRequestParams.annotations({
  identifier: "ListResourceTemplatesRequestParams"
})
export type ListResourceTemplatesRequestParams = typeof ListResourceTemplatesRequestParams.Type

/** Result of `resources/templates/list` (cacheable in 2026-07-28). */
export const ListResourceTemplatesResult = Schema.Struct(
  { ...PaginatedResultFields, ...CacheHintFields, resourceTemplates: Schema.Array(ResourceTemplate) },
  OpenRecord
).annotations({ identifier: "ListResourceTemplatesResult" })
export type ListResourceTemplatesResult = typeof ListResourceTemplatesResult.Type

/** Params of `resources/read` (2026-07-28: may carry input responses). */
export const ReadResourceRequestParams = Schema.Struct({
  ...RequestParamsFields,
  uri: Schema.String,
  ...InputResponseFields
}).annotations({ identifier: "ReadResourceRequestParams" })
export type ReadResourceRequestParams = typeof ReadResourceRequestParams.Type

/** Result of `resources/read` (cacheable in 2026-07-28). */
export const ReadResourceResult = Schema.Struct(
  { ...ResultFields, ...CacheHintFields, contents: Schema.Array(ResourceContents) },
  OpenRecord
).annotations({ identifier: "ReadResourceResult" })
export type ReadResourceResult = typeof ReadResourceResult.Type

/** Params of `resources/subscribe` (up to 2025-11-25). */
export const SubscribeRequestParams = Schema.Struct({ ...RequestParamsFields, uri: Schema.String }).annotations({
  identifier: "SubscribeRequestParams"
})
export type SubscribeRequestParams = typeof SubscribeRequestParams.Type

/** Params of `resources/unsubscribe` (up to 2025-11-25). */
export const UnsubscribeRequestParams = Schema.Struct({ ...RequestParamsFields, uri: Schema.String }).annotations({
  identifier: "UnsubscribeRequestParams"
})
export type UnsubscribeRequestParams = typeof UnsubscribeRequestParams.Type

/** Params of `notifications/resources/list_changed`. */
export const ResourceListChangedNotificationParams = Schema.Struct(NotificationParamsFields).annotations({
  identifier: "ResourceListChangedNotificationParams"
})
export type ResourceListChangedNotificationParams = typeof ResourceListChangedNotificationParams.Type

/** Params of `notifications/resources/updated`: a subscribed resource (or a sub-resource) changed. */
export const ResourceUpdatedNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  uri: Schema.String
}).annotations({ identifier: "ResourceUpdatedNotificationParams" })
export type ResourceUpdatedNotificationParams = typeof ResourceUpdatedNotificationParams.Type
