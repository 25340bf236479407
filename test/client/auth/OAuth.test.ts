import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Duration from "effect/Duration"
import { AuthError } from "../../../src/client/AuthProvider.js"
import * as AuthorizationRedirect from "../../../src/client/auth/AuthorizationRedirect.js"
import { challengeOf } from "../../../src/client/auth/Pkce.js"
import * as TokenStore from "../../../src/client/auth/TokenStore.js"
import * as OAuth from "../../../src/client/OAuth.js"
import * as Mock from "./MockServers.js"

const Services = Layer.merge(TokenStore.layerMemory, AuthorizationRedirect.layerHeadless)

const failure = <A>(exit: Exit.Exit<A, AuthError>) => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  expect(error).toBeInstanceOf(AuthError)
  return error!
}

describe("OAuth authorization-code flow", () => {
  it.scoped("discovers, registers dynamically, authorizes with PKCE S256 and the resource, then uses the token", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start()
      const auth = yield* OAuth.make()
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)

      const [authorize] = Mock.to(mocks, "/authorize")
      const [token] = Mock.to(mocks, "/token")
      const [registration] = Mock.to(mocks, "/register")
      expect(authorize!.query.get("response_type")).toBe("code")
      expect(authorize!.query.get("client_id")).toBe("dyn-client")
      expect(authorize!.query.get("code_challenge_method")).toBe("S256")
      expect(challengeOf(token!.form.get("code_verifier")!)).toBe(authorize!.query.get("code_challenge"))
      expect(authorize!.query.get("resource")).toBe(mocks.mcpUrl.href)
      expect(token!.form.get("resource")).toBe(mocks.mcpUrl.href)
      expect(authorize!.query.has("scope")).toBe(false)
      expect(JSON.parse(registration!.body).grant_types).toContain("refresh_token")
      // the server lists only `none`: the secret it returned is not used
      expect(token!.headers.authorization).toBeUndefined()
      expect(token!.form.get("client_secret")).toBeNull()

      // the token is reused: no second authorization
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/call")).toBe(200)
      expect(Mock.to(mocks, "/authorize")).toHaveLength(1)
      expect(Mock.to(mocks, "/register")).toHaveLength(1)
    }).pipe(Effect.provide(Services)))

  it.scoped("rejects a redirect whose state does not match, and a refused authorization", () =>
    Effect.gen(function*() {
      const forged = yield* Mock.start({ forgeState: "forged" })
      const auth = yield* OAuth.make()
      const error = failure(yield* Effect.exit(Mock.post(auth, forged.mcpUrl, "tools/list")))
      expect(error.reason).toBe("Authorization")
      expect(error.message).toMatch(/state/)
      expect(Mock.to(forged, "/token")).toHaveLength(0)

      const denied = yield* Mock.start({ deny: true })
      const refused = failure(yield* Effect.exit(Mock.post(auth, denied.mcpUrl, "tools/list")))
      expect(refused.message).toMatch(/access_denied/)
    }).pipe(Effect.provide(Services)))

  it.scoped("refuses a resource metadata document that speaks for another server, before authorizing", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ prmResource: () => "https://evil.example.com/mcp" })
      const auth = yield* OAuth.make()
      const error = failure(yield* Effect.exit(Mock.post(auth, mocks.mcpUrl, "tools/list")))
      expect(error.reason).toBe("Discovery")
      expect(error.message).toMatch(/evil\.example\.com/)
      expect(Mock.to(mocks, "/authorize")).toHaveLength(0)
    }).pipe(Effect.provide(Services)))

  it.scoped("uses a user-provided redirect service", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start()
      const seen: Array<string> = []
      const auth = yield* OAuth.make({ redirectUri: "http://127.0.0.1:1/cb" }).pipe(
        Effect.provide(AuthorizationRedirect.layer((url) => {
          seen.push(url.pathname)
          return AuthorizationRedirect.headless.authorize(url)
        }))
      )
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      expect(seen).toEqual(["/authorize"])
      expect(Mock.to(mocks, "/authorize")[0]!.query.get("redirect_uri")).toBe("http://127.0.0.1:1/cb")
    }).pipe(Effect.provide(TokenStore.layerMemory)))
})

describe("OAuth scopes", () => {
  const firstScope = (mocks: Mock.Mocks) => Mock.to(mocks, "/authorize")[0]!.query.get("scope")

  it.scoped("asks for the challenge's scope, else the resource's scopes_supported, else none", () =>
    Effect.gen(function*() {
      const challenged = yield* Mock.start({ challengeScope: "mcp:basic", prmScopes: ["mcp:basic", "mcp:read"] })
      yield* Mock.post(yield* OAuth.make(), challenged.mcpUrl, "tools/list")
      expect(firstScope(challenged)).toBe("mcp:basic")

      const listed = yield* Mock.start({ prmScopes: ["mcp:basic", "mcp:read", "mcp:write"] })
      yield* Mock.post(yield* OAuth.make(), listed.mcpUrl, "tools/list")
      expect(firstScope(listed)).toBe("mcp:basic mcp:read mcp:write")

      const none = yield* Mock.start()
      yield* Mock.post(yield* OAuth.make(), none.mcpUrl, "tools/list")
      expect(firstScope(none)).toBeNull()
    }).pipe(Effect.provide(Services)))

  it.scoped("adds offline_access only when the authorization server offers it", () =>
    Effect.gen(function*() {
      const offered = yield* Mock.start({ prmScopes: ["mcp:basic"], asExtra: { scopes_supported: ["mcp:basic", "offline_access"] } })
      yield* Mock.post(yield* OAuth.make(), offered.mcpUrl, "tools/list")
      expect(firstScope(offered)).toBe("mcp:basic offline_access")

      const absent = yield* Mock.start({ prmScopes: ["mcp:basic"], asExtra: { scopes_supported: ["mcp:basic", "mcp:read"] } })
      yield* Mock.post(yield* OAuth.make(), absent.mcpUrl, "tools/list")
      expect(firstScope(absent)).toBe("mcp:basic")

      const declined = yield* Mock.start({ prmScopes: ["mcp:basic"], asExtra: { scopes_supported: ["mcp:basic", "offline_access"] } })
      yield* Mock.post(yield* OAuth.make({ offlineAccess: false }), declined.mcpUrl, "tools/list")
      expect(firstScope(declined)).toBe("mcp:basic")
    }).pipe(Effect.provide(Services)))

  it.scoped("steps up on 403 insufficient_scope with the union of granted and challenged scopes", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({
        challengeScope: "mcp:basic",
        needs: (method) => method === "initialize" ? undefined : method === "tools/call" ? ["mcp:basic", "mcp:write"] : ["mcp:basic"]
      })
      const auth = yield* OAuth.make()
      expect(yield* Mock.post(auth, mocks.mcpUrl, "initialize")).toBe(200)
      expect(Mock.to(mocks, "/authorize")).toHaveLength(0)
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/call")).toBe(200)
      expect(Mock.to(mocks, "/authorize").map((r) => r.query.get("scope"))).toEqual(["mcp:basic", "mcp:basic mcp:write"])
      // the registration is reused for the step-up
      expect(Mock.to(mocks, "/register")).toHaveLength(1)
    }).pipe(Effect.provide(Services)))

  it.scoped("gives up without a new authorization when the server refuses scopes it granted", () =>
    Effect.gen(function*() {
      // the AS grants nothing and says nothing: the client believes it holds mcp:admin
      const mocks = yield* Mock.start({ challengeScope: "mcp:admin", grantOnly: [], needs: (m) => m === "initialize" ? undefined : ["mcp:admin"] })
      const auth = yield* OAuth.make()
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(403)
      expect(failure(yield* Effect.exit(Mock.post(auth, mocks.mcpUrl, "tools/list"))).reason).toBe("InsufficientScope")
      expect(Mock.to(mocks, "/authorize")).toHaveLength(1)
    }).pipe(Effect.provide(Services)))

  it.scoped("stops stepping up after maxStepUps authorizations for the same scopes", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ challengeScope: "mcp:basic", grantOnly: ["mcp:basic"], needs: () => ["mcp:basic", "mcp:write"] })
      const auth = yield* OAuth.make({ maxStepUps: 1 })
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/call")).toBe(403)
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/call")).toBe(403)
      const error = failure(yield* Effect.exit(Mock.post(auth, mocks.mcpUrl, "tools/call")))
      expect(error.reason).toBe("RetryLimit")
      expect(Mock.to(mocks, "/authorize").map((r) => r.query.get("scope"))).toEqual(["mcp:basic", "mcp:basic mcp:write"])
    }).pipe(Effect.provide(Services)))
})

describe("OAuth refresh", () => {
  it.scoped("refreshes an expiring token before use (TestClock), keeping the refresh token when none is returned", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ refreshTokens: true, expiresIn: 60 })
      const auth = yield* OAuth.make()
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      const before = (yield* auth.headers(mocks.mcpUrl)).authorization
      yield* TestClock.adjust(Duration.seconds(45))
      const after = (yield* auth.headers(mocks.mcpUrl)).authorization
      expect(after).toBeDefined()
      expect(after).not.toBe(before)
      const [refresh] = Mock.to(mocks, "/token").filter((r) => r.form.get("grant_type") === "refresh_token")
      expect(refresh!.form.get("resource")).toBe(mocks.mcpUrl.href)
      expect(Mock.to(mocks, "/authorize")).toHaveLength(1)
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
    }).pipe(Effect.provide(Services)))

  it.scoped("refreshes on 401 when it holds a refresh token, and authorizes again when refreshing fails", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ refreshTokens: true })
      const auth = yield* OAuth.make()
      yield* Mock.post(auth, mocks.mcpUrl, "tools/list")
      mocks.revoke()
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      expect(Mock.to(mocks, "/token").map((r) => r.form.get("grant_type"))).toEqual(["authorization_code", "refresh_token"])
      expect(Mock.to(mocks, "/authorize")).toHaveLength(1)

      const plain = yield* Mock.start({ refreshTokens: false })
      const store = yield* TokenStore.TokenStore
      const other = yield* OAuth.make()
      yield* Mock.post(other, plain.mcpUrl, "tools/list")
      const key = `${plain.mcpUrl.origin}${plain.mcpUrl.pathname}`
      const entry = (yield* store.get(key)).pipe((o) => o._tag === "Some" ? o.value : undefined)!
      yield* store.set(key, new TokenStore.Entry({ ...entry, tokens: new TokenStore.Tokens({ ...entry.tokens!, refreshToken: Redacted.make("stale") }) }))
      plain.revoke()
      expect(yield* Mock.post(other, plain.mcpUrl, "tools/list")).toBe(200)
      expect(Mock.to(plain, "/authorize")).toHaveLength(2)
    }).pipe(Effect.provide(Services)))
})
