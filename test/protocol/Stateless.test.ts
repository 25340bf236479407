import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { RequestContext } from "../../src/protocol/RequestContext.js"
import * as Router from "../../src/protocol/Router.js"
import { negotiate } from "../../src/schema/versions.js"
import * as Protocol from "../../src/protocol/Protocol.js"
import * as InMemory from "../../src/transport/InMemory.js"
import { rawPeer } from "../harness.js"

const router = () =>
  new Router.Router([
    Router.request("initialize", Schema.Struct({ protocolVersion: Schema.String }), ({ protocolVersion }) =>
      Effect.map(RequestContext, (request) => {
        const version = negotiate(protocolVersion)
        request.session.negotiated(version, { name: "session-peer", version: "1" }, { roots: {} })
        return { protocolVersion: version }
      }), { priority: "immediate", beforeInitialize: true }),
    Router.request("ping", Schema.Struct({}), () => Effect.succeed({}), { priority: "immediate", beforeInitialize: true }),
    Router.request("tools/list", Schema.Struct({}), () =>
      Effect.map(RequestContext, (request) => ({
        tools: [],
        version: request.protocolVersion ?? null,
        capabilities: request.peerCapabilities,
        info: request.peerInfo ?? null
      })))
  ])

const meta = (extra: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { sampling: {} },
  "io.modelcontextprotocol/clientInfo": { name: "stateless-peer", version: "2" },
  ...extra
})

const ask = (peer: Effect.Effect.Success<ReturnType<typeof rawPeer>>, id: number, method: string, params: unknown) => {
  peer.send({ jsonrpc: "2.0", id, method, params })
  return peer.nextWhere((m) => m.id === id)
}

describe("Protocol engine, per-request era", () => {
  it.scopedLive("serves a 2026-07-28 request without initialize, with the request's own capabilities and info", () =>
    Effect.gen(function*() {
      const peer = yield* rawPeer(router())
      const answer = yield* ask(peer, 1, "tools/list", { _meta: meta() })
      expect(answer.result).toEqual({
        resultType: "complete",
        tools: [],
        version: "2026-07-28",
        capabilities: { sampling: {} },
        info: { name: "stateless-peer", version: "2" }
      })
      // A request without the version in `_meta` is still stateful: not initialized.
      expect((yield* ask(peer, 2, "tools/list", {})).error.code).toBe(-32600)
      expect(peer.connection.session.protocolVersion).toBeUndefined()
    }))

  it.scopedLive("a stateful request sees the session's version and capabilities; its result has no resultType", () =>
    Effect.gen(function*() {
      const peer = yield* rawPeer(router())
      yield* peer.initialize("2025-06-18")
      const answer = yield* ask(peer, 1, "tools/list", {})
      expect(answer.result).toEqual({
        tools: [],
        version: "2025-06-18",
        capabilities: { roots: {} },
        info: { name: "session-peer", version: "1" }
      })
      // On the same connection, a stateless request is served in its own era.
      expect((yield* ask(peer, 2, "tools/list", { _meta: meta() })).result.version).toBe("2026-07-28")
    }))

  it.scopedLive("an unsupported version, or a stateful one sent in _meta, is -32022 with supported and requested", () =>
    Effect.gen(function*() {
      const peer = yield* rawPeer(router())
      for (const [id, requested] of [[1, "1900-01-01"], [2, "2025-11-25"]] as const) {
        const answer = yield* ask(peer, id, "tools/list", { _meta: meta({ "io.modelcontextprotocol/protocolVersion": requested }) })
        expect(answer.error.code).toBe(-32022)
        expect(answer.error.data.requested).toBe(requested)
        expect(answer.error.data.supported).toContain("2026-07-28")
      }
    }))

  it.scopedLive("stateless requests need client capabilities; methods outside 2026-07-28 are -32601", () =>
    Effect.gen(function*() {
      const peer = yield* rawPeer(router())
      const withoutCapabilities = yield* ask(peer, 1, "tools/list", {
        _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" }
      })
      expect(withoutCapabilities.error.code).toBe(-32602)
      expect((yield* ask(peer, 2, "ping", { _meta: meta() })).error.code).toBe(-32601)
      expect((yield* ask(peer, 3, "initialize", { protocolVersion: "2026-07-28", _meta: meta() })).error.code).toBe(-32601)
      expect(peer.connection.session.protocolVersion).toBeUndefined()
      // The same methods are served in a stateful era.
      expect((yield* ask(peer, 4, "ping", {})).result).toEqual({})
    }))

  it.scopedLive("a stream request does not count against the limit, and is ended (not waited for) when the peer closes", () =>
    Effect.gen(function*() {
      const streams = new Router.Router([
        Router.request("listen", Schema.Struct({}), () => Effect.never, { priority: "stream", beforeInitialize: true }),
        Router.request("work", Schema.Struct({}), () => Effect.succeed({ done: true }), { beforeInitialize: true })
      ])
      const [client, server] = InMemory.makePair()
      const connection = yield* Protocol.make({ maxConcurrentRequests: 1, drainTimeoutMs: 10_000 }).connect(server, streams, "server")
      const answers: Array<any> = []
      yield* Effect.forkScoped(client.receive((frame) => {
        answers.push(JSON.parse(frame as string))
      }))
      const running = yield* Effect.fork(connection.run)
      client.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "listen" }))
      client.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "work" }))
      yield* Effect.sleep(20)
      expect(answers).toEqual([{ jsonrpc: "2.0", id: 2, result: { done: true } }])
      expect(connection.inFlight()).toBe(1)
      yield* client.close
      const started = Date.now()
      yield* running.await
      expect(Date.now() - started).toBeLessThan(1000)
      expect(connection.inFlight()).toBe(0)
    }))
})
