import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { ValidationError } from "../../src/protocol/errors.js"
import { readIdFromPrefix } from "../../src/protocol/internal/wire.js"
import * as Limits from "../../src/protocol/Limits.js"
import * as Message from "../../src/protocol/Message.js"
import { OversizedFrame } from "../../src/transport/Transport.js"

const limits = Limits.make({ maxMessageBytes: 1000, maxDepth: 5, maxStringLength: 50, maxArrayLength: 5 })

describe("Message.decodeFrame", () => {
  it("classifies requests, notifications and responses", () => {
    expect(Message.decodeFrame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", limits)).toEqual({ _tag: "Request", id: 1, method: "ping", params: {} })
    expect(Message.decodeFrame("{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":{\"a\":1}}", limits)).toEqual({ _tag: "Notification", method: "n", params: { a: 1 } })
    expect(Message.decodeFrame("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":{}}", limits)).toEqual({ _tag: "Response", id: "x", result: {}, error: undefined })
    expect(Message.decodeFrame("[1,2]", limits)).toEqual({ _tag: "Batch", items: [1, 2] })
  })

  it("never answers a response, even an invalid one", () => {
    expect(Message.decodeFrame("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"x\"}}", limits)).toBeUndefined()
    expect(Message.isAnswered({ jsonrpc: "2.0", id: null, error: {} })).toBe(false)
  })

  it("answers every limit violation with -32600 and the id when it can be read", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      [JSON.stringify({ jsonrpc: "2.0", id: 7, method: "m", params: { s: "x".repeat(51) } }), "longer than 50"],
      [JSON.stringify({ jsonrpc: "2.0", id: 7, method: "m", params: { a: [1, 2, 3, 4, 5, 6] } }), "more than 5 elements"],
      [JSON.stringify({ jsonrpc: "2.0", id: 7, method: "m", params: { a: { b: { c: { d: { e: 1 } } } } } }), "deeper than 5"],
      [JSON.stringify({ jsonrpc: "2.0", id: 7, method: "m", params: { s: "é".repeat(600) } }), "too large"]
    ]
    for (const [frame, reason] of cases) {
      const decoded = Message.decodeFrame(frame, limits)
      expect(decoded).toBeInstanceOf(ValidationError)
      expect((decoded as ValidationError).code).toBe(-32600)
      expect((decoded as ValidationError).id).toBe(7)
      expect((decoded as ValidationError).message).toContain(reason)
    }
    const oversized = Message.decodeFrame(new OversizedFrame(10_000, "{\"jsonrpc\":\"2.0\",\"id\":\"big\",\"params\":{\"x\":\"aaa"), limits)
    expect((oversized as ValidationError).id).toBe("big")
  })

  it("answers a nesting deep enough to exhaust the parser's stack with -32600", () => {
    const depth = 2_000_000
    const frame = `{"jsonrpc":"2.0","id":3,"method":"m","params":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`
    const decoded = Message.decodeFrame(frame, Limits.make({ maxMessageBytes: 10_000_000 }))
    expect((decoded as ValidationError).code).toBe(-32600)
    expect((decoded as ValidationError).id).toBe(3)
  })
})

describe("readIdFromPrefix", () => {
  it("reads the top-level id, not one nested in params, whatever comes before it", () => {
    expect(readIdFromPrefix("{\"jsonrpc\":\"2.0\",\"params\":{\"id\":5},\"id\":\"top\",\"method\":\"x")).toBe("top")
    expect(readIdFromPrefix("{\"method\":\"say \\\"id\\\"\",\"id\": -12.5e1, \"params\":")).toBe(-125)
    expect(readIdFromPrefix("{\"params\":{\"id\":5}, \"x\": \"aaaa")).toBeNull()
    expect(readIdFromPrefix("{\"id\":{\"a\":1}}")).toBeNull()
  })

  it("finds the id of any request cut anywhere after the id", () => {
    FastCheck.assert(FastCheck.property(
      FastCheck.oneof(FastCheck.string({ maxLength: 20 }), FastCheck.integer()),
      FastCheck.dictionary(FastCheck.string({ maxLength: 5 }), FastCheck.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      FastCheck.nat(200),
      (id, params, extra) => {
        const text = `{"jsonrpc":"2.0","params":${JSON.stringify(params)},"id":${JSON.stringify(id)},"method":"m"}`
        const cutAt = text.indexOf(`"id":${JSON.stringify(id)}`) + 5 + JSON.stringify(id).length + extra
        expect(readIdFromPrefix(text.slice(0, cutAt))).toEqual(id)
      }
    ), { numRuns: 300 })
  })
})
