/**
 * One live connection of the client: a link from the connector, the engine's connection over
 * it (client role), and the negotiated era: `server/discover` for 2026-07-28 where the server
 * offers it, else `initialize` (then `notifications/initialized`).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as ParseResult from "effect/ParseResult"
import * as Scope from "effect/Scope"
import type * as Protocol from "../../protocol/Protocol.js"
import type { Router } from "../../protocol/Router.js"
import type { Implementation } from "../../schema/base.js"
import { InitializeResult, type ClientCapabilities, type ServerCapabilities } from "../../schema/lifecycle.js"
import { DiscoverResult, MetaKeys } from "../../schema/stateless.js"
import { isStatefulVersion, LatestStatefulVersion, type ProtocolVersion } from "../../schema/versions.js"
import type { Connector } from "../Connector.js"
import { ConnectError } from "../errors.js"
import { authErrorOf, isConnectionLoss } from "./recovery.js"

/** What was negotiated with the server. */
export interface Negotiated {
  readonly protocolVersion: ProtocolVersion
  readonly capabilities: ServerCapabilities
  readonly serverInfo: Implementation | undefined
  readonly instructions: string | undefined
}

/** One live connection. */
export interface Live extends Negotiated {
  readonly handle: Protocol.ConnectionHandle
  readonly scope: Scope.CloseableScope
  /** Completes when the transport ends (the server closed it, or it failed). */
  readonly ended: Effect.Effect<void>
  /** `_meta` every 2026-07-28 request carries (empty in the stateful eras). */
  readonly meta: Record<string, unknown>
}

/** What the client asks for. */
export interface Hello {
  readonly clientInfo: Implementation
  readonly capabilities: ClientCapabilities
  /** A pinned version: only it is asked for (the server may still answer an older stateful one). */
  readonly protocolVersion: ProtocolVersion | undefined
  readonly timeoutMs: number
}

const decodeInitialize = ParseResult.decodeUnknownEither(InitializeResult)
const decodeDiscover = ParseResult.decodeUnknownEither(DiscoverResult)

const fail = (message: string, cause?: unknown) => new ConnectError(cause === undefined ? { message } : { message, cause })

const discover = (handle: Protocol.ConnectionHandle, hello: Hello, meta: Record<string, unknown>) =>
  Effect.gen(function*() {
    const raw = yield* handle.request("server/discover", { _meta: meta }, { timeoutMs: hello.timeoutMs })
    const result = decodeDiscover(raw)
    if (result._tag === "Left" || !result.right.supportedVersions.includes("2026-07-28")) {
      return yield* Effect.fail(fail("The server does not offer 2026-07-28"))
    }
    return {
      protocolVersion: "2026-07-28",
      capabilities: result.right.capabilities,
      serverInfo: serverInfoOf(raw),
      instructions: result.right.instructions
    } satisfies Negotiated
  })

const serverInfoOf = (raw: Record<string, unknown>): Implementation | undefined => {
  const meta = raw._meta as Record<string, unknown> | undefined
  const info = meta?.[MetaKeys.serverInfo] as Implementation | undefined
  return typeof info?.name === "string" ? info : undefined
}

const initialize = (handle: Protocol.ConnectionHandle, hello: Hello) =>
  Effect.gen(function*() {
    const asked = hello.protocolVersion !== undefined && isStatefulVersion(hello.protocolVersion) ? hello.protocolVersion : LatestStatefulVersion
    const raw = yield* handle.request("initialize", {
      protocolVersion: asked,
      capabilities: hello.capabilities,
      clientInfo: hello.clientInfo
    }, { timeoutMs: hello.timeoutMs })
    const result = decodeInitialize(raw)
    if (result._tag === "Left") return yield* Effect.fail(fail(`Invalid initialize result: ${ParseResult.TreeFormatter.formatIssueSync(result.left)}`))
    const version = result.right.protocolVersion
    if (!isStatefulVersion(version)) {
      return yield* Effect.fail(fail(`The server answered protocol version ${JSON.stringify(version)}, which this client does not speak`))
    }
    handle.session.negotiated(version, result.right.serverInfo, result.right.capabilities as Record<string, unknown>)
    return {
      protocolVersion: version,
      capabilities: result.right.capabilities,
      serverInfo: result.right.serverInfo,
      instructions: result.right.instructions
    } satisfies Negotiated
  })

/** Opens a connection and negotiates; the connection lives until `scope` of the result is closed. */
export const open = <R>(
  connector: Connector<R>,
  protocol: Protocol.Service,
  router: Router<never>,
  hello: Hello
): Effect.Effect<Live, ConnectError, R> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const opened = yield* Effect.gen(function*() {
      const link = yield* connector
      const handle = yield* protocol.connect(link.transport, router, "client")
      const running = yield* Effect.forkIn(handle.run, scope)
      const meta2026: Record<string, unknown> = {
        [MetaKeys.protocolVersion]: "2026-07-28",
        [MetaKeys.clientCapabilities]: hello.capabilities,
        [MetaKeys.clientInfo]: hello.clientInfo
      }
      const pinned = hello.protocolVersion
      const negotiated: Negotiated = pinned === "2026-07-28"
        ? yield* discover(handle, hello, meta2026)
        : pinned !== undefined
        ? yield* initialize(handle, hello)
        : yield* discover(handle, hello, meta2026).pipe(
          // A server that does not offer 2026-07-28 answers with an error: ask with initialize.
          Effect.catchIf((error) => !isConnectionLoss(error), () => initialize(handle, hello))
        )
      const stateful = negotiated.protocolVersion !== "2026-07-28"
      link.negotiated?.(negotiated.protocolVersion)
      if (stateful) {
        yield* handle.notify("notifications/initialized")
        link.initialized?.()
      }
      return { ...negotiated, handle, scope, ended: Effect.asVoid(Fiber.await(running)), meta: stateful ? {} : meta2026 } satisfies Live
    }).pipe(
      Scope.extend(scope),
      Effect.mapError((error) => error._tag === "ConnectError" ? error : fail(`Cannot connect: ${error.message}`, authErrorOf(error) ?? error)),
      Effect.onExit((exit) => Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void)
    )
    return opened
  })
