/**
 * `src/schema/arbitrary.ts`: arbitraries for every method spec, and whole JSON-RPC messages.
 */
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as A from "../../src/schema/arbitrary.js"
import * as S from "../../src/schema/index.js"
import { decodes } from "./helpers.js"

const runs = 20

describe("arbitraries", () => {
  it("cover every spec of every table", () => {
    expect(Object.keys(A.arbitraries.ClientRequests).sort()).toEqual(Object.keys(S.ClientRequests).sort())
    expect(Object.keys(A.arbitraries.ClientNotifications).sort()).toEqual(Object.keys(S.ClientNotifications).sort())
    expect(Object.keys(A.arbitraries.ServerRequests).sort()).toEqual(Object.keys(S.ServerRequests).sort())
    expect(Object.keys(A.arbitraries.ServerNotifications).sort()).toEqual(Object.keys(S.ServerNotifications).sort())
  })

  it("generate params and results their schemas accept", () => {
    const spec = S.ClientRequests["tools/call"]
    FastCheck.assert(
      FastCheck.property(A.arbitraries.ClientRequests["tools/call"], (sample) => {
        expect(Schema.is(spec.params)(sample.params)).toBe(true)
        expect(Schema.is(spec.result)(sample.result)).toBe(true)
      }),
      { numRuns: runs }
    )
    FastCheck.assert(
      FastCheck.property(A.arbitraries.ServerNotifications["notifications/progress"], (sample) => {
        expect("result" in sample).toBe(false)
        expect(Schema.is(S.ProgressNotificationParams)(sample.params)).toBe(true)
      }),
      { numRuns: runs }
    )
  })
})

describe("whole messages", () => {
  it("requests of every request method decode as JSON-RPC and with the method's schema", () => {
    for (const spec of S.AllMethods.filter((spec) => spec.kind === "request")) {
      FastCheck.assert(
        FastCheck.property(A.arbitraryRequest(spec.method, spec.sender), (message) => {
          const json: unknown = JSON.parse(JSON.stringify(message))
          decodes(S.JsonRpcRequest, json)
          decodes(S.requestMessage(spec), json)
        }),
        { numRuns: runs }
      )
    }
  })

  it("notifications of every notification method decode", () => {
    for (const spec of S.AllMethods.filter((spec) => spec.kind === "notification")) {
      FastCheck.assert(
        FastCheck.property(A.arbitraryNotification(spec.method, spec.sender), (message) => {
          const json: unknown = JSON.parse(JSON.stringify(message))
          decodes(S.JsonRpcNotification, json)
          decodes(S.notificationMessage(spec), json)
        }),
        { numRuns: runs }
      )
    }
  })

  it("result responses decode", () => {
    FastCheck.assert(
      FastCheck.property(A.arbitraryResultResponse("tools/list"), (message) => {
        decodes(S.resultResponseMessage(S.ClientRequests["tools/list"], "2025-06-18"), message)
      }),
      { numRuns: runs }
    )
  })

  it("default to the client's table and reject unknown methods", () => {
    const [message] = FastCheck.sample(A.arbitraryRequest("ping"), 1)
    expect(message?.method).toBe("ping")
    expect(() => A.arbitraryRequest("nope")).toThrow(/unknown MCP request/)
    expect(() => A.arbitraryNotification("tools/call")).toThrow(/unknown MCP notification/)
  })
})

describe("runtime modules", () => {
  it("do not load fast-check (only arbitrary.ts does)", () => {
    const dir = fileURLToPath(new URL("../../src/schema/", import.meta.url))
    const offenders = readdirSync(dir)
      .filter((file) => file.endsWith(".ts") && file !== "arbitrary.ts")
      .filter((file) => /^import (?!type )[^\n]*"effect\/(Arbitrary|FastCheck)"/m.test(readFileSync(dir + file, "utf8")))
    expect(offenders).toEqual([])
    expect(readFileSync(dir + "index.ts", "utf8")).not.toMatch(/from "\.\/arbitrary\.js"/)
  })
})
