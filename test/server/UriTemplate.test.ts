import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as UriTemplate from "../../src/server/UriTemplate.js"

describe("UriTemplate", () => {
  it("matches simple, reserved, path, label, path-parameter and query expressions", () => {
    expect(UriTemplate.parse("test://template/{id}/data").match("test://template/123/data")).toEqual({ id: "123" })
    expect(UriTemplate.parse("test://template/{id}/data").match("test://template/1/2/data")).toBeUndefined()
    expect(UriTemplate.parse("test://template/{id}/data").match("test://template/123/other")).toBeUndefined()
    expect(UriTemplate.parse("x://{a,b}").match("x://1,2")).toEqual({ a: "1", b: "2" })
    expect(UriTemplate.parse("file:///{+path}").match("file:///src/a%20b.ts")).toEqual({ path: "src/a b.ts" })
    expect(UriTemplate.parse("x://h{/seg,rest}").match("x://h/a/b")).toEqual({ seg: "a", rest: "b" })
    expect(UriTemplate.parse("x://h{/seg,rest}").match("x://h/a")).toEqual({ seg: "a" })
    expect(UriTemplate.parse("x://file{.ext}").match("x://file.json")).toEqual({ ext: "json" })
    expect(UriTemplate.parse("x://m{;v,w}").match("x://m;v=1;w")).toEqual({ v: "1", w: "" })
    expect(UriTemplate.parse("x://doc{#section}").match("x://doc#intro/part")).toEqual({ section: "intro/part" })
  })

  it("reads query parameters in any order, any of them missing, ignoring unknown ones", () => {
    const search = UriTemplate.parse("search://{+path}{?q,lang}")
    expect(search.match("search://a/b?lang=fr&q=hello%20world&x=1")).toEqual({ path: "a/b", q: "hello world", lang: "fr" })
    expect(search.match("search://a/b")).toEqual({ path: "a/b" })
    expect(UriTemplate.parse("x://p{?a}{&b}").match("x://p?a=1&b=2")).toEqual({ a: "1", b: "2" })
    expect(UriTemplate.parse("x://p?fixed=1{&b}").match("x://p?fixed=1&b=2")).toEqual({ b: "2" })
  })

  it("expands as RFC 6570 says, leaving undefined variables out", () => {
    expect(UriTemplate.parse("x://{a}/{b}").expand({ a: "hello world", b: "a/b" })).toBe("x://hello%20world/a%2Fb")
    expect(UriTemplate.parse("x://{+p}").expand({ p: "a/b c" })).toBe("x://a/b%20c")
    expect(UriTemplate.parse("x://s{?q,lang}").expand({ q: "x y" })).toBe("x://s?q=x%20y")
    expect(UriTemplate.parse("x://s{?q,lang}").expand({})).toBe("x://s")
    expect(UriTemplate.parse("x://m{;v,w}").expand({ v: "1", w: "" })).toBe("x://m;v=1;w")
    expect(UriTemplate.parse("x://{a}").expand({ a: "it's (ok)!" })).toBe("x://it%27s%20%28ok%29%21")
  })

  it("refuses invalid templates and level 4 modifiers", () => {
    expect(() => UriTemplate.parse("x://{a")).toThrow(UriTemplate.UriTemplateError)
    expect(() => UriTemplate.parse("x://a}")).toThrow(/unmatched/)
    expect(() => UriTemplate.parse("x://{a b}")).toThrow(/invalid variable name/)
    expect(() => UriTemplate.parse("x://{a:3}")).toThrow(/level 4/)
    expect(() => UriTemplate.parse("x://{/list*}")).toThrow(/level 4/)
  })

  it.prop("match inverts expand", [FastCheck.string(), FastCheck.string(), FastCheck.option(FastCheck.string(), { nil: undefined })], ([id, path, q]) => {
    const template = UriTemplate.parse("x://items/{id}/{+path}{?q}")
    const values = q === undefined ? { id, path } : { id, path, q }
    // `{+path}` keeps reserved characters and escapes as they are (RFC 6570 §3.2.3): a `?` or `#`
    // in it would start the query or fragment, and a `%xx` in it reads back decoded.
    if (/[?#%]/.test(path)) return true
    expect(template.match(template.expand(values))).toEqual(values)
    return true
  })
})
