/**
 * The server's live connections, for notifications that are not part of a request
 * (`list_changed`, `resources/updated`).
 */
import * as Effect from "effect/Effect"
import type * as Protocol from "../../protocol/Protocol.js"
import type { Session } from "../../protocol/Session.js"

export class Connections {
  private readonly live = new Set<Protocol.ConnectionHandle>()

  add(connection: Protocol.ConnectionHandle): void {
    this.live.add(connection)
  }

  delete(connection: Protocol.ConnectionHandle): void {
    this.live.delete(connection)
  }

  /** Notifies every connection that answered `initialize` and passes `filter`. */
  notify(
    method: string,
    params?: Record<string, unknown>,
    filter: (session: Session) => boolean = () => true
  ): Effect.Effect<void> {
    return Effect.suspend(() =>
      Effect.forEach(
        [...this.live].filter((c) => c.session.protocolVersion !== undefined && filter(c.session)),
        (c) => c.notify(method, params),
        { discard: true }
      )
    )
  }
}
