import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AuthorizationRedirect from "../../../src/client/auth/AuthorizationRedirect.js"
import * as Metadata from "../../../src/client/auth/Metadata.js"
import * as TokenStore from "../../../src/client/auth/TokenStore.js"
import * as WwwAuthenticate from "../../../src/client/auth/WwwAuthenticate.js"
import * as OAuth from "../../../src/client/OAuth.js"
import * as Mock from "./MockServers.js"

const Services = Layer.merge(TokenStore.layerMemory, AuthorizationRedirect.layerHeadless)

const wellKnown = (mocks: Mock.Mocks, server: "rs" | "as") =>
  mocks.requests.filter((r) => r.server === server && r.method === "GET" && r.path.includes(".well-known")).map((r) => r.path)

describe("WWW-Authenticate", () => {
  it("reads error, scope and resource_metadata of the Bearer challenge, quoted or not", () => {
    expect(WwwAuthenticate.parse(`Bearer error="insufficient_scope", scope="a b", resource_metadata="http://x/y", error_description="say \\"no\\""`))
      .toEqual({ error: "insufficient_scope", scope: "a b", resourceMetadata: "http://x/y" })
    expect(WwwAuthenticate.parse(`Basic realm="r", Bearer error=invalid_token`)).toEqual({ error: "invalid_token", scope: undefined, resourceMetadata: undefined })
    expect(WwwAuthenticate.parse(`Basic realm="r"`)).toEqual({ error: undefined, scope: undefined, resourceMetadata: undefined })
    expect(WwwAuthenticate.parse(undefined).scope).toBeUndefined()
  })
})

describe("metadata URLs", () => {
  it("tries resource metadata at the challenge's URL, then path-based, then root", () => {
    const urls = Metadata.resourceMetadataUrls(new URL("http://h:1/a/mcp/"), "http://h:1/custom.json").map((u) => u.href)
    expect(urls).toEqual(["http://h:1/custom.json", "http://h:1/.well-known/oauth-protected-resource/a/mcp", "http://h:1/.well-known/oauth-protected-resource"])
    expect(Metadata.resourceMetadataUrls(new URL("http://h:1"), undefined).map((u) => u.pathname)).toEqual(["/.well-known/oauth-protected-resource"])
  })

  it("tries authorization-server metadata in the specification's order", () => {
    expect(Metadata.authorizationServerMetadataUrls(new URL("http://as/t1/")).map((u) => u.pathname)).toEqual([
      "/.well-known/oauth-authorization-server/t1",
      "/.well-known/openid-configuration/t1",
      "/t1/.well-known/openid-configuration"
    ])
    expect(Metadata.authorizationServerMetadataUrls(new URL("http://as")).map((u) => u.pathname)).toEqual([
      "/.well-known/oauth-authorization-server",
      "/.well-known/openid-configuration"
    ])
  })

  it("accepts a resource for the same origin whose path contains the server's", () => {
    const server = new URL("http://h:1/mcp")
    expect(Metadata.resourceMatches("http://h:1/mcp", server)).toBe(true)
    expect(Metadata.resourceMatches("http://h:1/", server)).toBe(true)
    expect(Metadata.resourceMatches("http://h:1/mc", server)).toBe(false)
    expect(Metadata.resourceMatches("http://h:2/mcp", server)).toBe(false)
    expect(Metadata.resourceMatches("not a url", server)).toBe(false)
  })
})

describe("discovery against loopback servers", () => {
  it.scoped("takes the resource metadata from the challenge and never looks at the root", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start()
      yield* Mock.post(yield* OAuth.make(), mocks.mcpUrl, "tools/list")
      expect(wellKnown(mocks, "rs")).toEqual(["/.well-known/oauth-protected-resource/mcp"])
    }).pipe(Effect.provide(Services)))

  it.scoped("falls back to the root resource metadata and a tenant's OpenID configuration", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({
        prmPath: "/.well-known/oauth-protected-resource",
        prmInHeader: false,
        issuerPath: "/tenant1",
        asMetadataPath: (path) => `${path}/.well-known/openid-configuration`
      })
      expect(yield* Mock.post(yield* OAuth.make(), mocks.mcpUrl, "tools/list")).toBe(200)
      expect(wellKnown(mocks, "rs")).toEqual(["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"])
      expect(wellKnown(mocks, "as")).toEqual([
        "/.well-known/oauth-authorization-server/tenant1",
        "/.well-known/openid-configuration/tenant1",
        "/tenant1/.well-known/openid-configuration"
      ])
      // the root resource names the origin: that is the resource indicator
      expect(Mock.to(mocks, "/tenant1/authorize")[0]!.query.get("resource")).toBe(mocks.mcpUrl.origin)
    }).pipe(Effect.provide(Services)))

  it.scoped("2025-03-26: no resource metadata, authorization-server metadata at the server's origin", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ prmPath: undefined, legacy: "metadata" })
      expect(yield* Mock.post(yield* OAuth.make(), mocks.mcpUrl, "tools/list")).toBe(200)
      expect(Mock.to(mocks, "/oauth/register")).toHaveLength(1)
      expect(Mock.to(mocks, "/oauth/authorize")[0]!.query.has("resource")).toBe(false)
      expect(Mock.to(mocks, "/oauth/token")).toHaveLength(1)
    }).pipe(Effect.provide(Services)))

  it.scoped("2025-03-26: no metadata at all, the default endpoints at the server's origin", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ prmPath: undefined, legacy: "defaults" })
      expect(yield* Mock.post(yield* OAuth.make(), mocks.mcpUrl, "tools/list")).toBe(200)
      expect(wellKnown(mocks, "rs")).toEqual([
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration"
      ])
      expect(["/register", "/authorize", "/token"].map((path) => Mock.to(mocks, path).length)).toEqual([1, 1, 1])
    }).pipe(Effect.provide(Services)))

  it.scoped("fails with a Discovery error when the authorization server publishes no metadata", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ asMetadataPath: () => "/nowhere" })
      const exit = yield* Effect.either(Mock.post(yield* OAuth.make(), mocks.mcpUrl, "tools/list"))
      expect(exit._tag === "Left" && exit.left.reason).toBe("Discovery")
    }).pipe(Effect.provide(Services)))
})
