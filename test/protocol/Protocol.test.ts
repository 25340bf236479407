import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { McpError, type ProtocolError, type RecoveryError } from "../../src/protocol/errors.js"
import { RequestContext } from "../../src/protocol/RequestContext.js"
import * as Router from "../../src/protocol/Router.js"
import { negotiate } from "../../src/schema/versions.js"
import { rawPeer } from "../harness.js"

const makeRouter = (events: Ref.Ref<ReadonlyArray<string>>) =>
  new Router.Router([
    Router.request("initialize", Schema.Struct({ protocolVersion: Schema.String }), ({ protocolVersion }) =>
      Effect.map(RequestContext, (request) => {
        const version = negotiate(protocolVersion)
        request.session.negotiated(version, { name: "peer", version: "1" }, {})
        return { protocolVersion: version }
      }), { priority: "immediate", beforeInitialize: true }),
    Router.request("ping", Schema.Struct({}), () => Effect.succeed({}), { priority: "immediate", beforeInitialize: true }),
    Router.request("echo", Schema.Struct({ text: Schema.String, nested: Schema.optional(Schema.Struct({ n: Schema.Number })) }), ({ text }) => Effect.succeed({ text })),
    Router.request("slow", Schema.Struct({ ms: Schema.Number, tag: Schema.String }), ({ ms, tag }) =>
      Effect.sleep(ms).pipe(
        Effect.as({ tag }),
        Effect.onExit((exit) => Ref.update(events, (all) => [...all, `${tag}:${exit._tag}`]))
      )),
    Router.request("boom", Schema.Struct({}), () => Effect.die(new Error("kaboom"))),
    Router.request("halt", Schema.Struct({}), () => Effect.interrupt),
    Router.request("typed", Schema.Struct({}), () => Effect.fail(new McpError({ code: -32042, message: "needs a URL", data: { url: "x" } }))),
    Router.request("progress", Schema.Struct({}), () =>
      Effect.gen(function*() {
        const request = yield* RequestContext
        yield* request.progress(1, 2, "half")
        yield* request.progress(2, 2)
        return { done: true }
      })),
    Router.request("ask", Schema.Struct({ timeoutMs: Schema.Number }), ({ timeoutMs }) =>
      Effect.flatMap(RequestContext, (request) =>
        request.request("roots/list", {}, { timeoutMs }).pipe(
          Effect.map((result) => ({ got: result })),
          Effect.catchAll((error: ProtocolError | RecoveryError) => Effect.succeed(error._tag === "ProtocolError" ? { failed: error.reason, code: error.code ?? null } : { failed: "gave up", code: null }))
        ))),
    Router.notification("notifications/hello", Schema.Struct({ who: Schema.String }), ({ who }) =>
      Ref.update(events, (all) => [...all, `hello:${who}`]))
  ])

const setup = (options: Parameters<typeof rawPeer>[1] = {}) =>
  Effect.gen(function*() {
    const events = yield* Ref.make<ReadonlyArray<string>>([])
    const peer = yield* rawPeer(makeRouter(events), options)
    return { events, peer }
  })

describe("Protocol engine", () => {
  it.scopedLive("answers a table of bad inputs with the right codes, and keeps serving", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      const cases: ReadonlyArray<readonly [unknown, number, unknown]> = [
        ["{not json", -32700, null],
        [{ id: 1, method: "ping" }, -32600, 1],
        [{ jsonrpc: "1.0", id: 2, method: "ping" }, -32600, 2],
        [{ jsonrpc: "2.0", id: { a: 1 }, method: "ping" }, -32600, null],
        [{ jsonrpc: "2.0", id: true, method: "ping" }, -32600, null],
        [{ jsonrpc: "2.0", id: null, method: "ping" }, -32600, null],
        [{ jsonrpc: "2.0", id: 3, method: "notifications/initialized" }, -32600, 3],
        [{ jsonrpc: "2.0", id: 4, method: 42 }, -32600, 4],
        [{ jsonrpc: "2.0", id: 5 }, -32600, 5],
        ["42", -32600, null],
        [{ jsonrpc: "2.0", id: 6, method: "echo", params: { text: "before init" } }, -32600, 6]
      ]
      for (const [input, code, id] of cases) {
        peer.send(input)
        const answer = yield* peer.next()
        expect({ input, code: answer.error?.code, id: answer.id }).toEqual({ input, code, id })
      }
      const init = yield* peer.initialize("2025-06-18")
      expect(init.result.protocolVersion).toBe("2025-06-18")
      const afterInit: ReadonlyArray<readonly [unknown, number, unknown]> = [
        [{ jsonrpc: "2.0", id: 10, method: "nope" }, -32601, 10],
        [{ jsonrpc: "2.0", id: 11, method: "echo", params: { text: 5 } }, -32602, 11],
        [{ jsonrpc: "2.0", id: 12, method: "echo", params: [1] }, -32602, 12],
        [{ jsonrpc: "2.0", id: 13, method: "echo", params: { text: "x", nested: { n: "no" } } }, -32602, 13],
        [[{ jsonrpc: "2.0", id: 14, method: "ping" }], -32600, null]
      ]
      for (const [input, code, id] of afterInit) {
        peer.send(input)
        const answer = yield* peer.next()
        expect({ input, code: answer.error?.code, id: answer.id }).toEqual({ input, code, id })
      }
      peer.send({ jsonrpc: "2.0", id: 20, method: "echo", params: { text: "x", nested: { n: "no" } } })
      const invalid = yield* peer.next()
      expect(invalid.error.message).toContain("nested.n")
      expect(invalid.error.data.issues[0].path).toBe("nested.n")
      peer.send({ jsonrpc: "2.0", id: 21, method: "ping" })
      expect(yield* peer.next()).toEqual({ jsonrpc: "2.0", id: 21, result: {} })
    }))

  it.scopedLive("echoes string and number ids with their type", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: "7", method: "echo", params: { text: "s" } })
      peer.send({ jsonrpc: "2.0", id: 7, method: "echo", params: { text: "n" } })
      const a = yield* peer.nextWhere((m) => m.id === "7")
      const b = yield* peer.nextWhere((m) => m.id === 7)
      expect([a.result.text, b.result.text]).toEqual(["s", "n"])
    }))

  it.scopedLive("applies limits: size, depth, string and array length", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup({ limits: { maxMessageBytes: 2000, maxDepth: 8, maxStringLength: 100, maxArrayLength: 10 } })
      yield* peer.initialize()
      const deep = (n: number): unknown => n === 0 ? 1 : { a: deep(n - 1) }
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ jsonrpc: "2.0", id: 1, method: "echo", params: { text: "x".repeat(3000) } }, "too large"],
        [{ jsonrpc: "2.0", id: 2, method: "echo", params: { text: "x", deep: deep(10) } }, "deeper than 8"],
        [{ jsonrpc: "2.0", id: 3, method: "echo", params: { text: "x".repeat(101) } }, "longer than 100"],
        [{ jsonrpc: "2.0", id: 4, method: "echo", params: { text: "x", list: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] } }, "more than 10"]
      ]
      for (const [input, reason] of cases) {
        peer.send(input)
        const answer = yield* peer.next()
        expect(answer.id).toBe((input as { id: number }).id)
        expect(answer.error.code).toBe(-32600)
        expect(answer.error.message).toContain(reason)
      }
      peer.send({ jsonrpc: "2.0", id: 5, method: "echo", params: { text: "still here" } })
      expect((yield* peer.next()).result.text).toBe("still here")
    }))

  it.scopedLive("accepts batches only under 2025-03-26", () =>
    Effect.gen(function*() {
      const { events, peer } = yield* setup()
      yield* peer.initialize("2025-03-26")
      peer.send([
        { jsonrpc: "2.0", id: 1, method: "echo", params: { text: "a" } },
        { jsonrpc: "2.0", method: "notifications/hello", params: { who: "batch" } },
        { jsonrpc: "2.0", id: 2, method: "nope" },
        { jsonrpc: "2.0", id: 3, method: "slow", params: { ms: 20, tag: "b" } }
      ])
      const answer = yield* peer.next()
      expect(Array.isArray(answer)).toBe(true)
      expect(answer.map((m: any) => m.id).sort()).toEqual([1, 2, 3])
      expect(answer.find((m: any) => m.id === 2).error.code).toBe(-32601)
      expect(yield* Ref.get(events)).toContain("hello:batch")
      peer.send([])
      expect((yield* peer.next()).error.code).toBe(-32600)
      // A batch of notifications only is answered with nothing.
      peer.send([{ jsonrpc: "2.0", method: "notifications/hello", params: { who: "quiet" } }])
      peer.send({ jsonrpc: "2.0", id: 9, method: "ping" })
      expect((yield* peer.next()).id).toBe(9)
    }))

  it.scopedLive("serves requests concurrently, answers out of order, and never queues ping", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup({ maxConcurrentRequests: 2 })
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: "slow1", method: "slow", params: { ms: 300, tag: "1" } })
      peer.send({ jsonrpc: "2.0", id: "slow2", method: "slow", params: { ms: 300, tag: "2" } })
      peer.send({ jsonrpc: "2.0", id: "fast", method: "slow", params: { ms: 0, tag: "3" } })
      peer.send({ jsonrpc: "2.0", id: "ping", method: "ping" })
      const order: Array<unknown> = []
      for (let i = 0; i < 4; i++) order.push((yield* peer.next()).id)
      // ping overtakes everything; the third slow call waits for a slot.
      expect(order[0]).toBe("ping")
      expect(order.indexOf("fast")).toBeGreaterThan(order.indexOf("slow1"))
      expect(peer.connection.inFlight()).toBe(0)
    }))

  it.scopedLive("rejects work beyond the queue with an overloaded error", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup({ maxConcurrentRequests: 1, maxQueuedRequests: 1 })
      yield* peer.initialize()
      for (let i = 0; i < 3; i++) peer.send({ jsonrpc: "2.0", id: i, method: "slow", params: { ms: 100, tag: String(i) } })
      const rejected = yield* peer.nextWhere((m) => m.error !== undefined)
      expect(rejected.id).toBe(2)
      expect(rejected.error.code).toBe(-32000)
      expect(rejected.error.data.retryAfterMs).toBeGreaterThan(0)
      const done = [(yield* peer.next()).id, (yield* peer.next()).id]
      expect(done).toEqual([0, 1])
    }))

  it.scopedLive("cancellation interrupts the handler and sends no response", () =>
    Effect.gen(function*() {
      const { events, peer } = yield* setup({ maxConcurrentRequests: 1 })
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: 1, method: "slow", params: { ms: 5000, tag: "running" } })
      peer.send({ jsonrpc: "2.0", id: 2, method: "slow", params: { ms: 5000, tag: "queued" } })
      yield* Effect.sleep(20)
      peer.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, reason: "user" } })
      peer.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 2 } })
      peer.send({ jsonrpc: "2.0", id: 3, method: "ping" })
      const rest = yield* peer.drain(200)
      expect(rest.map((m) => m.id)).toEqual([3])
      expect(yield* Ref.get(events)).toEqual(["running:Failure"])
      expect(peer.connection.inFlight()).toBe(0)
    }))

  it.scopedLive("a defect becomes -32603 with a generic message; typed McpErrors keep their code", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: 1, method: "boom" })
      const boom = yield* peer.next()
      expect(boom.error).toEqual({ code: -32603, message: "Internal error" })
      peer.send({ jsonrpc: "2.0", id: 2, method: "typed" })
      expect((yield* peer.next()).error).toEqual({ code: -32042, message: "needs a URL", data: { url: "x" } })
      peer.send({ jsonrpc: "2.0", id: 3, method: "ping" })
      expect((yield* peer.next()).id).toBe(3)
    }))

  it.scopedLive("a request the server interrupts itself (not cancelled by the client) still gets an error answer", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: 1, method: "halt" })
      const halted = yield* peer.next()
      expect(halted.id).toBe(1)
      expect(halted.error?.code).toBe(-32603)
      expect(peer.connection.inFlight()).toBe(0)
    }))

  it.scopedLive("carries the progress token to the handler", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: 1, method: "progress", params: { _meta: { progressToken: 99 } } })
      const first = yield* peer.next()
      const second = yield* peer.next()
      const result = yield* peer.next()
      expect(first).toEqual({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 99, progress: 1, total: 2, message: "half" } })
      expect(second.params).toEqual({ progressToken: 99, progress: 2, total: 2 })
      expect(result.result).toEqual({ done: true })
      // Without a token, no progress is sent.
      peer.send({ jsonrpc: "2.0", id: 2, method: "progress" })
      expect((yield* peer.next()).id).toBe(2)
    }))

  it.scopedLive("correlates outgoing requests, with errors and timeouts", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: "a", method: "ask", params: { timeoutMs: 2000 } })
      const outgoing = yield* peer.next()
      expect(outgoing.method).toBe("roots/list")
      peer.send({ jsonrpc: "2.0", id: outgoing.id, result: { roots: [] } })
      expect((yield* peer.next()).result).toEqual({ got: { roots: [] } })

      peer.send({ jsonrpc: "2.0", id: "b", method: "ask", params: { timeoutMs: 2000 } })
      const second = yield* peer.next()
      peer.send({ jsonrpc: "2.0", id: second.id, error: { code: -32601, message: "no roots" } })
      expect((yield* peer.next()).result).toEqual({ failed: "RemoteError", code: -32601 })

      peer.send({ jsonrpc: "2.0", id: "c", method: "ask", params: { timeoutMs: 50 } })
      const third = yield* peer.next()
      const cancelled = yield* peer.next()
      expect(cancelled).toEqual({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: third.id, reason: "cancelled by the sender" } })
      expect((yield* peer.next()).result).toEqual({ failed: "Timeout", code: null })
      // A late answer to a timed-out request is ignored.
      peer.send({ jsonrpc: "2.0", id: third.id, result: {} })
      peer.send({ jsonrpc: "2.0", id: "d", method: "ping" })
      expect((yield* peer.next()).id).toBe("d")
    }))

  it.scopedLive("rejects a second request with an id that is still in flight", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      yield* peer.initialize()
      peer.send({ jsonrpc: "2.0", id: 1, method: "slow", params: { ms: 100, tag: "x" } })
      peer.send({ jsonrpc: "2.0", id: 1, method: "ping" })
      const first = yield* peer.next()
      expect(first.error.code).toBe(-32600)
      expect(first.error.message).toContain("already in use")
      expect((yield* peer.next()).result).toEqual({ tag: "x" })
    }))

  it.live("closing the connection's scope interrupts handlers and fails pending requests", () =>
    Effect.gen(function*() {
      const events = yield* Ref.make<ReadonlyArray<string>>([])
      const outcome = yield* Deferred.make<string>()
      yield* Effect.scoped(Effect.gen(function*() {
        const peer = yield* rawPeer(makeRouter(events))
        yield* peer.initialize()
        peer.send({ jsonrpc: "2.0", id: 1, method: "slow", params: { ms: 10_000, tag: "open" } })
        yield* peer.connection.request("roots/list").pipe(
          Effect.catchTag("ProtocolError", (error) => Deferred.succeed(outcome, error.reason)),
          Effect.fork
        )
        yield* peer.nextWhere((m) => m.method === "roots/list")
      }))
      expect(yield* Ref.get(events)).toEqual(["open:Failure"])
      expect(yield* Deferred.await(outcome)).toBe("Closed")
    }))

  it.scopedLive("retries a timed-out outgoing request on its schedule, then fails with RecoveryError", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      const fiber = yield* peer.connection.request("roots/list", {}, { timeoutMs: 30, retry: Schedule.recurs(2) }).pipe(Effect.flip, Effect.fork)
      const sent: Array<unknown> = []
      for (let i = 0; i < 3; i++) {
        const request = yield* peer.nextWhere((m) => m.method === "roots/list")
        sent.push(request.id)
        const cancel = yield* peer.nextWhere((m) => m.method === "notifications/cancelled")
        expect(cancel.params.requestId).toBe(request.id)
      }
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RecoveryError")
      expect((error as RecoveryError).attempts).toBe(3)
      expect(new Set(sent).size).toBe(3)
      // An answered request is not retried.
      const answered = yield* peer.connection.request("roots/list", {}, { timeoutMs: 1000, retry: Schedule.recurs(2) }).pipe(Effect.fork)
      const request = yield* peer.nextWhere((m) => m.method === "roots/list")
      peer.send({ jsonrpc: "2.0", id: request.id, result: { roots: [] } })
      expect(yield* Fiber.join(answered)).toEqual({ roots: [] })
    }))

  it.scopedLive("handle says whether an answer follows, and settles each answered request once", () =>
    Effect.gen(function*() {
      const { peer } = yield* setup()
      yield* peer.initialize("2025-03-26")
      const frames: Array<string> = []
      const settled: Array<unknown> = []
      const out = { send: (frame: string) => frames.push(frame), settled: (id: unknown) => settled.push(id) }
      const handle = (message: unknown) => peer.connection.handle(JSON.stringify(message), out)
      expect(handle({ jsonrpc: "2.0", method: "notifications/hello", params: { who: "x" } })).toBe(false)
      expect(handle({ jsonrpc: "2.0", id: 99, result: {} })).toBe(false)
      expect(peer.connection.handle("{oops", out)).toBe(true)
      expect(handle({ jsonrpc: "2.0", id: 1, method: "echo", params: { text: "a" } })).toBe(true)
      expect(handle({ jsonrpc: "2.0", id: 2, method: "slow", params: { ms: 5000, tag: "c" } })).toBe(true)
      expect(handle([{ jsonrpc: "2.0", id: 3, method: "echo", params: { text: "b" } }, { jsonrpc: "2.0", method: "notifications/hello", params: { who: "y" } }])).toBe(true)
      expect(handle([{ jsonrpc: "2.0", method: "notifications/hello", params: { who: "z" } }])).toBe(false)
      yield* Effect.sleep(20)
      handle({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 2 } })
      yield* Effect.sleep(20)
      expect(settled).toEqual([null, 1, null, 2])
      expect(frames).toHaveLength(3)
      expect(JSON.parse(frames[2]!)).toEqual([{ jsonrpc: "2.0", id: 3, result: { text: "b" } }])
    }))
})
