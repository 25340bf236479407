/**
 * machine-context: the Machine Context Protocol for TypeScript on Effect, wire-compatible
 * with the Model Context Protocol (MCP).
 *
 * Every module is exported as a namespace:
 * ```ts
 * import { McpServer, Tool, Stdio } from "machine-context"
 * ```
 * Property-test arbitraries of every message live in `machine-context/arbitrary`.
 *
 * @since 0.1.0
 */
export * as McpSchema from "./schema/index.js"
export * as ParamHeaders from "./schema/paramHeaders.js"
export * as Protocol from "./protocol/Protocol.js"
export * as Router from "./protocol/Router.js"
export * as Message from "./protocol/Message.js"
export * as Limits from "./protocol/Limits.js"
export { RequestContext } from "./protocol/RequestContext.js"
export type { OutgoingRequestOptions, Peer, RequestContextService } from "./protocol/RequestContext.js"
export { Session } from "./protocol/Session.js"
export type { PeerInfo } from "./protocol/Session.js"
export { McpError, ProtocolError, RecoveryError, TransportError, ValidationError } from "./protocol/errors.js"
export * as Transport from "./transport/Transport.js"
export * as Stdio from "./transport/Stdio.js"
export * as InMemory from "./transport/InMemory.js"
export * as StreamableHttp from "./transport/StreamableHttp.js"
export * as EventStore from "./transport/http/EventStore.js"
export * as McpServer from "./server/McpServer.js"
export * as Tool from "./server/Tool.js"
export * as TaskStore from "./server/TaskStore.js"
export * as ToolContext from "./server/ToolContext.js"
export * as ToolManager from "./server/tools/ToolManager.js"
export * as ToolMiddleware from "./server/tools/Middleware.js"
export * as ToolLifecycle from "./server/tools/Lifecycle.js"
export * as ToolDiscovery from "./server/tools/Discovery.js"
export * as ToolMetrics from "./server/tools/Metrics.js"
export * as CircuitBreaker from "./server/tools/CircuitBreaker.js"
export * as Idempotency from "./server/tools/Idempotency.js"
export * as WorkerPool from "./server/tools/WorkerPool.js"
export {
  CircuitOpen,
  DependencyCycle,
  DuplicateTool,
  HasDependents,
  InvalidTool,
  MissingCapabilities,
  MissingDependencies,
  ToolInitError,
  ToolNotFound,
  ToolTimeout,
  ToolUnavailable
} from "./server/tools/errors.js"
export type { RegistrationError } from "./server/tools/errors.js"
export * as Resource from "./server/Resource.js"
export * as ResourceTemplate from "./server/ResourceTemplate.js"
export * as UriTemplate from "./server/UriTemplate.js"
export * as Prompt from "./server/Prompt.js"
export * as Completion from "./server/Completion.js"
export * as Logging from "./server/Logging.js"
export * as Elicitation from "./server/Elicitation.js"
export * as McpClient from "./client/McpClient.js"
export * as Connector from "./client/Connector.js"
export * as Sampler from "./client/Sampler.js"
export * as Elicitor from "./client/Elicitor.js"
export * as Roots from "./client/Roots.js"
export * as AuthProvider from "./client/AuthProvider.js"
export { ConnectError, ConnectionLost, MissingCapability, ToolError } from "./client/errors.js"
export * as StreamableHttpClient from "./transport/StreamableHttpClient.js"
export * as ContextStore from "./context/ContextStore.js"
export * as SqliteStore from "./context/SqliteStore.js"
export * as Encryption from "./context/Encryption.js"
export * as ContextManager from "./context/ContextManager.js"
export * as MemoryStore from "./context/MemoryStore.js"
export * as McpContexts from "./context/McpContexts.js"
export * as McpContextOps from "./context/McpContextOps.js"
export * as ContextSchema from "./context/ContextSchema.js"
export * as Json from "./context/Json.js"
export { ContextNotFound, ContextValidationError, LeaseError, SyncError, VersionConflict, VersionNotFound } from "./context/ContextError.js"
export { PersistenceError } from "./context/ContextStore.js"
export * as OAuth from "./client/OAuth.js"
export * as TokenStore from "./client/auth/TokenStore.js"
export * as AuthorizationRedirect from "./client/auth/AuthorizationRedirect.js"
export * as LoopbackRedirect from "./client/auth/LoopbackRedirect.js"
