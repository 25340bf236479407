import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Jose from "jose"
import * as AuthorizationRedirect from "../../../src/client/auth/AuthorizationRedirect.js"
import * as TokenStore from "../../../src/client/auth/TokenStore.js"
import * as OAuth from "../../../src/client/OAuth.js"
import * as Mock from "./MockServers.js"

const Services = Layer.merge(TokenStore.layerMemory, AuthorizationRedirect.layerHeadless)

const decodeBasic = (header: string | undefined) =>
  header === undefined ? undefined : Buffer.from(header.replace(/^Basic /, ""), "base64").toString("utf8")

describe("token-endpoint client authentication", () => {
  for (const method of ["client_secret_basic", "client_secret_post", "none"] as const) {
    it.scoped(`uses ${method} when the server supports only it and registered the client with it`, () =>
      Effect.gen(function*() {
        const mocks = yield* Mock.start({
          asExtra: { token_endpoint_auth_methods_supported: [method] },
          dcrResponse: { client_id: "c1", ...(method === "none" ? {} : { client_secret: "s1" }), token_endpoint_auth_method: method }
        })
        expect(yield* Mock.post(yield* OAuth.make(), mocks.mcpUrl, "tools/list")).toBe(200)
        expect(JSON.parse(Mock.to(mocks, "/register")[0]!.body).token_endpoint_auth_method).toBe(method)
        const [token] = Mock.to(mocks, "/token")
        expect(decodeBasic(token!.headers.authorization)).toBe(method === "client_secret_basic" ? "c1:s1" : undefined)
        expect(token!.form.get("client_secret")).toBe(method === "client_secret_post" ? "s1" : null)
        expect(token!.form.get("client_id")).toBe(method === "client_secret_basic" ? null : "c1")
      }).pipe(Effect.provide(Services)))
  }

  it.scoped("uses a pre-registered client without registering, with Basic by default", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ registration: false, asExtra: { token_endpoint_auth_methods_supported: ["client_secret_basic"] } })
      const auth = yield* OAuth.make({ client: { clientId: "pre", clientSecret: Redacted.make("pre-secret") } })
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      expect(Mock.to(mocks, "/authorize")[0]!.query.get("client_id")).toBe("pre")
      expect(decodeBasic(Mock.to(mocks, "/token")[0]!.headers.authorization)).toBe("pre:pre-secret")
    }).pipe(Effect.provide(Services)))

  it.scoped("fails with a Registration error when nothing identifies the client", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ registration: false })
      const result = yield* Effect.either(Mock.post(yield* OAuth.make(), mocks.mcpUrl, "tools/list"))
      expect(result._tag === "Left" && result.left.reason).toBe("Registration")
    }).pipe(Effect.provide(Services)))

  it.scoped("uses the client ID metadata document URL when the server supports CIMD, else registers", () =>
    Effect.gen(function*() {
      const clientMetadataUrl = "https://client.example/metadata.json"
      const cimd = yield* Mock.start({ asExtra: { client_id_metadata_document_supported: true } })
      expect(yield* Mock.post(yield* OAuth.make({ clientMetadataUrl }), cimd.mcpUrl, "tools/list")).toBe(200)
      expect(Mock.to(cimd, "/authorize")[0]!.query.get("client_id")).toBe(clientMetadataUrl)
      expect(Mock.to(cimd, "/register")).toHaveLength(0)

      const dcr = yield* Mock.start()
      expect(yield* Mock.post(yield* OAuth.make({ clientMetadataUrl }), dcr.mcpUrl, "tools/list")).toBe(200)
      expect(Mock.to(dcr, "/authorize")[0]!.query.get("client_id")).toBe("dyn-client")
    }).pipe(Effect.provide(Services)))
})

describe("grants without a user", () => {
  it.scoped("client credentials with a secret (Basic), refreshed with the same credentials", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ refreshTokens: true, expiresIn: 60, asExtra: { token_endpoint_auth_methods_supported: ["client_secret_basic"], grant_types_supported: ["client_credentials"] } })
      const auth = yield* OAuth.make({ clientCredentials: { clientId: "m2m", clientSecret: Redacted.make("m2m-secret") } })
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      const [token] = Mock.to(mocks, "/token")
      expect(token!.form.get("grant_type")).toBe("client_credentials")
      expect(token!.form.get("resource")).toBe(mocks.mcpUrl.href)
      expect(decodeBasic(token!.headers.authorization)).toBe("m2m:m2m-secret")
      expect(Mock.to(mocks, "/authorize")).toHaveLength(0)

      yield* TestClock.adjust(Duration.minutes(1))
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      const [, refresh] = Mock.to(mocks, "/token")
      expect(refresh!.form.get("grant_type")).toBe("refresh_token")
      expect(decodeBasic(refresh!.headers.authorization)).toBe("m2m:m2m-secret")
      expect(Mock.to(mocks, "/register")).toHaveLength(0)
    }).pipe(Effect.provide(Services)))

  it.scoped("client credentials with a private-key JWT assertion (ES256), verified by the server", () =>
    Effect.gen(function*() {
      const keys = yield* Effect.promise(() => Jose.generateKeyPair("ES256", { extractable: true }))
      const pem = yield* Effect.promise(() => Jose.exportPKCS8(keys.privateKey))
      const mocks = yield* Mock.start({ assertionKey: keys.publicKey, asExtra: { token_endpoint_auth_methods_supported: ["private_key_jwt"] } })
      const auth = yield* OAuth.make({ clientCredentials: { clientId: "jwt-client", privateKey: Redacted.make(pem), algorithm: "ES256" } })
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      const [token] = Mock.to(mocks, "/token")
      expect(token!.form.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      const claims = Jose.decodeJwt(token!.form.get("client_assertion")!)
      expect([claims.iss, claims.sub, claims.aud]).toEqual(["jwt-client", "jwt-client", mocks.asUrl])
      expect(claims.jti).toBeTypeOf("string")

      const other = yield* Effect.promise(() => Jose.generateKeyPair("ES256", { extractable: true }))
      const wrong = yield* OAuth.make({
        clientCredentials: { clientId: "jwt-client", privateKey: Redacted.make(yield* Effect.promise(() => Jose.exportPKCS8(other.privateKey))), algorithm: "ES256" }
      }).pipe(Effect.provide(TokenStore.layerMemory))
      const refused = yield* Effect.either(Mock.post(wrong, mocks.mcpUrl, "tools/list"))
      expect(refused._tag === "Left" && refused.left.message).toMatch(/401 invalid_client/)
    }).pipe(Effect.provide(Services)))

  it.scoped("cross-app access: an ID token exchanged at the identity provider, then a JWT-bearer grant", () =>
    Effect.gen(function*() {
      const mocks = yield* Mock.start({ asExtra: { token_endpoint_auth_methods_supported: ["client_secret_basic"] } })
      const auth = yield* OAuth.make({
        crossApp: {
          clientId: "xaa",
          clientSecret: Redacted.make("xaa-secret"),
          idp: { tokenEndpoint: `${mocks.asUrl}/idp/token`, idToken: Redacted.make("the-id-token"), clientId: "idp-client" }
        }
      })
      expect(yield* Mock.post(auth, mocks.mcpUrl, "tools/list")).toBe(200)
      const [exchange] = Mock.to(mocks, "/idp/token")
      expect(Object.fromEntries(exchange!.form)).toEqual({
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        requested_token_type: "urn:ietf:params:oauth:token-type:id-jag",
        audience: mocks.asUrl,
        resource: mocks.mcpUrl.href,
        subject_token: "the-id-token",
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
        client_id: "idp-client"
      })
      const [token] = Mock.to(mocks, "/token")
      expect(token!.form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer")
      expect(decodeBasic(token!.headers.authorization)).toBe("xaa:xaa-secret")
    }).pipe(Effect.provide(Services)))
})
