/**
 * The negotiated state of one connection: protocol version and what each side said about
 * itself during initialization.
 *
 * @since 0.1.0
 */
import type { ProtocolVersion } from "../schema/versions.js"

/** What the peer told about itself (`clientInfo` / `serverInfo`). */
export interface PeerInfo {
  readonly name: string
  readonly version: string
  readonly [key: string]: unknown
}

/** Mutable per-connection state, written by the lifecycle handlers, read by everything else. */
export class Session {
  /** The negotiated protocol version; `undefined` until `initialize` has been answered. */
  protocolVersion: ProtocolVersion | undefined = undefined
  /** Whether the client sent `notifications/initialized`. */
  initialized = false
  peerInfo: PeerInfo | undefined = undefined
  /** The peer's capabilities object as it sent it. */
  peerCapabilities: Record<string, unknown> = {}

  /** Records the outcome of the `initialize` exchange. */
  negotiated(version: ProtocolVersion, peerInfo: PeerInfo, peerCapabilities: Record<string, unknown>): void {
    this.protocolVersion = version
    this.peerInfo = peerInfo
    this.peerCapabilities = peerCapabilities
  }
}
