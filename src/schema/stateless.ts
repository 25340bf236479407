/**
 * The stateless era (2026-07-28): no `initialize` and no session. Every request carries its
 * protocol version, client capabilities and client info in `_meta`; `server/discover`
 * advertises the server; `subscriptions/listen` replaces `resources/subscribe` and the
 * list-changed opt-ins; server-to-client requests (sampling, elicitation, roots) travel inside
 * an `InputRequiredResult` and come back as `inputResponses` on the retried request; list and
 * read results carry cache hints; every result carries `resultType`.
 *
 * The superset schemas of the other modules accept 2026 messages (the 2026 fields are
 * optional there); the schemas suffixed `2026` here are the strict 2026 shapes.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  CacheScope,
  Implementation,
  JsonKey,
  JsonProgressToken,
  JsonRequestId,
  LoggingLevel,
  NonNegativeInt,
  NotificationParamsFields,
  OpenRecord,
  RequestParamsFields,
  ResultFields,
  ResultType
} from "./base.js"
import { ElicitRequestParams, ElicitResult } from "./elicitation.js"
import { ClientCapabilities, ServerCapabilities } from "./lifecycle.js"
import { ListRootsRequestParams, ListRootsResult } from "./roots.js"
import { CreateMessageRequestParams, CreateMessageResult } from "./sampling.js"

// ---------------------------------------------------------------------------
// `_meta` keys
// ---------------------------------------------------------------------------

/** The reserved `_meta` keys of 2026-07-28. */
export const MetaKeys = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  logLevel: "io.modelcontextprotocol/logLevel",
  subscriptionId: "io.modelcontextprotocol/subscriptionId",
  serverInfo: "io.modelcontextprotocol/serverInfo"
} as const

/**
 * `_meta` of every 2026-07-28 client request: the protocol version and client capabilities
 * (required), client info and the log level the client opts into (optional).
 */
export const RequestMeta2026 = Schema.Struct(
  {
    progressToken: Schema.optional(JsonProgressToken),
    [MetaKeys.protocolVersion]: Schema.String,
    [MetaKeys.clientInfo]: Schema.optional(Implementation),
    [MetaKeys.clientCapabilities]: ClientCapabilities,
    /** Replaces `logging/setLevel`; without it the server sends no log messages for the request. */
    [MetaKeys.logLevel]: Schema.optional(LoggingLevel)
  },
  OpenRecord
).annotations({ identifier: "RequestMeta2026" })
export type RequestMeta2026 = typeof RequestMeta2026.Type

/**
 * Params of any 2026-07-28 client request, checked for the required `_meta` only (other params
 * are kept untouched): decode with it before the method's own params schema.
 */
export const RequestParams2026 = Schema.Struct({ _meta: RequestMeta2026 }, OpenRecord).annotations({
  identifier: "RequestParams2026"
})
export type RequestParams2026 = typeof RequestParams2026.Type

/** `_meta` of 2026-07-28 notifications: the subscription a notification was delivered on. */
export const NotificationMeta2026 = Schema.Struct(
  { [MetaKeys.subscriptionId]: Schema.optional(JsonRequestId) },
  OpenRecord
).annotations({ identifier: "NotificationMeta2026" })
export type NotificationMeta2026 = typeof NotificationMeta2026.Type

/** `_meta` of 2026-07-28 results: the server's self-description. */
export const ResultMeta2026 = Schema.Struct(
  { [MetaKeys.serverInfo]: Schema.optional(Implementation) },
  OpenRecord
).annotations({ identifier: "ResultMeta2026" })
export type ResultMeta2026 = typeof ResultMeta2026.Type

/** The base of every 2026-07-28 result: `resultType` is required (other keys kept). */
export const Result2026 = Schema.Struct(
  { _meta: Schema.optional(ResultMeta2026), resultType: ResultType },
  OpenRecord
).annotations({ identifier: "Result2026" })
export type Result2026 = typeof Result2026.Type

/** Cache hints as 2026-07-28 requires them on cacheable results (other keys kept). */
export const CacheHints2026 = Schema.Struct({ ttlMs: NonNegativeInt, cacheScope: CacheScope }, OpenRecord).annotations({
  identifier: "CacheHints2026"
})
export type CacheHints2026 = typeof CacheHints2026.Type

// ---------------------------------------------------------------------------
// server/discover
// ---------------------------------------------------------------------------

/** Params of `server/discover`: only `_meta`. */
export const DiscoverRequestParams = Schema.Struct(RequestParamsFields).annotations({
  identifier: "DiscoverRequestParams"
})
export type DiscoverRequestParams = typeof DiscoverRequestParams.Type

/**
 * Result of `server/discover` (the stateless counterpart of `InitializeResult`): the versions
 * the server supports, its capabilities and instructions, with cache hints.
 */
export const DiscoverResult = Schema.Struct(
  {
    ...ResultFields,
    supportedVersions: Schema.Array(Schema.String),
    capabilities: ServerCapabilities,
    instructions: Schema.optional(Schema.String),
    ttlMs: NonNegativeInt,
    cacheScope: CacheScope
  },
  OpenRecord
).annotations({ identifier: "DiscoverResult" })
export type DiscoverResult = typeof DiscoverResult.Type

// ---------------------------------------------------------------------------
// subscriptions/listen
// ---------------------------------------------------------------------------

/** Which notifications a `subscriptions/listen` stream should carry. */
export const SubscriptionFilter = Schema.Struct({
  toolsListChanged: Schema.optional(Schema.Boolean),
  promptsListChanged: Schema.optional(Schema.Boolean),
  resourcesListChanged: Schema.optional(Schema.Boolean),
  /** Resource URIs to receive `notifications/resources/updated` for (replaces `resources/subscribe`). */
  resourceSubscriptions: Schema.optional(Schema.Array(Schema.String)),
  /** Task ids to receive `notifications/tasks` for (the tasks extension). */
  taskIds: Schema.optional(Schema.Array(Schema.String))
}).annotations({ identifier: "SubscriptionFilter" })
export type SubscriptionFilter = typeof SubscriptionFilter.Type

/** Params of `subscriptions/listen`: open a notification stream. */
export const SubscriptionsListenRequestParams = Schema.Struct({
  ...RequestParamsFields,
  notifications: SubscriptionFilter
}).annotations({ identifier: "SubscriptionsListenRequestParams" })
export type SubscriptionsListenRequestParams = typeof SubscriptionsListenRequestParams.Type

/** Result of `subscriptions/listen`, sent when the stream closes: names the subscription. */
export const SubscriptionsListenResult = Schema.Struct(
  {
    ...ResultFields,
    _meta: Schema.Struct({ [MetaKeys.subscriptionId]: JsonRequestId }, OpenRecord)
  },
  OpenRecord
).annotations({ identifier: "SubscriptionsListenResult" })
export type SubscriptionsListenResult = typeof SubscriptionsListenResult.Type

/** Params of `notifications/subscriptions/acknowledged`: the notifications the stream will carry. */
export const SubscriptionsAcknowledgedNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  notifications: SubscriptionFilter
}).annotations({ identifier: "SubscriptionsAcknowledgedNotificationParams" })
export type SubscriptionsAcknowledgedNotificationParams = typeof SubscriptionsAcknowledgedNotificationParams.Type

// ---------------------------------------------------------------------------
// Multi round-trip: input requests and responses
// ---------------------------------------------------------------------------

/** A sampling request embedded in an `InputRequiredResult`. */
export const CreateMessageInputRequest = Schema.Struct({
  method: Schema.Literal("sampling/createMessage"),
  params: CreateMessageRequestParams
}).annotations({ identifier: "CreateMessageInputRequest" })
export type CreateMessageInputRequest = typeof CreateMessageInputRequest.Type

/** An elicitation request embedded in an `InputRequiredResult`. */
export const ElicitInputRequest = Schema.Struct({
  method: Schema.Literal("elicitation/create"),
  params: ElicitRequestParams
}).annotations({ identifier: "ElicitInputRequest" })
export type ElicitInputRequest = typeof ElicitInputRequest.Type

/** A roots request embedded in an `InputRequiredResult`. */
export const ListRootsInputRequest = Schema.Struct({
  method: Schema.Literal("roots/list"),
  params: Schema.optional(ListRootsRequestParams)
}).annotations({ identifier: "ListRootsInputRequest" })
export type ListRootsInputRequest = typeof ListRootsInputRequest.Type

/** A request from the server the client must fulfil before retrying, discriminated by `method`. */
export const InputRequest = Schema.Union(CreateMessageInputRequest, ElicitInputRequest, ListRootsInputRequest).annotations({
  identifier: "InputRequest"
})
export type InputRequest = typeof InputRequest.Type

/** Input requests keyed by server-chosen identifiers. */
export const InputRequests = Schema.Record({ key: JsonKey, value: InputRequest }).annotations({
  identifier: "InputRequests"
})
export type InputRequests = typeof InputRequests.Type

/** The client's answer to one input request (told apart by their required fields). */
export const InputResponse = Schema.Union(ElicitResult, ListRootsResult, CreateMessageResult).annotations({
  identifier: "InputResponse"
})
export type InputResponse = typeof InputResponse.Type

/**
 * The client's answers, keyed like the `inputRequests` they answer. Sent as the
 * `inputResponses` param of the retried request (typed loosely there; decode with this).
 */
export const InputResponses = Schema.Record({ key: JsonKey, value: InputResponse }).annotations({
  identifier: "InputResponses"
})
export type InputResponses = typeof InputResponses.Type

/**
 * A result asking the client for more input before the request can complete: requests to
 * fulfil and/or an opaque `requestState` to send back. At least one of them is present.
 */
export const InputRequiredResult = Schema.Struct(
  {
    ...ResultFields,
    resultType: Schema.Literal("input_required"),
    inputRequests: Schema.optional(InputRequests),
    requestState: Schema.optional(Schema.String)
  },
  OpenRecord
)
  .pipe(
    Schema.filter((r) => r.inputRequests !== undefined || r.requestState !== undefined, {
      message: () => "an InputRequiredResult needs inputRequests or requestState"
    })
  )
  .annotations({ identifier: "InputRequiredResult" })
export type InputRequiredResult = typeof InputRequiredResult.Type

/** Whether a decoded result asks for more input (2026-07-28). */
export const isInputRequired = (result: { readonly resultType?: string | undefined }): boolean =>
  result.resultType === "input_required"

/**
 * The result schema of a method that may answer with an `InputRequiredResult` in 2026-07-28
 * (`tools/call`, `prompts/get`, `resources/read`): either that or the method's own result.
 */
export const orInputRequired = <A, I>(result: Schema.Schema<A, I, never>) => Schema.Union(InputRequiredResult, result)

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Error codes defined by 2026-07-28 (from the range the spec reserves, -32020 to -32099). */
export const StatelessErrorCode = {
  /** HTTP headers disagree with the body, or are missing / malformed. */
  HeaderMismatch: -32020,
  /** The request needs a client capability it did not declare. */
  MissingRequiredClientCapability: -32021,
  /** The request's protocol version is not supported by the server. */
  UnsupportedProtocolVersion: -32022
} as const

/** `error.data` of an unsupported-protocol-version error. */
export const UnsupportedProtocolVersionErrorData = Schema.Struct(
  { supported: Schema.Array(Schema.String), requested: Schema.String },
  OpenRecord
).annotations({ identifier: "UnsupportedProtocolVersionErrorData" })
export type UnsupportedProtocolVersionErrorData = typeof UnsupportedProtocolVersionErrorData.Type

/** `error.data` of a missing-required-client-capability error. */
export const MissingRequiredClientCapabilityErrorData = Schema.Struct(
  { requiredCapabilities: ClientCapabilities },
  OpenRecord
).annotations({ identifier: "MissingRequiredClientCapabilityErrorData" })
export type MissingRequiredClientCapabilityErrorData = typeof MissingRequiredClientCapabilityErrorData.Type
