/**
 * How the client authenticates itself at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2):
 * `client_secret_basic`, `client_secret_post`, `private_key_jwt` (an assertion signed with
 * `jose`) or `none` (a public client), and the choice of one from the server's metadata.
 *
 * @since 0.2.0
 */
import { randomUUID } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Jose from "jose"
import { AuthError } from "../AuthProvider.js"
import type { AuthorizationServerMetadata } from "./Metadata.js"

/** A client's credentials at the token endpoint. */
export type Credentials =
  | { readonly method: "none"; readonly clientId: string }
  | { readonly method: "client_secret_basic" | "client_secret_post"; readonly clientId: string; readonly clientSecret: Redacted.Redacted<string> }
  | {
    readonly method: "private_key_jwt"
    readonly clientId: string
    /** PKCS#8 PEM. */
    readonly privateKey: Redacted.Redacted<string>
    /** A JWS algorithm, e.g. `ES256` or `RS256`. */
    readonly algorithm: string
  }

/** RFC 8414 §2: a server that lists no methods supports `client_secret_basic`. */
const supportedMethods = (server: AuthorizationServerMetadata) => server.token_endpoint_auth_methods_supported ?? ["client_secret_basic"]

/**
 * The method for a client holding `secret` (or none): the one it registered with when known,
 * otherwise Basic, then Post, as the server supports them; `none` when it supports neither.
 */
export const select = (
  server: AuthorizationServerMetadata,
  clientId: string,
  secret: Redacted.Redacted<string> | undefined,
  registered?: string
): Credentials => {
  if (secret === undefined || registered === "none") return { method: "none", clientId }
  if (registered === "client_secret_basic" || registered === "client_secret_post") return { method: registered, clientId, clientSecret: secret }
  const supported = supportedMethods(server)
  const method = (["client_secret_basic", "client_secret_post"] as const).find((m) => supported.includes(m))
  return method === undefined ? { method: "none", clientId } : { method, clientId, clientSecret: secret }
}

/** The method to ask for at dynamic registration: `none` when the server takes public clients. */
export const registrationMethod = (server: AuthorizationServerMetadata): string => {
  const supported = supportedMethods(server)
  return supported.includes("none") ? "none" : supported.find((m) => m === "client_secret_basic" || m === "client_secret_post") ?? "client_secret_basic"
}

/** RFC 6749 §2.3.1: both parts are form-encoded before Base64. */
const basic = (clientId: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`

/** A client assertion (RFC 7523 §3) for `audience`, valid for five minutes. */
const assertion = (credentials: Extract<Credentials, { method: "private_key_jwt" }>, audience: string) =>
  Effect.tryPromise({
    try: async () => {
      const key = await Jose.importPKCS8(Redacted.value(credentials.privateKey), credentials.algorithm)
      return await new Jose.SignJWT({})
        .setProtectedHeader({ alg: credentials.algorithm, typ: "JWT" })
        .setIssuer(credentials.clientId)
        .setSubject(credentials.clientId)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("5m")
        .setJti(randomUUID())
        .sign(key)
    },
    catch: (cause) =>
      new AuthError({ reason: "Token", message: `Cannot sign the client assertion: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

/**
 * Adds the client's authentication to a token request: a form field or an `Authorization`
 * header. The assertion's audience is the authorization server's issuer.
 */
export const apply = (
  credentials: Credentials,
  server: AuthorizationServerMetadata,
  form: URLSearchParams
): Effect.Effect<Record<string, string>, AuthError> => {
  switch (credentials.method) {
    case "none":
      form.set("client_id", credentials.clientId)
      return Effect.succeed({})
    case "client_secret_post":
      form.set("client_id", credentials.clientId)
      form.set("client_secret", Redacted.value(credentials.clientSecret))
      return Effect.succeed({})
    case "client_secret_basic":
      return Effect.succeed({ authorization: basic(credentials.clientId, Redacted.value(credentials.clientSecret)) })
    case "private_key_jwt":
      return assertion(credentials, server.issuer).pipe(Effect.map((jwt) => {
        form.set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        form.set("client_assertion", jwt)
        return {}
      }))
  }
}
