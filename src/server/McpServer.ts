/**
 * The MCP server: lifecycle (`initialize`, `ping`; `server/discover` in 2026-07-28), tools, resources and resource templates,
 * prompts, completions and logging to the client, with list-change and resource-update
 * notifications, served over any transport through the Protocol engine. Handlers reach the
 * client through `ToolContext` (progress, logs, elicitation, sampling, roots), and the shared
 * contexts of a `ContextManager` given to the layer.
 *
 * @example
 * ```ts
 * const Main = McpServer.layer({ name: "demo", version: "1.0.0" }, { tools: [Echo] })
 * const program = McpServer.serve(Stdio.processTransport())
 * Effect.scoped(program).pipe(Effect.provide(Main), NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as ContextManager from "../context/ContextManager.js"
import { McpError, type TransportError } from "../protocol/errors.js"
import * as Protocol from "../protocol/Protocol.js"
import { RequestContext } from "../protocol/RequestContext.js"
import type { Session } from "../protocol/Session.js"
import * as Router from "../protocol/Router.js"
import { InitializeRequestParams } from "../schema/lifecycle.js"
import { SetLevelRequestParams } from "../schema/logging.js"
import type { Implementation, InitializeResult, ServerCapabilities } from "../schema/index.js"
import { DiscoverRequestParams, type DiscoverResult } from "../schema/stateless.js"
import { TasksExtensionId } from "../schema/tasks.js"
import { isAtLeast, negotiate, ProtocolVersions } from "../schema/versions.js"
import type { Transport } from "../transport/Transport.js"
import * as Completions from "./internal/completion.js"
import { Connections } from "./internal/connections.js"
import * as Listen from "./internal/listen.js"
import { InputRounds } from "./internal/inputRequired.js"
import { Prompts } from "./internal/prompts.js"
import { Resources } from "./internal/resources.js"
import { StatelessAnswers } from "./internal/stateless.js"
import { Tasks } from "./internal/tasks.js"
import { Tools } from "./internal/tools.js"
import * as Logging from "./Logging.js"
import * as TaskStore from "./TaskStore.js"
import type * as Prompt from "./Prompt.js"
import type * as Resource from "./Resource.js"
import type * as ResourceTemplate from "./ResourceTemplate.js"
import type * as Tool from "./Tool.js"
import * as ToolContext from "./ToolContext.js"
import type { HasDependents, RegistrationError } from "./tools/errors.js"
import * as ToolManager from "./tools/ToolManager.js"

/** What the server says about itself in `initialize`. */
export interface Info extends Implementation {
  /** Instructions for the model on how to use this server. */
  readonly instructions?: string
}

/** Options of the server. */
export interface Options<
  Tools extends ReadonlyArray<Tool.Any> = ReadonlyArray<Tool.Any>,
  Resources extends ReadonlyArray<Resource.Any> = ReadonlyArray<Resource.Any>,
  Templates extends ReadonlyArray<ResourceTemplate.Any> = ReadonlyArray<ResourceTemplate.Any>,
  Prompts extends ReadonlyArray<Prompt.Any> = ReadonlyArray<Prompt.Any>
> extends Protocol.Options {
  /** Tools served from the start (registered in dependency order); more can be added at runtime. */
  readonly tools?: Tools
  /**
   * The settings of the server's own `ToolManager` (timeouts, concurrency, middleware, hooks…);
   * ignored when a `ToolManager` is in the context, which is then used.
   */
  readonly toolManager?: Omit<ToolManager.Options, "tools">
  /** Resources listed by `resources/list`; more can be added at runtime. */
  readonly resources?: Resources
  /** Resource templates listed by `resources/templates/list`, matched by `resources/read` in order. */
  readonly resourceTemplates?: Templates
  /** Prompts served from the start; more can be added at runtime. */
  readonly prompts?: Prompts
  /** Items per page of every list method; all in one page when not set. */
  readonly pageSize?: number
  /** The log threshold of a session until its client sends `logging/setLevel`. Default `"info"`. */
  readonly logLevel?: Logging.Threshold
  /**
   * 2026-07-28: how long clients may cache lists, reads and `server/discover` (`ttlMs`).
   * Default 0 (stale at once: lists change at runtime).
   */
  readonly cacheTtlMs?: number
  /**
   * 2026-07-28: the HMAC-SHA256 key that signs the `requestState` of input-required results.
   * Give the same key to every instance behind a load balancer; a random key per process by default.
   */
  readonly requestStateKey?: string | Uint8Array
  /**
   * 2026-07-28: how long the `requestState` of an input-required result is accepted, in
   * milliseconds. Default 15 minutes.
   */
  readonly requestStateTtlMs?: number
}

type Items<O, K extends string> = O extends { readonly [P in K]?: infer A } ? A extends ReadonlyArray<infer X> ? X : never : never

/** The services that the handlers of `options` need beyond what the server provides. */
export type Requirements<O> =
  | Tool.Requirements<Items<O, "tools">>
  | Resource.Requirements<Items<O, "resources">>
  | ResourceTemplate.Requirements<Items<O, "resourceTemplates">>
  | Prompt.Requirements<Items<O, "prompts">>

/** The server as a service. */
export interface Service {
  readonly info: Info
  /** The method table; other features register their routes here. */
  readonly router: Router.Router<any>
  /**
   * Adds a tool, or a new version of one, or replaces the same version (after draining it);
   * connected clients get `notifications/tools/list_changed`. Its `init` runs with the caller's services, which the Effect demands.
   */
  readonly addTool: <T extends Tool.Any>(tool: T) => Effect.Effect<void, RegistrationError, Tool.InitRequirements<T>>
  /** Drains and removes every version of a tool (refused while other tools depend on it); clients get `notifications/tools/list_changed`. */
  readonly removeTool: (name: string) => Effect.Effect<boolean, HasDependents>
  /** The tools served now (the default version of each). */
  readonly tools: Effect.Effect<ReadonlyArray<Tool.Any>>
  /** The tool registry and pipeline behind `tools/list` and `tools/call`. */
  readonly toolManager: ToolManager.Service
  /** Adds (or replaces, by URI) a resource; clients get `notifications/resources/list_changed`. */
  readonly addResource: (resource: Resource.Any) => Effect.Effect<void>
  /** Removes a resource; clients get `notifications/resources/list_changed`. */
  readonly removeResource: (uri: string) => Effect.Effect<boolean>
  /** The resources served now. */
  readonly resources: Effect.Effect<ReadonlyArray<Resource.Any>>
  /** Adds (or replaces, by URI template) a template; clients get `notifications/resources/list_changed`. */
  readonly addResourceTemplate: (template: ResourceTemplate.Any) => Effect.Effect<void>
  /** Removes a template; clients get `notifications/resources/list_changed`. */
  readonly removeResourceTemplate: (uriTemplate: string) => Effect.Effect<boolean>
  /** The resource templates served now. */
  readonly resourceTemplates: Effect.Effect<ReadonlyArray<ResourceTemplate.Any>>
  /** Adds (or replaces) a prompt; clients get `notifications/prompts/list_changed`. */
  readonly addPrompt: (prompt: Prompt.Any) => Effect.Effect<void>
  /** Removes a prompt; clients get `notifications/prompts/list_changed`. */
  readonly removePrompt: (name: string) => Effect.Effect<boolean>
  /** The prompts served now. */
  readonly prompts: Effect.Effect<ReadonlyArray<Prompt.Any>>
  /** Sends `notifications/resources/updated { uri }` to the sessions and listen streams (2026-07-28) subscribed to `uri`. */
  readonly notifyResourceUpdated: (uri: string) => Effect.Effect<void>
  /**
   * Ends every `subscriptions/listen` stream gracefully (2026-07-28): each gets its result, then
   * its stream closes; streams opened afterwards end at once. For shutdown: Streamable HTTP
   * calls it before it drains requests in flight.
   */
  readonly endSubscriptions: Effect.Effect<void>
  /** Opens a connection over `transport`; it lives as long as the Scope. */
  readonly connect: (transport: Transport) => Effect.Effect<Protocol.ConnectionHandle, never, Scope.Scope>
  /** Serves one connection over `transport` until the peer closes it. */
  readonly serve: (transport: Transport) => Effect.Effect<void, TransportError>
}

/** The MCP server. */
export class McpServer extends Context.Tag("machine-context/McpServer")<McpServer, Service>() {}

const capabilities: ServerCapabilities = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {}
}
// The `completions` capability exists since 2025-03-26 (the method itself since 2024-11-05).
const capabilitiesWithCompletions: ServerCapabilities = { ...capabilities, completions: {} }
// 2025-11-25, when some tool may run as a task.
const capabilitiesWithTasks: ServerCapabilities = {
  ...capabilitiesWithCompletions,
  tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } }
}

/** Builds the server; needs the Protocol engine and the services its handlers use. */
export const make = <O extends Options<any, any, any, any>>(
  info: Info,
  options: O = {} as O
): Effect.Effect<Service, never, Protocol.Protocol | Requirements<O>> =>
  Effect.gen(function*() {
    const protocol = yield* Protocol.Protocol
    const levels = new Logging.Levels(options.logLevel ?? "info")
    const rounds = new InputRounds(options.requestStateKey, options.requestStateTtlMs)
    // Handlers run on each connection's runtime: give it the services they need, and ToolContext.
    // Without the layer's own Scope: each connection must register its shutdown in the caller's.
    const context = Context.add(
      Context.omit(Scope.Scope)(yield* Effect.context<Requirements<O>>()) as Context.Context<Requirements<O>>,
      ToolContext.ToolContext,
      // `resources` is made below; a change is notified only once the server is running.
      ToolContext.make(levels, rounds, (uri) => resources.updated(uri), Option.getOrUndefined(yield* Effect.serviceOption(ContextManager.ContextManager)))
    )
    const connections = new Connections()
    const store = Option.getOrUndefined(yield* Effect.serviceOption(TaskStore.TaskStore)) ?? (yield* TaskStore.makeMemory())
    const tasks = new Tasks(store, options.pageSize ?? 100, connections, rounds)
    const stateless = new StatelessAnswers(serverInfo(info), options.cacheTtlMs ?? 0)
    const manager = Option.getOrUndefined(yield* Effect.serviceOption(ToolManager.ToolManager)) ??
      (yield* Effect.orDie(ToolManager.make(options.toolManager)))
    // A definition the manager refuses is a bug (as `Tool.make` throwing); a failed `init` leaves its tool `failed`.
    // Their `init` runs with this server's services (`Requirements<O>` holds what it needs).
    yield* manager.registerAll((options.tools ?? []) as ReadonlyArray<Tool.Any>).pipe(
      Effect.catchTag("ToolInitError", (error) => Logging.serverOnly(Effect.logError(`Tool ${error.name}@${error.version} failed to initialize`, error))),
      Effect.orDie
    )
    const tools = new Tools(manager, options.pageSize, connections, stateless, rounds, tasks)
    const resources = new Resources(options.resources ?? [], options.resourceTemplates ?? [], options.pageSize, connections, stateless, rounds)
    const prompts = new Prompts(options.prompts ?? [], options.pageSize, connections, stateless, rounds)
    const discovered: DiscoverResult = {
      supportedVersions: [...ProtocolVersions].reverse(),
      capabilities: capabilitiesWithCompletions,
      ...(info.instructions === undefined ? {} : { instructions: info.instructions }),
      ...stateless.hints("public")
    }
    // When some tool may run as a task: the tasks extension.
    const discoveredWithTasks: DiscoverResult = {
      ...discovered,
      capabilities: { ...capabilitiesWithCompletions, extensions: { [TasksExtensionId]: {} } }
    }

    const initialize = Router.request("initialize", InitializeRequestParams, (params) =>
      Effect.flatMap(RequestContext, (request) => {
        if (request.session.protocolVersion !== undefined) {
          return Effect.fail(McpError.invalidRequest("Invalid request: the connection is already initialized"))
        }
        const version = negotiate(params.protocolVersion)
        request.session.negotiated(version, params.clientInfo, params.capabilities as Record<string, unknown>)
        const result: InitializeResult = {
          protocolVersion: version,
          capabilities: version === "2025-11-25" && tools.supportTasks()
            ? capabilitiesWithTasks
            : isAtLeast(version, "2025-03-26") ? capabilitiesWithCompletions : capabilities,
          serverInfo: serverInfo(info),
          ...(info.instructions === undefined ? {} : { instructions: info.instructions })
        }
        return Effect.succeed(result)
      }), { priority: "immediate", beforeInitialize: true })

    const router = new Router.Router<any>([
      initialize,
      Router.request("ping", Schema.Struct({}), () => Effect.succeed({}), { priority: "immediate", beforeInitialize: true }),
      // 2026-07-28 only (the engine answers -32601 in other eras).
      Router.request("server/discover", DiscoverRequestParams, () =>
        Effect.sync(() => tools.supportTasks() ? discoveredWithTasks : discovered), { priority: "immediate", beforeInitialize: true }),
      Router.notification("notifications/initialized", Schema.Struct({}), () =>
        Effect.map(RequestContext, (request) => {
          request.session.initialized = true
        })),
      Router.request("logging/setLevel", SetLevelRequestParams, (params) =>
        Effect.map(RequestContext, (request) => {
          levels.set(request.session, params.level)
          return {}
        })),
      ...tools.routes(),
      ...tasks.routes(),
      ...resources.routes(),
      ...prompts.routes(),
      ...Completions.routes(prompts, resources),
      ...Listen.routes(connections)
    ])

    const connect = (transport: Transport) =>
      Effect.gen(function*() {
        const connection = yield* protocol.connect(transport, router, "server", { resultMeta: stateless.resultMeta }).pipe(
          Logging.withClientLogging(levels),
          Effect.provide(context)
        )
        connections.add(connection)
        yield* Effect.addFinalizer(() =>
          Effect.zipRight(Effect.sync(() => connections.delete(connection)), tasks.closeSession(connection.session))
        )
        return connection
      })

    return McpServer.of({
      info,
      router,
      addTool: (tool) => manager.register(tool, { replace: true }),
      removeTool: (name) => manager.unregister(name),
      tools: Effect.sync(() => manager.defaults().map((registration) => registration.tool)),
      toolManager: manager,
      addResource: (resource) => resources.add(resource),
      removeResource: (uri) => resources.remove(uri),
      resources: Effect.sync(() => resources.resourceList()),
      addResourceTemplate: (template) => resources.addTemplate(template),
      removeResourceTemplate: (uriTemplate) => resources.removeTemplate(uriTemplate),
      resourceTemplates: Effect.sync(() => resources.templateList()),
      addPrompt: (prompt) => prompts.add(prompt),
      removePrompt: (name) => prompts.remove(name),
      prompts: Effect.sync(() => prompts.values()),
      notifyResourceUpdated: (uri) => resources.updated(uri),
      endSubscriptions: connections.endListeners(),
      connect,
      // Interrupted (the server shuts down), a connection first ends its listen streams gracefully.
      serve: (transport) =>
        Effect.scoped(Effect.flatMap(connect(transport), (connection) =>
          connection.run.pipe(Effect.onInterrupt(() => endGracefully(connections, connection.session)))))
    })
  })

/** Ends the listen streams of `session` and waits (up to a second) for their answers to go out. */
const endGracefully = (connections: Connections, session: Session): Effect.Effect<void> =>
  Effect.zipRight(
    connections.endListeners(session),
    Effect.repeat(Effect.sleep("1 millis"), { while: () => connections.listening(session) }).pipe(
      Effect.zipRight(Effect.yieldNow()),
      Effect.timeout("1 second"),
      Effect.ignore
    )
  )

const serverInfo = (info: Info): Implementation => {
  const { instructions: _, ...implementation } = info
  return implementation
}

/** The server as a layer, with its own Protocol engine configured from `options`. */
export const layer = <const O extends Options<any, any, any, any> = {}>(
  info: Info,
  options: O = {} as O
): Layer.Layer<McpServer, never, Requirements<O>> =>
  Layer.effect(McpServer, make(info, options)).pipe(Layer.provide(Protocol.layer(options)))

/** Serves one connection over `transport` until the peer closes it. */
export const serve = (transport: Transport): Effect.Effect<void, TransportError, McpServer> =>
  Effect.flatMap(McpServer, (server) => server.serve(transport))
