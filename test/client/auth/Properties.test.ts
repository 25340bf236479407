import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Scopes from "../../../src/client/auth/Scopes.js"
import * as WwwAuthenticate from "../../../src/client/auth/WwwAuthenticate.js"

const scope = FastCheck.stringMatching(/^[a-z:_]{1,8}$/)
const scopeList = FastCheck.array(scope, { maxLength: 5 }).map((list) => list.join(" "))
/** A quoted-string value: any printable text, quotes and backslashes escaped. */
const value = FastCheck.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && /^[\x20-\x7e]+$/.test(s))
const quote = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`

describe("properties", () => {
  it("a Bearer challenge's parameters survive any order, quoting and extra parameters", () => {
    FastCheck.assert(
      FastCheck.property(value, value, value, FastCheck.boolean(), (error, scopeValue, metadata, reversed) => {
        const params = [`error=${quote(error)}`, `scope=${quote(scopeValue)}`, `resource_metadata=${quote(metadata)}`, `realm=${quote("x, y")}`]
        const header = `Bearer ${(reversed ? params.reverse() : params).join(", ")}`
        expect(WwwAuthenticate.parse(header)).toEqual({ error, scope: scopeValue, resourceMetadata: metadata })
      }),
      { numRuns: 200 }
    )
  })

  it("a step-up union covers both what was granted and what was challenged, without repeats", () => {
    FastCheck.assert(
      FastCheck.property(scopeList, scopeList, (granted, challenged) => {
        const union = Scopes.union(granted, challenged)
        expect(Scopes.covers(union, granted)).toBe(true)
        expect(Scopes.covers(union, challenged)).toBe(true)
        const all = Scopes.split(union)
        expect(new Set(all).size).toBe(all.length)
        expect(union === undefined).toBe(Scopes.split(granted).length + Scopes.split(challenged).length === 0)
      }),
      { numRuns: 200 }
    )
  })
})
