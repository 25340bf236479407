/**
 * The sessions of one Streamable HTTP endpoint: issued with unguessable ids, looked up by
 * `Mcp-Session-Id`, closed on DELETE, after an idle time, or at shutdown. Their number is capped:
 * beyond the cap new sessions are refused (503) rather than active ones evicted.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import type * as McpServer from "../../server/McpServer.js"
import { HttpSession, type Settings } from "./HttpSession.js"

/** Limits of the session table. */
export interface Config extends Settings {
  readonly maxSessions: number
  readonly idleTimeoutMs: number
  /** At shutdown, how long requests in flight may still finish before they are interrupted. */
  readonly shutdownTimeoutMs: number
}

/** Why no session was opened. */
export type Refusal = "Full" | "ShuttingDown"

export class Sessions {
  private readonly sessions = new Map<string, HttpSession>()
  /** Connections of stateless (2026-07-28) exchanges: one per POST, never named to the client. */
  private readonly exchanges = new Set<HttpSession>()
  private accepting = true

  constructor(private readonly server: McpServer.Service, private readonly config: Config) {}

  /** Builds the table and its idle sweeper (which runs as long as the Scope). */
  static make(server: McpServer.Service, config: Config): Effect.Effect<Sessions, never, Scope.Scope> {
    return Effect.gen(function*() {
      const sessions = new Sessions(server, config)
      const every = Math.max(10, Math.min(30_000, Math.floor(config.idleTimeoutMs / 4)))
      yield* Effect.forkScoped(Effect.repeat(sessions.sweep, Schedule.spaced(Duration.millis(every))))
      yield* Effect.addFinalizer(() => sessions.shutdown)
      return sessions
    })
  }

  get size(): number {
    return this.sessions.size
  }

  get(id: string): HttpSession | undefined {
    return this.sessions.get(id)
  }

  /** Opens a session, unless the table is full or the endpoint is shutting down. */
  get open(): Effect.Effect<HttpSession | Refusal> {
    return Effect.suspend((): Effect.Effect<HttpSession | Refusal> => {
      if (!this.accepting) return Effect.succeed("ShuttingDown" as const)
      const full = this.sessions.size >= this.config.maxSessions
      return Effect.zipRight(full ? this.sweep : Effect.void, Effect.suspend((): Effect.Effect<HttpSession | Refusal> => {
        if (this.sessions.size >= this.config.maxSessions) return Effect.succeed("Full" as const)
        const id = randomUUID()
        return Effect.map(HttpSession.make(id, this.server, this.config), (session) => {
          this.sessions.set(id, session)
          return session
        })
      }))
    })
  }

  /**
   * Opens the connection of one stateless (2026-07-28) POST: not listed, not named to the
   * client, closed (`closeExchange`) once its answer is out or its client went away.
   */
  get openExchange(): Effect.Effect<HttpSession | "ShuttingDown"> {
    return Effect.suspend((): Effect.Effect<HttpSession | "ShuttingDown"> => {
      if (!this.accepting) return Effect.succeed("ShuttingDown" as const)
      return Effect.map(HttpSession.make(randomUUID(), this.server, this.config), (session) => {
        this.exchanges.add(session)
        return session
      })
    })
  }

  /** Closes the connection of a stateless exchange (interrupting what it still runs). */
  closeExchange(session: HttpSession): Effect.Effect<void> {
    return Effect.suspend(() => this.exchanges.delete(session) ? session.close : Effect.void)
  }

  /** Closes a session and forgets it. */
  close(session: HttpSession): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.sessions.delete(session.id)
      return session.close
    })
  }

  /** Closes the sessions that were idle for longer than the idle timeout. */
  get sweep(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const now = Date.now()
      const expired: Array<HttpSession> = []
      for (const session of this.sessions.values()) {
        if (session.expired(now, this.config.idleTimeoutMs)) expired.push(session)
      }
      return expired.length === 0 ? Effect.void : Effect.forEach(expired, (session) => this.close(session), { discard: true })
    })
  }

  /**
   * Stops opening sessions, ends `subscriptions/listen` streams gracefully, lets requests in
   * flight finish (up to the shutdown timeout), then closes every session and exchange: what
   * still runs is interrupted, every stream ends.
   */
  get shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.accepting = false
      const busy = () => {
        for (const session of this.sessions.values()) if (session.connection.inFlight() > 0) return true
        for (const exchange of this.exchanges) if (exchange.connection.inFlight() > 0) return true
        return false
      }
      const drain = Effect.sleep(Duration.millis(10)).pipe(
        Effect.repeat({ while: busy }),
        Effect.timeout(Duration.millis(this.config.shutdownTimeoutMs)),
        Effect.ignore
      )
      return Effect.zipRight(
        Effect.zipRight(this.server.endSubscriptions, Effect.suspend(() => busy() ? drain : Effect.void)),
        Effect.suspend(() => {
          const all = [...this.sessions.values(), ...this.exchanges]
          this.sessions.clear()
          this.exchanges.clear()
          return Effect.forEach(all, (session) => session.close, { discard: true, concurrency: "unbounded" })
        })
      )
    })
  }
}
