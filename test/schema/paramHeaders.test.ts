import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as ParamHeaders from "../../src/schema/paramHeaders.js"
import * as Tool from "../../src/server/Tool.js"

const object = (properties: Record<string, unknown>) => ({ type: "object", properties })

describe("ParamHeaders", () => {
  it("reads annotations on primitive properties reached through properties keys, nested ones included", () => {
    const schema = object({
      region: { type: "string", "x-mcp-header": "Region" },
      query: { type: "string" },
      target: object({ shard: { type: "integer", "x-mcp-header": "Shard" }, dry: { type: "boolean", "x-mcp-header": "Dry-Run" } })
    })
    expect(ParamHeaders.annotations(schema)).toEqual({
      headers: [
        { name: "Region", path: ["region"] },
        { name: "Shard", path: ["target", "shard"] },
        { name: "Dry-Run", path: ["target", "dry"] }
      ]
    })
  })

  it.each([
    ["an empty name", object({ a: { type: "string", "x-mcp-header": "" } })],
    ["a name that is not a token", object({ a: { type: "string", "x-mcp-header": "Bad Name" } })],
    ["a name with CR/LF", object({ a: { type: "string", "x-mcp-header": "A\r\nX-Injected: 1" } })],
    ["a number parameter", object({ a: { type: "number", "x-mcp-header": "A" } })],
    ["an object parameter", object({ a: { ...object({}), "x-mcp-header": "A" } })],
    ["a name used twice, ignoring case", object({ a: { type: "string", "x-mcp-header": "Region" }, b: { type: "string", "x-mcp-header": "region" } })],
    ["an annotation under items", object({ list: { type: "array", items: { type: "string", "x-mcp-header": "A" } } })],
    ["an annotation under anyOf", object({ a: { anyOf: [{ type: "string", "x-mcp-header": "A" }] } })],
    ["an annotation under $defs", { ...object({}), $defs: { x: { type: "string", "x-mcp-header": "A" } } }]
  ])("refuses %s", (_, schema) => {
    expect(ParamHeaders.annotations(schema)).toHaveProperty("error")
  })

  it("encodes as the specification's examples, and decoding gives every string back", () => {
    expect(ParamHeaders.encode("us-west1")).toBe("us-west1")
    expect(ParamHeaders.encode("Hello, 世界")).toBe("=?base64?SGVsbG8sIOS4lueVjA==?=")
    expect(ParamHeaders.encode(" padded ")).toBe("=?base64?IHBhZGRlZCA=?=")
    expect(ParamHeaders.encode("line1\nline2")).toBe("=?base64?bGluZTEKbGluZTI=?=")
    expect(ParamHeaders.encode("=?base64?literal?=")).toBe("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=")
    FastCheck.assert(FastCheck.property(FastCheck.string({ unit: "binary" }), (value) => {
      const header = ParamHeaders.encode(value)
      expect(header).toMatch(/^[\x20-\x7e]*$/)
      expect(ParamHeaders.decode(header)).toBe(value)
    }))
  })

  it("refuses header values that are not valid", () => {
    expect(ParamHeaders.decode("a\u0001b")).toBeUndefined()
    expect(ParamHeaders.decode("caf\u00e9")).toBeUndefined()
    expect(ParamHeaders.decode("=?base64?not base64!?=")).toBeUndefined()
  })

  it("reads the value at a path as a header carries it", () => {
    const args = { a: "x", n: 42, b: false, big: 2 ** 60, nested: { v: "y" } }
    expect(ParamHeaders.valueAt(args, ["a"])).toBe("x")
    expect(ParamHeaders.valueAt(args, ["n"])).toBe("42")
    expect(ParamHeaders.valueAt(args, ["b"])).toBe("false")
    expect(ParamHeaders.valueAt(args, ["big"])).toBeUndefined()
    expect(ParamHeaders.valueAt(args, ["nested", "v"])).toBe("y")
    expect(ParamHeaders.valueAt(args, ["missing"])).toBeUndefined()
  })

  it("Tool.make refuses a tool whose annotations clients must reject", () => {
    const input = Schema.Struct({ ratio: Schema.Number.annotations({ jsonSchema: { "x-mcp-header": "Ratio" } }) })
    expect(() => Tool.make("ratio", { input }, () => Schema.decodeUnknown(Schema.String)("x"))).toThrow(/x-mcp-header/)
  })
})
