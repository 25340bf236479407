/**
 * What a handler knows about the request it serves, and what it can do on its connection:
 * report progress, notify the peer, send it requests of its own.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { Meta, ProgressToken, RequestId } from "../schema/jsonrpc.js"
import type * as Schedule from "effect/Schedule"
import type { ProtocolVersion } from "../schema/versions.js"
import type { ProtocolError, RecoveryError } from "./errors.js"
import type { PeerInfo, Session } from "./Session.js"

/** Options of an outgoing request. */
export interface OutgoingRequestOptions {
  /** Fails with `ProtocolError { reason: "Timeout" }` (and cancels at the peer) after this long. */
  readonly timeoutMs?: number
  /** Asks the peer for progress and receives it here. */
  readonly onProgress?: (progress: { readonly progress: number; readonly total?: number; readonly message?: string }) => void
  /**
   * Sends the request again when it times out, as long as the schedule continues; then fails
   * with `RecoveryError`. Only for requests that are safe to repeat.
   */
  readonly retry?: Schedule.Schedule<unknown, ProtocolError>
}

/** Sending side of a connection, as seen by handlers. */
export interface Peer {
  /** Sends a notification to the peer. */
  readonly notify: (method: string, params?: Record<string, unknown>) => Effect.Effect<void>
  /**
   * Sends a request to the peer and waits for its result (the raw `result` object).
   * Interrupting the waiting fiber sends `notifications/cancelled`.
   */
  readonly request: (
    method: string,
    params?: Record<string, unknown>,
    options?: OutgoingRequestOptions
  ) => Effect.Effect<Record<string, unknown>, ProtocolError | RecoveryError>
}

/** The service a handler reads to learn about its request. */
export interface RequestContextService extends Peer {
  readonly id: RequestId | undefined
  readonly method: string
  /** The request's `_meta`, if it carried one. */
  readonly meta: Meta | undefined
  /** The progress token the caller asked progress under, if any. */
  readonly progressToken: ProgressToken | undefined
  /** Sends `notifications/progress` for this request; does nothing when no token was given. */
  readonly progress: (progress: number, total?: number, message?: string) => Effect.Effect<void>
  /** The connection's negotiated state. */
  readonly session: Session
  /**
   * The version this request is served in: its `_meta` version for a stateless (2026-07-28)
   * request, else the session's (`undefined` before `initialize`).
   */
  readonly protocolVersion: ProtocolVersion | undefined
  /** The peer's capabilities for this request: from its `_meta` when stateless, else the session's. */
  readonly peerCapabilities: Record<string, unknown>
  /** What the peer said about itself: from its `_meta` when stateless, else the session's. */
  readonly peerInfo: PeerInfo | undefined
  /**
   * Closes the stream the answer would travel on (Streamable HTTP's SSE polling); the answer is
   * kept and delivered when the client resumes. Does nothing on other transports.
   */
  readonly closeStream: Effect.Effect<void>
}

/** The request being served. Provided by the protocol engine to every handler. */
export class RequestContext extends Context.Tag("machine-context/RequestContext")<RequestContext, RequestContextService>() {}
