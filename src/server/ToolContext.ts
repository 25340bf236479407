/**
 * What a tool (or any handler of the server) can ask of the client while it runs: report
 * progress, log, elicit input from the user (a form or a URL), sample the client's LLM, list
 * the client's roots; and the server's shared contexts (`contexts`, the `ContextManager` the
 * server was built with). The server provides it; a tool that uses it has `ToolContext` in its
 * requirements, and `Tool.Requirements` leaves it out.
 *
 * Each method acts on the request being served (found through `RequestContext`), so one service
 * serves every request. In a 2026-07-28 `tools/call`, `prompts/get` or `resources/read`,
 * elicitation, sampling and roots are not sent as requests: the request ends with an
 * `InputRequiredResult`, and when the client retries it with the answers the handler runs
 * again from the start, each request answered in order from the answers so far. Handlers
 * written for either era work in both, as long as what they do before their last request is
 * safe to repeat.
 *
 * @example
 * ```ts
 * const Greet = Tool.make("greet", { input: Schema.Struct({}) }, () =>
 *   Effect.gen(function*() {
 *     const context = yield* ToolContext.ToolContext
 *     const answer = yield* context.elicit("Who are you?", Schema.Struct({ name: Schema.String }))
 *     return answer.action === "accept" ? `Hello, ${answer.content.name}` : "Hello"
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as ContextManager from "../context/ContextManager.js"
import { ProtocolError, type RecoveryError } from "../protocol/errors.js"
import { RequestContext, type RequestContextService } from "../protocol/RequestContext.js"
import type { LoggingLevel } from "../schema/base.js"
import { ElicitResult } from "../schema/elicitation.js"
import { findMethod, isAvailable } from "../schema/methods.js"
import { ListRootsResult, type Root } from "../schema/roots.js"
import { type CreateMessageRequestParams, CreateMessageResult } from "../schema/sampling.js"
import { isAtLeast, type ProtocolVersion } from "../schema/versions.js"
import * as Elicitation from "./Elicitation.js"
import type { InputRounds } from "./internal/inputRequired.js"
import * as Logging from "./Logging.js"

/** The client did not declare the capability a request to it needs (or its version lacks the method). */
export class CapabilityError extends Schema.TaggedError<CapabilityError>()("CapabilityError", {
  /** The capability, as a path in the client's capabilities (`sampling`, `elicitation.url`…). */
  capability: Schema.String,
  method: Schema.String,
  message: Schema.String
}) {}

/** The server was built without a `ContextManager` in its context, so `contexts` has none to give. */
export class ContextsUnavailable extends Schema.TaggedError<ContextsUnavailable>()("ContextsUnavailable", {}) {
  override get message(): string {
    return "This server has no shared contexts (it was built without a ContextManager)"
  }
}

/** The user's answer to a form elicitation, its content decoded with the form's Schema. */
export type ElicitAnswer<A> =
  | { readonly action: "accept"; readonly content: A }
  | { readonly action: "decline" }
  | { readonly action: "cancel" }

/** The user's answer to a URL elicitation (`accept`: the user agreed to open the URL). */
export type UrlElicitAnswer = { readonly action: "accept" | "decline" | "cancel" }

/** Options of a request to the client. */
export interface RequestOptions {
  /** Gives up (and cancels the request at the client) after this long; the engine's default otherwise. */
  readonly timeoutMs?: number
}

/** Why a request to the client failed. */
export type ClientRequestError = CapabilityError | ProtocolError | RecoveryError

/** The service. */
export interface Service {
  /** Sends `notifications/progress`, when the caller asked for progress. */
  readonly progress: (progress: number, total?: number, message?: string) => Effect.Effect<void>
  /** Sends `notifications/message` when `level` passes the session's threshold. */
  readonly log: (level: LoggingLevel, data: unknown, logger?: string) => Effect.Effect<void>
  /**
   * Asks the user to fill a form (`elicitation/create`, form mode); `schema` is a flat struct
   * of primitives (see `Elicitation`). An accepted answer that does not decode fails with
   * `ProtocolError { reason: "InvalidResponse" }`.
   */
  readonly elicit: <A, I>(
    message: string,
    schema: Schema.Schema<A, I, never>,
    options?: RequestOptions
  ) => Effect.Effect<ElicitAnswer<A>, ClientRequestError>
  /** Asks the user to complete an interaction at `url` (URL mode, 2025-11-25). */
  readonly elicitUrl: (
    message: string,
    url: string,
    elicitationId: string,
    options?: RequestOptions
  ) => Effect.Effect<UrlElicitAnswer, ClientRequestError>
  /** Tells the client that the URL elicitation `elicitationId` is complete (2025-11-25). */
  readonly elicitationComplete: (elicitationId: string) => Effect.Effect<void, CapabilityError>
  /** Samples the client's LLM (`sampling/createMessage`; `tools` need `sampling.tools`, 2025-11-25). */
  readonly sample: (
    params: CreateMessageRequestParams,
    options?: RequestOptions
  ) => Effect.Effect<CreateMessageResult, ClientRequestError>
  /** The client's roots (`roots/list`). */
  readonly listRoots: (options?: RequestOptions) => Effect.Effect<ReadonlyArray<Root>, ClientRequestError>
  /**
   * Tells the subscribers of `uri` that the resource changed (`notifications/resources/updated`
   * to subscribed sessions, and to `subscriptions/listen` streams in 2026-07-28), as
   * `McpServer.notifyResourceUpdated` does: for handlers that change what a resource reads.
   */
  readonly notifyResourceUpdated: (uri: string) => Effect.Effect<void>
  /**
   * The server's `ContextManager` (the one in the server layer's context when it was built):
   * shared, versioned state for handlers that do not list the manager in their requirements.
   * Fails with `ContextsUnavailable` on a server built without one.
   */
  readonly contexts: Effect.Effect<ContextManager.Service, ContextsUnavailable>
}

/** The requests' context of a tool: progress, logging, elicitation, sampling, roots, contexts. */
export class ToolContext extends Context.Tag("machine-context/ToolContext")<ToolContext, Service>() {}

/** Requests to the client that 2026-07-28 carries as input requests. */
const InputRequestMethods: ReadonlySet<string> = new Set(["elicitation/create", "sampling/createMessage", "roots/list"])

const capabilityAt = (capabilities: Record<string, unknown>, path: string): boolean => {
  let node: unknown = capabilities
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null || !(key in node)) return false
    node = (node as Record<string, unknown>)[key]
  }
  return typeof node === "object" && node !== null
}

/**
 * Fails unless the session's version has `method` (and is at least `since`) and the client
 * declared `capability`; `rounds` hears of a capability the client did not declare.
 */
const requireCapability = (
  rounds: InputRounds,
  request: RequestContextService,
  method: string,
  capability: string,
  since?: ProtocolVersion
): Effect.Effect<void, CapabilityError> => {
  const version = request.protocolVersion
  const spec = findMethod("server", method.startsWith("notifications/") ? "notification" : "request", method)
  // In 2026-07-28 the requests travel in an InputRequiredResult rather than as requests.
  const available = spec !== undefined && version !== undefined &&
    (isAvailable(spec, version) || (version === "2026-07-28" && InputRequestMethods.has(method)))
  if (version === undefined || !available || (since !== undefined && !isAtLeast(version, since))) {
    return Effect.fail(new CapabilityError({ capability, method, message: `${capability} (${method}) is not available in protocol version ${version ?? "(none)"}` }))
  }
  const capabilities = request.peerCapabilities
  // `elicitation: {}` means form mode (2025-06-18 has no modes); `{ url: {} }` alone does not.
  const declared = capability === "elicitation.form"
    ? capabilityAt(capabilities, "elicitation.form") ||
      (capabilityAt(capabilities, "elicitation") && !capabilityAt(capabilities, "elicitation.url"))
    : capabilityAt(capabilities, capability)
  if (!declared) {
    rounds.missed(request, capability)
    return Effect.fail(new CapabilityError({ capability, method, message: `The client did not declare the ${capability} capability needed by ${method}` }))
  }
  return Effect.void
}

const decodeWith = <A, I>(schema: Schema.Schema<A, I, never>, method: string) => {
  const decode = ParseResult.decodeUnknownEither(schema, { errors: "all" })
  return (value: unknown): Effect.Effect<A, ProtocolError> => {
    const decoded = decode(value)
    return Either.isRight(decoded)
      ? Effect.succeed(decoded.right)
      : Effect.fail(new ProtocolError({
        reason: "InvalidResponse",
        method,
        message: `The client's answer to ${method} is invalid: ${ParseResult.TreeFormatter.formatIssueSync(decoded.left)}`
      }))
  }
}

const decodeElicitResult = decodeWith(ElicitResult, "elicitation/create")
const decodeCreateMessageResult = decodeWith(CreateMessageResult, "sampling/createMessage")
const decodeListRootsResult = decodeWith(ListRootsResult, "roots/list")

const timeout = (options: RequestOptions | undefined) => options?.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs }

/**
 * The service: requests to the client through the protocol engine (2024-11-05 to 2025-11-25)
 * or input-required rounds (2026-07-28). `levels` holds each session's logging threshold;
 * `resourceUpdated` is the server's resource-update notifier; `contexts` the server's
 * `ContextManager`, if it has one.
 */
export const make = (
  levels: Logging.Levels,
  rounds: InputRounds,
  resourceUpdated: (uri: string) => Effect.Effect<void>,
  contexts: ContextManager.Service | undefined
): Service => {
  // The server gives ToolContext only to handlers, and every handler has its RequestContext.
  const withRequest = <A, E>(f: (request: RequestContextService) => Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.flatMap(RequestContext, f) as Effect.Effect<A, E>
  /** A request to the client: sent (stateful eras), or an input request of the request served (2026-07-28). */
  const ask = (
    request: RequestContextService,
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions | undefined
  ): Effect.Effect<Record<string, unknown>, ClientRequestError> => {
    if (request.protocolVersion !== "2026-07-28") return request.request(method, params, timeout(options))
    return rounds.ask(request, method, params ?? {}) ?? Effect.fail(new CapabilityError({
      capability: method,
      method,
      message: `In protocol version 2026-07-28, ${method} is only available to tool, prompt and resource read handlers (as an input request of tools/call, prompts/get or resources/read)`
    }))
  }
  return {
    progress: (progress, total, message) => withRequest((request) => request.progress(progress, total, message)),
    log: (level, data, logger) => withRequest((request) => Logging.send(levels, request, level, data, logger)),
    elicit: (message, schema, options) =>
      withRequest((request) =>
        Effect.gen(function*() {
          yield* requireCapability(rounds, request, "elicitation/create", "elicitation.form")
          const requestedSchema = Elicitation.requestedSchemaOf(schema)
          const result = yield* ask(request, "elicitation/create", { message, requestedSchema }, options)
          const answer = yield* decodeElicitResult(result)
          if (answer.action !== "accept") return { action: answer.action }
          const content = yield* decodeWith(schema, "elicitation/create")(answer.content ?? {})
          return { action: "accept" as const, content }
        })),
    elicitUrl: (message, url, elicitationId, options) =>
      withRequest((request) =>
        Effect.gen(function*() {
          yield* requireCapability(rounds, request, "elicitation/create", "elicitation.url", "2025-11-25")
          const result = yield* ask(request, "elicitation/create", { mode: "url", message, url, elicitationId }, options)
          const answer = yield* decodeElicitResult(result)
          return { action: answer.action }
        })),
    elicitationComplete: (elicitationId) =>
      withRequest((request) =>
        Effect.zipRight(
          requireCapability(rounds, request, "notifications/elicitation/complete", "elicitation.url", "2025-11-25"),
          request.notify("notifications/elicitation/complete", { elicitationId })
        )),
    sample: (params, options) =>
      withRequest((request) =>
        Effect.gen(function*() {
          yield* requireCapability(rounds, request, "sampling/createMessage", "sampling")
          if (params.tools !== undefined || params.toolChoice !== undefined) {
            yield* requireCapability(rounds, request, "sampling/createMessage", "sampling.tools", "2025-11-25")
          }
          const result = yield* ask(request, "sampling/createMessage", params as Record<string, unknown>, options)
          return yield* decodeCreateMessageResult(result)
        })),
    listRoots: (options) =>
      withRequest((request) =>
        Effect.gen(function*() {
          yield* requireCapability(rounds, request, "roots/list", "roots")
          const result = yield* ask(request, "roots/list", undefined, options)
          return (yield* decodeListRootsResult(result)).roots
        })),
    notifyResourceUpdated: resourceUpdated,
    contexts: contexts === undefined ? Effect.fail(new ContextsUnavailable()) : Effect.succeed(contexts)
  }
}
