/**
 * The client's connection over time: the live connection, reconnection with a `Schedule` when
 * it breaks (the transport ended, the HTTP session expired), and the connection state.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { ProtocolError } from "../../protocol/errors.js"
import * as StreamableHttpClient from "../../transport/StreamableHttpClient.js"
import { AuthError } from "../AuthProvider.js"
import { ConnectError } from "../errors.js"
import type { Live } from "./session.js"

/** Where the client's connection stands. */
export type State =
  | { readonly _tag: "Connecting" }
  | { readonly _tag: "Connected"; readonly protocolVersion: string; readonly generation: number }
  | { readonly _tag: "Reconnecting"; readonly attempt: number }
  | { readonly _tag: "Closed"; readonly reason: string }

/** The default reconnection policy: jittered exponential backoff from 100 ms, 6 attempts. */
export const defaultReconnect: Schedule.Schedule<unknown, unknown> = Schedule.exponential("100 millis").pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(5))
)

/** Whether an outgoing request failed because the connection broke (rather than being answered). */
export const isConnectionLoss = (error: unknown): boolean => {
  if (!(error instanceof ProtocolError)) return false
  if (error.reason === "Closed") return true
  if (error.reason !== "RemoteError" || error.code !== StreamableHttpClient.FailureCode) return false
  const failure = (error.data as Record<string, StreamableHttpClient.TransportFailure> | undefined)?.[StreamableHttpClient.FailureKey]
  return failure?.sessionExpired === true || failure?.unreachable === true
}

/** A transport failure carrying an authorization error becomes that `AuthError`. */
export const authErrorOf = (error: unknown): AuthError | undefined => {
  if (!(error instanceof ProtocolError) || error.code !== StreamableHttpClient.FailureCode) return undefined
  const failure = (error.data as Record<string, StreamableHttpClient.TransportFailure> | undefined)?.[StreamableHttpClient.FailureKey]
  return failure?.auth === undefined ? undefined : new AuthError({ reason: failure.auth.reason, message: failure.auth.message })
}

/** The live connection and how to replace it. */
export class Recovery {
  private generation = 0
  private closing = false
  private readonly lock = Effect.unsafeMakeSemaphore(1)

  constructor(
    private current: Live,
    private readonly open: Effect.Effect<Live, ConnectError>,
    private readonly schedule: Schedule.Schedule<unknown, unknown>,
    readonly state: SubscriptionRef.SubscriptionRef<State>,
    private readonly clientScope: Scope.Scope,
    /** Runs after each reconnection (re-subscribes). */
    private readonly restored: (live: Live) => Effect.Effect<void>
  ) {}

  /** Starts watching the first connection. */
  start(): Effect.Effect<void> {
    return Effect.zipRight(this.connected(this.current), this.watch(this.current))
  }

  /** The live connection (waits while it is being replaced). */
  readonly live: Effect.Effect<Live> = this.lock.withPermits(1)(Effect.sync(() => this.current))

  /** Replaces `failed` (unless that was done already) and returns the new connection. */
  reconnect(failed: Live): Effect.Effect<Live, ConnectError> {
    return this.lock.withPermits(1)(Effect.suspend(() => {
      if (this.current !== failed) return Effect.succeed(this.current)
      if (this.closing) return Effect.fail(new ConnectError({ message: "The client is closed" }))
      let attempt = 0
      return Scope.close(failed.scope, Exit.void).pipe(
        Effect.zipRight(Effect.suspend(() => {
          attempt++
          return Effect.zipRight(SubscriptionRef.set(this.state, { _tag: "Reconnecting", attempt }), this.open)
        }).pipe(Effect.retry(this.schedule))),
        Effect.tap((live) =>
          Effect.gen(this, function*() {
            this.current = live
            yield* this.connected(live)
            yield* this.restored(live)
            yield* this.watch(live)
          })
        ),
        Effect.tapError((error) => SubscriptionRef.set(this.state, { _tag: "Closed", reason: error.message }))
      )
    }))
  }

  /** Stops reconnecting (the client is shutting down). */
  readonly close: Effect.Effect<void> = Effect.suspend(() => {
    this.closing = true
    return Effect.zipRight(Scope.close(this.current.scope, Exit.void), SubscriptionRef.set(this.state, { _tag: "Closed", reason: "closed" }))
  })

  private connected(live: Live): Effect.Effect<void> {
    return SubscriptionRef.set(this.state, { _tag: "Connected", protocolVersion: live.protocolVersion, generation: ++this.generation })
  }

  /** When the connection's transport ends (the server went away), reconnect in the background. */
  private watch(live: Live): Effect.Effect<void> {
    return Effect.forkIn(
      live.ended.pipe(
        Effect.zipRight(Effect.suspend(() => this.closing ? Effect.void : Effect.forkIn(Effect.ignore(this.reconnect(live)), this.clientScope)))
      ),
      live.scope
    ).pipe(Effect.asVoid)
  }
}
