/**
 * The MCP client: connects to a server over stdio, Streamable HTTP or in memory, negotiates the
 * era (2026-07-28 through `server/discover` where offered, else `initialize`), sends every
 * request of the specification, serves the server's requests with the application's services
 * (`Sampler`, `Elicitor`, `Roots`), and recovers: it reconnects with a `Schedule` when the
 * connection breaks, re-subscribes, and sends a request again only when that is safe.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { ProtocolError, RecoveryError } from "../protocol/errors.js"
import * as Protocol from "../protocol/Protocol.js"
import type { Implementation, LoggingLevel } from "../schema/base.js"
import type { CompleteRequestParams, CompleteResult } from "../schema/completion.js"
import type { ServerCapabilities } from "../schema/lifecycle.js"
import type { GetPromptResult, Prompt } from "../schema/prompts.js"
import type { Resource } from "../schema/content.js"
import type { ReadResourceResult, ResourceTemplate } from "../schema/resources.js"
import type { CancelTaskResult, GetTaskPayloadResult, GetTaskResult, Task, TaskMetadata } from "../schema/tasks.js"
import type { CallToolResult, Tool as WireTool } from "../schema/tools.js"
import type { ProtocolVersion } from "../schema/versions.js"
import type { McpServer } from "../server/McpServer.js"
import type * as Tool from "../server/Tool.js"
import type * as StreamableHttpClient from "../transport/StreamableHttpClient.js"
import type { AuthError, AuthProvider } from "./AuthProvider.js"
import * as Connector from "./Connector.js"
import type { ConnectError, ConnectionLost, MissingCapability, ToolError } from "./errors.js"
import type { Elicitor } from "./Elicitor.js"
import { makeClient } from "./internal/client.js"
import type { Notification } from "./internal/handlers.js"
import type { State } from "./internal/recovery.js"
import type { Roots } from "./Roots.js"
import type { Sampler } from "./Sampler.js"

export type { Notification } from "./internal/handlers.js"
export type { State } from "./internal/recovery.js"

/** Every way a request of the client can fail. */
export type ClientError = ProtocolError | RecoveryError | MissingCapability | ConnectionLost | AuthError

/** Options of the client. */
export interface Options {
  /** What the client says about itself. Default `{ name: "machine-context-client", version }`. */
  readonly clientInfo?: Implementation
  /** Speak only this version (the server may still answer an older stateful one). */
  readonly protocolVersion?: ProtocolVersion
  /** How to retry reconnecting. Default: jittered exponential backoff from 100 ms, 6 attempts. */
  readonly reconnect?: Schedule.Schedule<unknown, unknown>
  /** Timeout of requests without their own. Default 60 s. */
  readonly requestTimeoutMs?: number
  /** Options of the protocol engine (limits, concurrency). */
  readonly protocol?: Protocol.Options
}

/** A progress report of a request. */
export interface Progress {
  readonly progress: number
  readonly total?: number
  readonly message?: string
}

/** Options of one request. */
export interface RequestOptions {
  /** Fails with `ProtocolError { reason: "Timeout" }` and cancels at the server after this long. */
  readonly timeoutMs?: number
  /** Receives the server's progress reports. */
  readonly onProgress?: (progress: Progress) => void
}

/** Options of one tool call. */
export interface CallOptions extends RequestOptions {
  /**
   * Makes the call safe to send again after a reconnection: it goes out with
   * `_meta["machine-context/idempotencyKey"]` so the server can recognise the repeat.
   */
  readonly idempotencyKey?: string
  /** Extra `_meta` of the request. */
  readonly meta?: Record<string, unknown>
}

/** What `callToolStream` emits: progress reports, then the result. */
export type CallEvent =
  | { readonly _tag: "Progress"; readonly progress: Progress }
  | { readonly _tag: "Result"; readonly result: CallToolResult }

/** The output a typed tool call gives: the decoded `structuredContent`, or the result for content tools. */
export type TypedOutput<O> = O extends Tool.Content ? CallToolResult : O

/** The `_meta` key of a tool call's idempotency key. */
export const IdempotencyKey = "machine-context/idempotencyKey"

/** The client as a service. */
export interface Service {
  /** The connection state, now and as it changes. */
  readonly state: Effect.Effect<State>
  readonly stateChanges: Stream.Stream<State>
  /** What the server declared in the current connection. */
  readonly serverCapabilities: Effect.Effect<ServerCapabilities>
  readonly serverInfo: Effect.Effect<Implementation | undefined>
  readonly instructions: Effect.Effect<string | undefined>
  readonly protocolVersion: Effect.Effect<ProtocolVersion>
  /** Every notification the server sends (logs, list changes, resource updates…). */
  readonly notifications: Stream.Stream<Notification>

  readonly ping: Effect.Effect<void, ClientError>
  /** Every tool, following pages. */
  readonly listTools: Effect.Effect<ReadonlyArray<WireTool>, ClientError>
  readonly callTool: (name: string, args?: Record<string, unknown>, options?: CallOptions) => Effect.Effect<CallToolResult, ClientError>
  /** A tool call as a Stream: its progress reports, then its result. Interrupting it cancels the call. */
  readonly callToolStream: (name: string, args?: Record<string, unknown>, options?: CallOptions) => Stream.Stream<CallEvent, ClientError>
  /**
   * A function calling `tool` (a server definition, shared code) with typed input and output:
   * the input is encoded with its Schema, `structuredContent` decoded with its output Schema.
   */
  readonly tool: <I, O>(tool: Tool.Tool<I, O, any, any, any>) => (input: I, options?: CallOptions) => Effect.Effect<TypedOutput<O>, ClientError | ToolError>
  /** 2025-11-25: starts a tool call as a task (the tool must allow it); follow it with `tasks`. */
  readonly callToolAsTask: (name: string, args: Record<string, unknown> | undefined, task: TaskMetadata, options?: CallOptions) => Effect.Effect<Task, ClientError>
  readonly listResources: Effect.Effect<ReadonlyArray<Resource>, ClientError>
  readonly listResourceTemplates: Effect.Effect<ReadonlyArray<ResourceTemplate>, ClientError>
  readonly readResource: (uri: string, options?: RequestOptions) => Effect.Effect<ReadResourceResult, ClientError>
  /**
   * Updates of a resource (`notifications/resources/updated` params) while the stream runs;
   * re-subscribed after a reconnection.
   */
  readonly subscribe: (uri: string) => Stream.Stream<Record<string, unknown>, ClientError>
  readonly listPrompts: Effect.Effect<ReadonlyArray<Prompt>, ClientError>
  readonly getPrompt: (name: string, args?: Record<string, string>, options?: RequestOptions) => Effect.Effect<GetPromptResult, ClientError>
  readonly complete: (params: Omit<CompleteRequestParams, "_meta">) => Effect.Effect<CompleteResult, ClientError>
  /** The server's log threshold for this client (stateful eras). */
  readonly setLogLevel: (level: LoggingLevel) => Effect.Effect<void, ClientError>
  /** Tasks (2025-11-25). */
  readonly tasks: {
    readonly get: (taskId: string) => Effect.Effect<GetTaskResult, ClientError>
    readonly result: (taskId: string) => Effect.Effect<GetTaskPayloadResult, ClientError>
    readonly list: Effect.Effect<ReadonlyArray<Task>, ClientError>
    readonly cancel: (taskId: string) => Effect.Effect<CancelTaskResult, ClientError>
  }
  /** Any request, raw (for methods outside the specification). */
  readonly request: (method: string, params?: Record<string, unknown>, options?: RequestOptions) => Effect.Effect<Record<string, unknown>, ClientError>
}

/** The MCP client. */
export class McpClient extends Context.Tag("machine-context/McpClient")<McpClient, Service>() {}

/** The services that answer the server's requests; each is optional. */
export type Handlers = Sampler | Elicitor | Roots

/**
 * Connects with `connector` and builds the client; the connection lives as long as the Scope.
 * Fails with `ConnectError` when the server cannot be reached or negotiation fails.
 */
export const make = <R>(connector: Connector.Connector<R>, options: Options = {}): Effect.Effect<Service, ConnectError, Scope.Scope | R> =>
  makeClient(connector, Protocol.make({ requestTimeoutMs: options.requestTimeoutMs ?? 60_000, ...options.protocol }), options)

/** The client over a connector, as a layer. */
export const layer = <R>(connector: Connector.Connector<R>, options: Options = {}): Layer.Layer<McpClient, ConnectError, Exclude<R, Scope.Scope>> =>
  Layer.scoped(McpClient, make(connector, options)) as Layer.Layer<McpClient, ConnectError, Exclude<R, Scope.Scope>>

/**
 * A client of a server process it spawns (and stops on close), over stdin/stdout.
 *
 * @example
 * McpClient.layerStdio({ command: "npx", args: ["mcx", "serve", "--stdio", "--demo"] })
 */
export const layerStdio = (process: Connector.StdioOptions, options: Options = {}): Layer.Layer<McpClient, ConnectError> =>
  layer(Connector.stdio(process), options)

/** Options of an HTTP client. */
export interface HttpOptions extends Omit<StreamableHttpClient.Options, "auth"> {
  readonly auth?: AuthProvider
}

/**
 * A client of a Streamable HTTP endpoint.
 *
 * @example
 * McpClient.layerHttp({ url: "http://127.0.0.1:3000/mcp" })
 */
export const layerHttp = (http: HttpOptions, options: Options = {}): Layer.Layer<McpClient, ConnectError> =>
  layer(Connector.http(http), options)

/** A client of an `McpServer` in the same process (tests, embedding). */
export const layerInMemory = <E, R>(server: Layer.Layer<McpServer, E, R>, options: Options = {}): Layer.Layer<McpClient, ConnectError | E, R> =>
  layer(Connector.inMemory, options).pipe(Layer.provide(server))
