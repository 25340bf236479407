/**
 * Helpers of the server tests: a server layer with the given options and raw peers connected
 * to it over the in-memory transport.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Protocol from "../../src/protocol/Protocol.js"
import * as McpServer from "../../src/server/McpServer.js"
import { peerOf, type RawPeer } from "../harness.js"

/** Builds a server from `options` and returns it with a way to connect raw peers. */
export const serverWith = (options: McpServer.Options<any, any, any, any>) =>
  Effect.map(McpServer.make({ name: "test", version: "1.0.0" }, options), (server) => ({
    server,
    /** A raw peer, initialized with `capabilities` under `version` (and `notifications/initialized` sent). */
    peer: (capabilities: Record<string, unknown> = {}, version = "2025-11-25"): Effect.Effect<RawPeer, string, Scope.Scope> =>
      Effect.gen(function*() {
        const peer = yield* peerOf(server.connect)
        peer.send({ jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: version, capabilities, clientInfo: { name: "test", version: "1" } } })
        const init = yield* peer.nextWhere((m) => m.id === "init")
        if (init.result === undefined) return yield* Effect.fail(`initialize failed: ${JSON.stringify(init)}`)
        peer.send({ jsonrpc: "2.0", method: "notifications/initialized" })
        return peer
      })
  })).pipe(Effect.provide(Protocol.layerDefault))

/** Sends a request and waits for its answer (other messages are kept for later). */
export const ask = (peer: RawPeer, id: number | string, method: string, params?: unknown) => {
  peer.send(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params })
  return peer.nextWhere((m) => m.id === id && (m.result !== undefined || m.error !== undefined))
}

/** Every item of a paged list, following `nextCursor`, and the number of pages. */
export const listAll = (peer: RawPeer, method: string, field: string) =>
  Effect.gen(function*() {
    const items: Array<any> = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = (yield* ask(peer, `${method}-${pages}`, method, cursor === undefined ? {} : { cursor })).result
      items.push(...page[field])
      cursor = page.nextCursor
      pages++
    } while (cursor !== undefined && pages < 100)
    return { items, pages }
  })
