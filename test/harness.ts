/**
 * A raw peer for engine tests: sends frames over an in-memory transport and reads what the
 * engine answers, message by message.
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Protocol from "../src/protocol/Protocol.js"
import type { RequestContext } from "../src/protocol/RequestContext.js"
import type * as Router from "../src/protocol/Router.js"
import * as InMemory from "../src/transport/InMemory.js"
import type { Transport } from "../src/transport/Transport.js"

export interface RawPeer {
  readonly connection: Protocol.ConnectionHandle
  /** Sends a message (an object is serialized; a string is sent as it is). */
  readonly send: (message: unknown) => void
  /** The next message from the engine (fails after `ms`). */
  readonly next: (ms?: number) => Effect.Effect<any, string>
  /** The next message matching `predicate`; others are kept for later `next` calls. */
  readonly nextWhere: (predicate: (message: any) => boolean, ms?: number) => Effect.Effect<any, string>
  /** Every message that arrives within `ms`. */
  readonly drain: (ms: number) => Effect.Effect<ReadonlyArray<any>>
  /** Sends `initialize` and waits for its answer. */
  readonly initialize: (version?: string) => Effect.Effect<any, string>
}

export const rawPeer = <R>(
  router: Router.Router<R>,
  options: Protocol.Options & { readonly role?: Protocol.Role } = {}
): Effect.Effect<RawPeer, never, Scope.Scope | Exclude<R, RequestContext>> =>
  peerOf((transport) => Protocol.make(options).connect(transport, router, options.role ?? "server"))

/** A raw peer of whatever `connect` opens on the server side of an in-memory pair. */
export const peerOf = <R>(
  connect: (transport: Transport) => Effect.Effect<Protocol.ConnectionHandle, never, Scope.Scope | R>
): Effect.Effect<RawPeer, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const [client, server] = InMemory.makePair()
    const connection = yield* connect(server)
    yield* Effect.forkScoped(connection.run)
    const inbox = yield* Queue.unbounded<any>()
    const kept: Array<any> = []
    yield* Effect.forkScoped(client.receive((frame) => {
      Queue.unsafeOffer(inbox, JSON.parse(frame as string))
    }))
    const take = (ms: number) =>
      Queue.take(inbox).pipe(Effect.timeoutFail({ duration: ms, onTimeout: () => `no message within ${ms} ms` }))
    const next = (ms = 2000) => kept.length > 0 ? Effect.succeed(kept.shift()) : take(ms)
    const nextWhere = (predicate: (message: any) => boolean, ms = 2000): Effect.Effect<any, string> => {
      const index = kept.findIndex(predicate)
      if (index >= 0) return Effect.succeed(kept.splice(index, 1)[0])
      return Effect.flatMap(take(ms), (message) => {
        if (predicate(message)) return Effect.succeed(message)
        kept.push(message)
        return nextWhere(predicate, ms)
      })
    }
    const drain = (ms: number) =>
      Effect.gen(function*() {
        yield* Effect.sleep(ms)
        const rest = yield* Queue.takeAll(inbox)
        const all = [...kept, ...rest]
        kept.length = 0
        return all
      })
    const send = (message: unknown) => client.send(typeof message === "string" ? message : JSON.stringify(message))
    const initialize = (version = "2025-11-25") => {
      send({ jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "test", version: "1" } } })
      return nextWhere((m) => m.id === "init")
    }
    return { connection, send, next, nextWhere, drain, initialize }
  })
