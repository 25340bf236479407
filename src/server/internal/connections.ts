/**
 * The server's live connections and `subscriptions/listen` streams, for notifications that are
 * not part of a request (`list_changed`, `resources/updated`).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Protocol from "../../protocol/Protocol.js"
import type { Session } from "../../protocol/Session.js"
import type { SubscriptionFilter } from "../../schema/stateless.js"

/** An open `subscriptions/listen` stream (2026-07-28). */
export interface Listener {
  /** The notifications the stream carries (as acknowledged). */
  readonly filter: SubscriptionFilter
  /** Sends a notification on the stream (tagged with the subscription's id). */
  readonly send: (method: string, params: Record<string, unknown> | undefined) => Effect.Effect<void>
  /** The connection's session the stream runs on. */
  readonly session: Session
  /** Completed when the server ends the stream (its handler then answers gracefully). */
  readonly end: Deferred.Deferred<void>
}

export class Connections {
  private readonly live = new Set<Protocol.ConnectionHandle>()
  private readonly listeners = new Set<Listener>()
  /** Whether the server ended its listen streams: streams opened now end at once. */
  private closing = false

  /**
   * Ends listen streams gracefully (their handlers answer): those of `session`, or (without)
   * every stream, present and future.
   */
  endListeners(session?: Session): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (session === undefined) this.closing = true
      const ending = [...this.listeners].filter((l) => session === undefined || l.session === session)
      return Effect.forEach(ending, (l) => Deferred.succeed(l.end, undefined), { discard: true })
    })
  }

  /** Whether `session` still has open listen streams. */
  listening(session: Session): boolean {
    for (const listener of this.listeners) if (listener.session === session) return true
    return false
  }

  add(connection: Protocol.ConnectionHandle): void {
    this.live.add(connection)
  }

  delete(connection: Protocol.ConnectionHandle): void {
    this.live.delete(connection)
  }

  /** The live connection of `session`. */
  of(session: Session): Protocol.ConnectionHandle | undefined {
    for (const connection of this.live) if (connection.session === session) return connection
    return undefined
  }

  listen(listener: Listener): void {
    this.listeners.add(listener)
    if (this.closing) Deferred.unsafeDone(listener.end, Effect.void)
  }

  unlisten(listener: Listener): void {
    this.listeners.delete(listener)
  }

  /**
   * Notifies every connection that answered `initialize` and passes `filter`, and every listen
   * stream whose filter `wants` the notification.
   */
  notify(
    method: string,
    params: Record<string, unknown> | undefined,
    wants: (filter: SubscriptionFilter) => boolean,
    filter: (session: Session) => boolean = () => true
  ): Effect.Effect<void> {
    return Effect.suspend(() =>
      Effect.zipRight(
        Effect.forEach(
          [...this.live].filter((c) => c.session.protocolVersion !== undefined && filter(c.session)),
          (c) => c.notify(method, params),
          { discard: true }
        ),
        Effect.forEach([...this.listeners].filter((l) => wants(l.filter)), (l) => l.send(method, params), { discard: true })
      )
    )
  }
}
