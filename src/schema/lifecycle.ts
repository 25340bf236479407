/**
 * Lifecycle: capabilities, `initialize`, `notifications/initialized`, `ping`.
 *
 * `initialize`, `notifications/initialized` and `ping` exist up to 2025-11-25. In 2026-07-28
 * there is no session: clients send their capabilities with every request (`_meta`) and
 * discover the server with `server/discover` (see `stateless.ts`).
 *
 * Capability objects are open: unknown keys are kept, so capabilities of newer or
 * experimental protocol versions survive a decode/encode round trip.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  Implementation,
  JsonObject,
  JsonKey,
  NotificationParamsFields,
  OpenRecord,
  RequestParamsFields,
  ResultFields
} from "./base.js"

/** A capability sub-object: known flags plus any other key. */
const open = <Fields extends Schema.Struct.Fields>(fields: Fields) => Schema.Struct(fields, OpenRecord)

/** Capabilities keyed by name, each settings object free-form (`experimental`, `extensions`). */
const NamedCapabilities = Schema.Record({ key: JsonKey, value: JsonObject })

/**
 * Capabilities a client supports. Era notes: `elicitation` since 2025-06-18; `sampling.context`,
 * `sampling.tools`, `elicitation.form` / `.url` and `tasks` since 2025-11-25 (`tasks` up to
 * 2025-11-25); `extensions` in 2026-07-28, where `roots` no longer has `listChanged`.
 */
export const ClientCapabilities = Schema.Struct(
  {
    experimental: Schema.optional(NamedCapabilities),
    roots: Schema.optional(open({ listChanged: Schema.optional(Schema.Boolean) })),
    sampling: Schema.optional(open({ context: Schema.optional(JsonObject), tools: Schema.optional(JsonObject) })),
    elicitation: Schema.optional(open({ form: Schema.optional(JsonObject), url: Schema.optional(JsonObject) })),
    tasks: Schema.optional(
      open({
        list: Schema.optional(JsonObject),
        cancel: Schema.optional(JsonObject),
        requests: Schema.optional(
          open({
            sampling: Schema.optional(open({ createMessage: Schema.optional(JsonObject) })),
            elicitation: Schema.optional(open({ create: Schema.optional(JsonObject) }))
          })
        )
      })
    ),
    extensions: Schema.optional(NamedCapabilities)
  },
  OpenRecord
).annotations({ identifier: "ClientCapabilities" })
export type ClientCapabilities = typeof ClientCapabilities.Type

/**
 * Capabilities a server supports. Era notes: `completions` since 2025-03-26; `tasks` in
 * 2025-11-25 only; `extensions` in 2026-07-28 (e.g. `io.modelcontextprotocol/tasks`), where
 * `resources.subscribe` means `subscriptions/listen` accepts resource subscriptions.
 */
export const ServerCapabilities = Schema.Struct(
  {
    experimental: Schema.optional(NamedCapabilities),
    logging: Schema.optional(JsonObject),
    completions: Schema.optional(JsonObject),
    prompts: Schema.optional(open({ listChanged: Schema.optional(Schema.Boolean) })),
    resources: Schema.optional(
      open({ subscribe: Schema.optional(Schema.Boolean), listChanged: Schema.optional(Schema.Boolean) })
    ),
    tools: Schema.optional(open({ listChanged: Schema.optional(Schema.Boolean) })),
    tasks: Schema.optional(
      open({
        list: Schema.optional(JsonObject),
        cancel: Schema.optional(JsonObject),
        requests: Schema.optional(open({ tools: Schema.optional(open({ call: Schema.optional(JsonObject) })) }))
      })
    ),
    extensions: Schema.optional(NamedCapabilities)
  },
  OpenRecord
).annotations({ identifier: "ServerCapabilities" })
export type ServerCapabilities = typeof ServerCapabilities.Type

/**
 * Params of `initialize` (up to 2025-11-25). `protocolVersion` is any string: a client may
 * ask for a version the server does not know (the server then answers with its own).
 */
export const InitializeRequestParams = Schema.Struct({
  ...RequestParamsFields,
  protocolVersion: Schema.String,
  capabilities: ClientCapabilities,
  clientInfo: Implementation
}).annotations({ identifier: "InitializeRequestParams" })
export type InitializeRequestParams = typeof InitializeRequestParams.Type

/** Result of `initialize` (up to 2025-11-25): the negotiated version and the server's capabilities. */
export const InitializeResult = Schema.Struct(
  {
    ...ResultFields,
    protocolVersion: Schema.String,
    capabilities: ServerCapabilities,
    serverInfo: Implementation,
    instructions: Schema.optional(Schema.String)
  },
  OpenRecord
).annotations({ identifier: "InitializeResult" })
export type InitializeResult = typeof InitializeResult.Type

/** Params of `notifications/initialized` (up to 2025-11-25). */
export const InitializedNotificationParams = Schema.Struct(NotificationParamsFields).annotations({
  identifier: "InitializedNotificationParams"
})
export type InitializedNotificationParams = typeof InitializedNotificationParams.Type

/** Params of `ping` (up to 2025-11-25); its result is an `EmptyResult`. */
export const PingRequestParams = Schema.Struct(RequestParamsFields).annotations({ identifier: "PingRequestParams" })
export type PingRequestParams = typeof PingRequestParams.Type
