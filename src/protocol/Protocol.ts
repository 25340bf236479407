/**
 * The Protocol engine, shared by server and client: turns frames into validated messages,
 * routes requests to handlers under a concurrency limit, answers them (in any order),
 * correlates outgoing requests with their responses, and turns `notifications/cancelled`
 * into fiber interruption.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import type { Frame, Outbound, Transport } from "../transport/Transport.js"
import type { TransportError } from "./errors.js"
import { Connection } from "./internal/connection.js"
import * as Limits from "./Limits.js"
import type { Peer, RequestContext } from "./RequestContext.js"
import type { Router } from "./Router.js"
import type { Session } from "./Session.js"

/** Which side of the connection this engine plays. A server gates requests on `initialize`. */
export type Role = "server" | "client"

/** Options of the engine; every field has a safe default. */
export interface Options {
  readonly limits?: Partial<Limits.Limits>
  /** Requests served at once per connection (queued ones wait). Default 64. */
  readonly maxConcurrentRequests?: number
  /** Requests that may wait for a slot; beyond it the peer gets an "overloaded" error. Default 10,000. */
  readonly maxQueuedRequests?: number
  /** Default timeout of outgoing requests. Default 60 s. */
  readonly requestTimeoutMs?: number
  /** When the peer closes, how long in-flight requests may still finish. Default 5 s. */
  readonly drainTimeoutMs?: number
}

/** The options with every default filled in. */
export interface Config {
  readonly limits: Limits.Limits
  readonly maxConcurrentRequests: number
  readonly maxQueuedRequests: number
  readonly requestTimeoutMs: number
  readonly drainTimeoutMs: number
}

/** Fills in the defaults. */
export const config = (options: Options = {}): Config => ({
  limits: Limits.make(options.limits),
  maxConcurrentRequests: options.maxConcurrentRequests ?? 64,
  maxQueuedRequests: options.maxQueuedRequests ?? 10_000,
  requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
  drainTimeoutMs: options.drainTimeoutMs ?? 5_000
})

/** One live connection to a peer. */
export interface ConnectionHandle extends Peer {
  readonly session: Session
  /**
   * Feeds one incoming frame to the engine. Answers, and messages related to the requests in
   * it, go to `outbound` (by default the transport the connection was opened on). Returns
   * whether an answer will be sent (now or later): false for notifications and responses.
   */
  readonly handle: (frame: Frame, outbound?: Outbound) => boolean
  /** Requests being served or waiting for a slot. */
  readonly inFlight: () => number
  /**
   * Receives frames from the transport until the peer closes (then lets in-flight requests
   * finish, up to the drain timeout) or the transport fails.
   */
  readonly run: Effect.Effect<void, TransportError>
}

/** Options of one connection. */
export interface ConnectOptions {
  /**
   * Keys added to the `_meta` of every result of a stateless (2026-07-28) request, such as the
   * server's `io.modelcontextprotocol/serverInfo`.
   */
  readonly resultMeta?: Record<string, unknown>
}

/** The engine as a service. */
export interface Service {
  readonly config: Config
  /**
   * Opens a connection over `transport` that serves `router`'s methods. The connection lives
   * as long as the Scope: closing it interrupts every handler and fails every pending
   * outgoing request. Results of stateless (2026-07-28) requests get `resultType: "complete"`
   * unless the handler set one.
   */
  readonly connect: <R>(
    transport: Transport,
    router: Router<R>,
    role: Role,
    options?: ConnectOptions
  ) => Effect.Effect<ConnectionHandle, never, Scope.Scope | Exclude<R, RequestContext>>
}

/** The protocol engine. */
export class Protocol extends Context.Tag("machine-context/Protocol")<Protocol, Service>() {}

/** Builds the engine. */
export const make = (options: Options = {}): Service => {
  const resolved = config(options)
  return {
    config: resolved,
    connect: <R>(transport: Transport, router: Router<R>, role: Role, options: ConnectOptions = {}) =>
      Effect.gen(function*() {
        const runtime = yield* Effect.runtime<Exclude<R, RequestContext>>()
        const connection = new Connection<R>(runtime as Runtime.Runtime<R>, transport, router, role, resolved, options)
        yield* Effect.addFinalizer(() => connection.shutdown())
        return connection.handleObject()
      })
  }
}

/** The engine with the given options. */
export const layer = (options: Options = {}): Layer.Layer<Protocol> => Layer.succeed(Protocol, make(options))

/** The engine with default options. */
export const layerDefault: Layer.Layer<Protocol> = layer()
