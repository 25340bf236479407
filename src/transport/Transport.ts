/**
 * The transport contract: a way to receive message frames and to send them. Every transport
 * (stdio, in-memory, HTTP) fits it, so the protocol engine never knows which one it runs on.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { TransportError } from "../protocol/errors.js"
import type { RequestId } from "../schema/jsonrpc.js"

/**
 * An incoming frame that was larger than the transport's limit. Its text is not kept, only
 * its size and its first bytes (enough to read the request id for the error answer).
 */
export class OversizedFrame {
  readonly _tag = "OversizedFrame"
  constructor(readonly bytes: number, readonly prefix: string) {}
}

/** One incoming message: its JSON text, or the marker of a frame over the size limit. */
export type Frame = string | OversizedFrame

/** Where outgoing frames go. `send` never blocks: transports buffer and apply backpressure. */
export interface Outbound {
  readonly send: (frame: string) => void
  /**
   * Called once a request fed in with this outbound is settled: its answer was just sent, or it
   * was cancelled and gets none. `id` is null for answers to unreadable requests and batches.
   * A transport that answers each incoming message on its own stream (HTTP) ends it here.
   */
  readonly settled?: (id: RequestId | null) => void
  /**
   * Ends the stream this outbound writes to before its requests are settled (SSE polling): what
   * is sent afterwards is kept for the client to fetch when it resumes. Transports without
   * per-request streams do not have it.
   */
  readonly closeStream?: () => void
}

/** A bidirectional, message-framed connection to one peer. */
export interface Transport extends Outbound {
  /**
   * Delivers every incoming frame to `onFrame`, in order. Succeeds when the peer closes the
   * connection, fails with a `TransportError` when reading fails.
   */
  readonly receive: (onFrame: (frame: Frame) => void) => Effect.Effect<void, TransportError>
  /** Flushes what is buffered and closes the outgoing side. */
  readonly close: Effect.Effect<void>
}
