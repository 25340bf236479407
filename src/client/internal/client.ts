/**
 * The client's implementation: requests with capability checks, the 2026-07-28 `_meta` and
 * input-required rounds, retry after a reconnection when safe; lists across pages,
 * subscriptions, streamed and typed tool calls.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { McpError, ProtocolError, type RecoveryError } from "../../protocol/errors.js"
import type * as Protocol from "../../protocol/Protocol.js"
import type { OutgoingRequestOptions } from "../../protocol/RequestContext.js"
import { CompleteResult } from "../../schema/completion.js"
import { GetPromptResult, ListPromptsResult } from "../../schema/prompts.js"
import { ListResourcesResult, ListResourceTemplatesResult, ReadResourceResult } from "../../schema/resources.js"
import { InputRequiredResult } from "../../schema/stateless.js"
import { CancelTaskResult, CreateTaskResult, GetTaskPayloadResult, GetTaskResult, ListTasksResult, type TaskMetadata } from "../../schema/tasks.js"
import { CallToolResult, ListToolsResult } from "../../schema/tools.js"
import type { Connector } from "../Connector.js"
import { ConnectionLost, type ConnectError, MissingCapability, ToolError } from "../errors.js"
import type { CallEvent, CallOptions, ClientError, Options, RequestOptions, Service } from "../McpClient.js"
import * as Handlers from "./handlers.js"
import { authErrorOf, defaultReconnect, isConnectionLoss, Recovery, type State } from "./recovery.js"
import * as Session from "./session.js"

const VERSION = "0.2.0"

/** The capability each method needs (a path in the server's capabilities). */
const needs: Record<string, string> = {
  "tools/list": "tools",
  "tools/call": "tools",
  "resources/list": "resources",
  "resources/templates/list": "resources",
  "resources/read": "resources",
  "resources/subscribe": "resources.subscribe",
  "resources/unsubscribe": "resources.subscribe",
  "prompts/list": "prompts",
  "prompts/get": "prompts",
  "completion/complete": "completions",
  "logging/setLevel": "logging",
  "tasks/get": "tasks",
  "tasks/result": "tasks",
  "tasks/list": "tasks.list",
  "tasks/cancel": "tasks.cancel"
}

const declares = (capabilities: Record<string, unknown>, path: string): boolean => {
  let value: unknown = capabilities
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null) return false
    value = (value as Record<string, unknown>)[key]
  }
  return value !== undefined && value !== false
}

const decoder = <A, I>(schema: Schema.Schema<A, I, never>, method: string) => {
  const decode = ParseResult.decodeUnknownEither(schema)
  return (raw: Record<string, unknown>): Effect.Effect<A, ProtocolError> => {
    const result = decode(raw)
    return result._tag === "Right"
      ? Effect.succeed(result.right)
      : Effect.fail(new ProtocolError({ reason: "InvalidResponse", method, message: `Invalid ${method} result: ${ParseResult.TreeFormatter.formatIssueSync(result.left)}` }))
  }
}

const decodeInputRequired = ParseResult.decodeUnknownEither(InputRequiredResult)
const MAX_INPUT_ROUNDS = 16

/** Connects with `connector` on `protocol` and builds the client service (see `McpClient.make`). */
export const makeClient = <R>(
  connector: Connector<R>,
  protocol: Protocol.Service,
  options: Options
): Effect.Effect<Service, ConnectError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const context = yield* Effect.context<R>()
    const hub = yield* Effect.acquireRelease(PubSub.unbounded<Handlers.Notification>(), PubSub.shutdown)
    const services = yield* Handlers.services
    const router = Handlers.router(services, hub)
    const hello: Session.Hello = {
      clientInfo: options.clientInfo ?? { name: "machine-context-client", version: VERSION },
      capabilities: Handlers.capabilities(services),
      protocolVersion: options.protocolVersion,
      timeoutMs: options.requestTimeoutMs ?? 60_000
    }
    const open = Session.open(connector, protocol, router, hello).pipe(Effect.provide(context))
    const subscriptions = new Map<string, number>()
    const idempotentTools = new Set<string>()
    const state = yield* SubscriptionRef.make<State>({ _tag: "Connecting" })
    const first = yield* open
    const resubscribe = (live: Session.Live) =>
      live.protocolVersion === "2026-07-28"
        ? Effect.void
        : Effect.forEach(subscriptions.keys(), (uri) => Effect.ignore(live.handle.request("resources/subscribe", { uri })), { discard: true })
    const recovery = new Recovery(first, open, options.reconnect ?? defaultReconnect, state, scope, resubscribe)
    yield* recovery.start()
    yield* Effect.addFinalizer(() => recovery.close)

    /** One round trip on `live`, then the input-required rounds of 2026-07-28. */
    const exchange = (live: Session.Live, method: string, params: Record<string, unknown>, options: RequestOptions) => {
      const once = (sent: Record<string, unknown>) => {
        const withMeta = live.protocolVersion === "2026-07-28"
          ? { ...sent, _meta: { ...live.meta, ...(sent._meta as Record<string, unknown> | undefined) } }
          : sent
        const outgoing: OutgoingRequestOptions = {
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress })
        }
        return live.handle.request(method, withMeta, outgoing)
      }
      const rounds = (sent: Record<string, unknown>, round: number): Effect.Effect<Record<string, unknown>, ProtocolError | McpError | RecoveryError> =>
        Effect.flatMap(once(sent), (result) => {
          if (result.resultType !== "input_required" || round >= MAX_INPUT_ROUNDS) return Effect.succeed(result)
          const decoded = decodeInputRequired(result)
          if (decoded._tag === "Left") return Effect.succeed(result)
          const requests = Object.entries(decoded.right.inputRequests ?? {})
          return Effect.forEach(requests, ([key, request]) => Effect.map(Handlers.answer(services, request), (answer) => [key, answer] as const)).pipe(
            Effect.flatMap((answers) => {
              const { inputResponses: _, requestState: __, ...rest } = sent
              const next: Record<string, unknown> = { ...rest, inputResponses: Object.fromEntries(answers) }
              if (decoded.right.requestState !== undefined) next.requestState = decoded.right.requestState
              return rounds(next, round + 1)
            })
          )
        })
      return rounds(params, 0)
    }

    const toClientError = (method: string) => (error: unknown): ClientError => {
      if (error instanceof McpError) {
        return new ProtocolError({ reason: "RemoteError", method, code: error.code, message: `This client could not answer the server's request: ${error.message}` })
      }
      return authErrorOf(error) ?? error as ClientError
    }

    const send = (method: string, params: Record<string, unknown>, options: RequestOptions & { readonly safe: boolean }): Effect.Effect<Record<string, unknown>, ClientError> =>
      Effect.gen(function*() {
        const live = yield* recovery.live
        const capability = needs[method]
        if (capability !== undefined && !(method === "completion/complete" && live.protocolVersion === "2024-11-05") &&
          !declares(live.capabilities as Record<string, unknown>, capability)) {
          return yield* Effect.fail(new MissingCapability({ method, capability, message: `The server does not declare the "${capability}" capability needed by ${method}` }))
        }
        return yield* exchange(live, method, params, options).pipe(
          Effect.catchAll((error) => {
            if (!isConnectionLoss(error)) return Effect.fail(toClientError(method)(error))
            return recovery.reconnect(live).pipe(
              Effect.mapError((cause) => new ConnectionLost({ method, message: `The connection broke and could not be restored: ${cause.message}` })),
              Effect.flatMap((restored) =>
                options.safe
                  ? exchange(restored, method, params, options).pipe(Effect.mapError((error) =>
                    isConnectionLoss(error)
                      ? new ConnectionLost({ method, message: "The connection broke again while the request was retried" })
                      : toClientError(method)(error)
                  ))
                  : Effect.fail(new ConnectionLost({ method, message: `The connection broke while ${method} was in flight; it was not sent again because it is not known to be idempotent` }))
              )
            )
          })
        )
      })

    const typed = <A, I>(method: string, schema: Schema.Schema<A, I, never>) => {
      const decode = decoder(schema, method)
      return (params: Record<string, unknown>, options: RequestOptions = {}) =>
        Effect.flatMap(send(method, params, { ...options, safe: true }), decode)
    }

    const pages = <A, I, K extends string>(method: string, schema: Schema.Schema<A, I, never>, key: K) => {
      const page = typed(method, schema)
      return Effect.gen(function*() {
        const items: Array<unknown> = []
        let cursor: string | undefined
        for (let count = 0; count < 10_000; count++) {
          const result = (yield* page(cursor === undefined ? {} : { cursor })) as Record<string, unknown>
          items.push(...(result[key] as ReadonlyArray<unknown>))
          cursor = typeof result.nextCursor === "string" && result.nextCursor !== "" ? result.nextCursor : undefined
          if (cursor === undefined) break
        }
        return items as ReadonlyArray<A extends { readonly [P in K]: ReadonlyArray<infer X> } ? X : never>
      })
    }

    const decodeCall = decoder(CallToolResult, "tools/call")
    const callParams = (name: string, args: Record<string, unknown> | undefined, options: CallOptions & { readonly task?: TaskMetadata }) => {
      const meta = { ...options.meta, ...(options.idempotencyKey === undefined ? {} : { ["machine-context/idempotencyKey"]: options.idempotencyKey }) }
      const params: Record<string, unknown> = { name, arguments: args ?? {} }
      if (Object.keys(meta).length > 0) params._meta = meta
      if (options.task !== undefined) params.task = options.task
      return params
    }
    const callTool = (name: string, args?: Record<string, unknown>, options: CallOptions = {}) =>
      Effect.flatMap(
        send("tools/call", callParams(name, args, options), { ...options, safe: idempotentTools.has(name) || options.idempotencyKey !== undefined }),
        decodeCall
      )

    const listTools = Effect.tap(pages("tools/list", ListToolsResult, "tools"), (tools) =>
      Effect.sync(() => {
        for (const tool of tools) {
          if (tool.annotations?.idempotentHint === true) idempotentTools.add(tool.name)
          else idempotentTools.delete(tool.name)
        }
      }))

    const callToolStream = (name: string, args?: Record<string, unknown>, options: CallOptions = {}): Stream.Stream<CallEvent, ClientError> =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const events = yield* Queue.unbounded<CallEvent | { readonly _tag: "Failed"; readonly error: ClientError }>()
        yield* Effect.forkScoped(callTool(name, args, {
          ...options,
          onProgress: (progress) => {
            options.onProgress?.(progress)
            Queue.unsafeOffer(events, { _tag: "Progress", progress })
          }
        }).pipe(Effect.matchEffect({
          onFailure: (error) => Queue.offer(events, { _tag: "Failed", error }),
          onSuccess: (result) => Queue.offer(events, { _tag: "Result", result })
        })))
        return Stream.fromQueue(events).pipe(
          Stream.takeUntil((event) => event._tag !== "Progress"),
          Stream.mapEffect((event) => event._tag === "Failed" ? Effect.fail(event.error) : Effect.succeed(event))
        )
      }))

    const tool: Service["tool"] = (definition) => {
      const encode = Schema.encode(definition.input)
      const decodeOutput = definition.output === undefined ? undefined : Schema.decodeUnknown(definition.output)
      return (input, options) =>
        Effect.gen(function*() {
          const args = (yield* Effect.orDie(encode(input))) as Record<string, unknown>
          const result = yield* callTool(definition.name, args, options)
          if (result.isError === true) {
            const text = result.content.flatMap((block) => block.type === "text" ? [block.text] : []).join("\n")
            return yield* Effect.fail(new ToolError({ tool: definition.name, message: text === "" ? "The tool failed" : text, structuredContent: result.structuredContent }))
          }
          if (decodeOutput === undefined) return result as never
          return yield* decodeOutput(result.structuredContent).pipe(
            Effect.mapError((error) => new ProtocolError({ reason: "InvalidResponse", method: "tools/call", message: `Invalid structuredContent of ${definition.name}: ${error.message}` }))
          ) as Effect.Effect<never, ProtocolError>
        })
    }

    const subscribe = (uri: string): Stream.Stream<Record<string, unknown>, ClientError> =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const updates = yield* PubSub.subscribe(hub)
        const live = yield* recovery.live
        if (live.protocolVersion === "2026-07-28") {
          // A listen stream lasts until cancelled (interrupting it sends notifications/cancelled).
          yield* Effect.forkScoped(Effect.ignore(send("subscriptions/listen", { notifications: { resourceSubscriptions: [uri] } }, { safe: true, timeoutMs: 2 ** 31 - 1 })))
        } else {
          const count = subscriptions.get(uri) ?? 0
          yield* Effect.acquireRelease(
            Effect.zipRight(
              Effect.sync(() => subscriptions.set(uri, count + 1)),
              count === 0 ? send("resources/subscribe", { uri }, { safe: true }).pipe(Effect.tapError(() => Effect.sync(() => subscriptions.delete(uri)))) : Effect.void
            ),
            () =>
              Effect.suspend(() => {
                const left = (subscriptions.get(uri) ?? 1) - 1
                if (left > 0) return Effect.sync(() => subscriptions.set(uri, left))
                subscriptions.delete(uri)
                return Effect.ignore(send("resources/unsubscribe", { uri }, { safe: true }))
              })
          )
        }
        return Stream.fromQueue(updates).pipe(
          Stream.filter((n) => n.method === "notifications/resources/updated" && n.params.uri === uri),
          Stream.map((n) => n.params)
        )
      }))

    if (services.roots !== undefined) {
      yield* Effect.forkScoped(Stream.runForEach(services.roots.changes, () =>
        Effect.flatMap(recovery.live, (live) =>
          live.protocolVersion === "2026-07-28" ? Effect.void : live.handle.notify("notifications/roots/list_changed"))))
    }

    const current = <A>(f: (live: Session.Live) => A) => Effect.map(recovery.live, f)
    const getTask = typed("tasks/get", GetTaskResult)
    const taskResult = typed("tasks/result", GetTaskPayloadResult)
    const cancelTask = typed("tasks/cancel", CancelTaskResult)
    const createTask = decoder(CreateTaskResult, "tools/call")

    return {
      state: SubscriptionRef.get(state),
      stateChanges: state.changes,
      serverCapabilities: current((live) => live.capabilities),
      serverInfo: current((live) => live.serverInfo),
      instructions: current((live) => live.instructions),
      protocolVersion: current((live) => live.protocolVersion),
      notifications: Stream.fromPubSub(hub),
      ping: Effect.asVoid(send("ping", {}, { safe: true })),
      listTools,
      callTool,
      callToolStream,
      tool,
      callToolAsTask: (name, args, task, options = {}) =>
        Effect.flatMap(send("tools/call", callParams(name, args, { ...options, task }), { ...options, safe: options.idempotencyKey !== undefined }), createTask).pipe(
          Effect.map((created) => created.task)
        ),
      listResources: pages("resources/list", ListResourcesResult, "resources"),
      listResourceTemplates: pages("resources/templates/list", ListResourceTemplatesResult, "resourceTemplates"),
      readResource: (uri, options) => typed("resources/read", ReadResourceResult)({ uri }, options),
      subscribe,
      listPrompts: pages("prompts/list", ListPromptsResult, "prompts"),
      getPrompt: (name, args, options) => typed("prompts/get", GetPromptResult)(args === undefined ? { name } : { name, arguments: args }, options),
      complete: (params) => typed("completion/complete", CompleteResult)(params as Record<string, unknown>),
      setLogLevel: (level) => Effect.asVoid(send("logging/setLevel", { level }, { safe: true })),
      tasks: {
        get: (taskId) => getTask({ taskId }),
        result: (taskId) => taskResult({ taskId }),
        list: pages("tasks/list", ListTasksResult, "tasks"),
        cancel: (taskId) => cancelTask({ taskId })
      },
      request: (method, params, options) => send(method, params ?? {}, { ...options, safe: false })
    } satisfies Service
  })
