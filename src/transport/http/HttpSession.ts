/**
 * One Streamable HTTP session: one MCP connection (`McpServer.connect`) in its own Scope, its
 * SSE streams, and what it takes to tell whether it is idle.
 *
 * The connection's transport is the session itself: frames the engine sends outside any request
 * (list changes, logs) go to the standalone stream, read by a GET or kept for the next one.
 * Frames of a request go to the outbound of the POST that carried it (`Exchange`).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type * as Protocol from "../../protocol/Protocol.js"
import { isAtLeast } from "../../schema/versions.js"
import type * as McpServer from "../../server/McpServer.js"
import type { Transport } from "../Transport.js"
import type * as EventStore from "./EventStore.js"
import { SseStream, type StreamOwner } from "./SseStream.js"

/** What every session of an endpoint shares. */
export interface Settings {
  readonly store: EventStore.Service
  readonly retryMs: number
  readonly maxBufferedBytes: number
  readonly keepAliveMs: number
}

/** Finished POST streams kept for a client that may still resume them, per session. */
const maxRetainedStreams = 64

export class HttpSession implements StreamOwner {
  readonly store: EventStore.Service
  readonly retryMs: number
  readonly maxBufferedBytes: number
  readonly keepAliveMs: number
  /** The engine's connection, set once `McpServer.connect` has run. */
  connection: Protocol.ConnectionHandle = undefined as unknown as Protocol.ConnectionHandle
  /** POST streams that may still be resumed (running, or finished while their client was away). */
  private readonly streams = new Map<string, SseStream>()
  private standaloneStream: SseStream | undefined = undefined
  private nextStream = 1
  private connections = 0
  private closed = false
  /** When the session last saw a request or lost its last connection (ms since the epoch). */
  lastActive = Date.now()
  /** Called when the session's last open SSE connection closes (a stateless exchange ends with it). */
  onIdle: (() => void) | undefined = undefined

  readonly transport: Transport = {
    send: (frame) => this.standalone().push(frame),
    // Frames come in through the POST handler (`connection.handle`), never through `receive`.
    receive: () => Effect.never,
    close: Effect.sync(() => this.closeStreams())
  }

  constructor(readonly id: string, readonly scope: Scope.CloseableScope, settings: Settings) {
    this.store = settings.store
    this.retryMs = settings.retryMs
    this.maxBufferedBytes = settings.maxBufferedBytes
    this.keepAliveMs = settings.keepAliveMs
  }

  /** Opens a session: a new connection of `server` in its own Scope. */
  static make(id: string, server: McpServer.Service, settings: Settings): Effect.Effect<HttpSession> {
    return Effect.gen(function*() {
      const scope = yield* Scope.make()
      const session = new HttpSession(id, scope, settings)
      session.connection = yield* Scope.extend(server.connect(session.transport), scope)
      return session
    })
  }

  /** Whether clients of this session understand priming events and polling (2025-11-25 on). */
  get polling(): boolean {
    const version = this.connection.session.protocolVersion
    return version !== undefined && isAtLeast(version, "2025-11-25")
  }

  /** Whether the session was initialized (the `initialize` answer was a result). */
  get initialized(): boolean {
    return this.connection.session.protocolVersion !== undefined
  }

  /** The standalone stream (created on first use: most sessions never need one). */
  standalone(): SseStream {
    if (this.standaloneStream === undefined) this.standaloneStream = new SseStream(this, "0", true)
    return this.standaloneStream
  }

  /** A new POST stream. */
  openStream(): SseStream {
    if (this.streams.size >= maxRetainedStreams) this.pruneStreams()
    const stream = new SseStream(this, (this.nextStream++).toString(36), false)
    this.streams.set(stream.id, stream)
    return stream
  }

  /** The stream a `Last-Event-ID` names, if the session still has it. */
  stream(id: string): SseStream | undefined {
    return id === "0" ? this.standalone() : this.streams.get(id)
  }

  forget(stream: SseStream): void {
    this.streams.delete(stream.id)
  }

  connectionsChanged(delta: number): void {
    this.connections += delta
    if (this.connections === 0) {
      this.lastActive = Date.now()
      this.onIdle?.()
    }
  }

  touch(now: number): void {
    this.lastActive = now
  }

  /** Whether nothing happened for `ttlMs`: no connection open, no request in flight. */
  expired(now: number, ttlMs: number): boolean {
    return this.connections === 0 && now - this.lastActive > ttlMs && this.connection.inFlight() === 0
  }

  /** Ends the session: interrupts its requests, ends its streams, forgets its events. */
  get close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.void
      this.closed = true
      return Scope.close(this.scope, Exit.void).pipe(Effect.ensuring(Effect.sync(() => {
        this.closeStreams()
        this.store.dropSession(this.id)
      })))
    })
  }

  private closeStreams(): void {
    this.standaloneStream?.close()
    for (const stream of this.streams.values()) stream.close()
    this.streams.clear()
  }

  /** Drops the oldest finished streams nobody came back for. */
  private pruneStreams(): void {
    for (const stream of this.streams.values()) {
      if (this.streams.size < maxRetainedStreams / 2) return
      if (stream.finished && !stream.connected) {
        this.streams.delete(stream.id)
        this.store.dropStream(this.id, stream.id)
      }
    }
  }
}
