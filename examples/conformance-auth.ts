/**
 * The OAuth side of the conformance fixture client: for an `auth/*` scenario, the
 * `AuthProvider` its HTTP transport uses, configured from `MCP_CONFORMANCE_CONTEXT` (client
 * credentials, pre-registered clients, cross-app access; `../shared/conformance/FIXTURES.md`
 * §11.7). Every other auth scenario runs the authorization-code flow with the headless
 * redirect, offering the suite's client ID metadata document URL for servers that support CIMD.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { AuthProvider } from "../src/client/AuthProvider.js"
import * as AuthorizationRedirect from "../src/client/auth/AuthorizationRedirect.js"
import * as TokenStore from "../src/client/auth/TokenStore.js"
import * as OAuth from "../src/client/OAuth.js"

/** The client ID metadata document URL the suite expects (never fetched). */
const clientMetadataUrl = "https://conformance-test.local/client-metadata.json"

const Secret = Schema.Redacted(Schema.String)

/** `MCP_CONFORMANCE_CONTEXT` of the scenarios that carry one. */
const Context = Schema.parseJson(Schema.Union(
  Schema.Struct({ name: Schema.String, client_id: Schema.String, private_key_pem: Secret, signing_algorithm: Schema.String }),
  Schema.Struct({
    name: Schema.String,
    client_id: Schema.String,
    client_secret: Secret,
    idp_client_id: Schema.String,
    idp_id_token: Secret,
    idp_token_endpoint: Schema.String
  }),
  Schema.Struct({ name: Schema.String, client_id: Schema.String, client_secret: Secret })
))

/** The OAuth options of `scenario`, given its context. */
export const options = (scenario: string, context: string | undefined): Effect.Effect<OAuth.Options, Error> =>
  Effect.gen(function*() {
    if (context === undefined) return { clientMetadataUrl }
    const decoded = yield* Schema.decode(Context)(context).pipe(Effect.mapError((error) => new Error(`MCP_CONFORMANCE_CONTEXT: ${error.message}`)))
    if ("private_key_pem" in decoded) {
      return { clientCredentials: { clientId: decoded.client_id, privateKey: decoded.private_key_pem, algorithm: decoded.signing_algorithm } }
    }
    if ("idp_id_token" in decoded) {
      return {
        crossApp: {
          clientId: decoded.client_id,
          clientSecret: decoded.client_secret,
          idp: { tokenEndpoint: decoded.idp_token_endpoint, idToken: decoded.idp_id_token, clientId: decoded.idp_client_id }
        }
      }
    }
    return scenario === "auth/pre-registration"
      ? { client: { clientId: decoded.client_id, clientSecret: decoded.client_secret } }
      : { clientCredentials: { clientId: decoded.client_id, clientSecret: decoded.client_secret } }
  })

/** The auth provider of an `auth/*` scenario: memory token store, headless redirect. */
export const provider = (scenario: string, context: string | undefined): Effect.Effect<AuthProvider, Error> =>
  options(scenario, context).pipe(
    Effect.flatMap(OAuth.make),
    Effect.provide(Layer.merge(TokenStore.layerMemory, AuthorizationRedirect.layerHeadless))
  )

/** The auth scenarios of the suite (0.1.16): every one connects, lists the tools and calls `test-tool`. */
export const scenarios = [
  "auth/metadata-default",
  "auth/metadata-var1",
  "auth/metadata-var2",
  "auth/metadata-var3",
  "auth/basic-cimd",
  "auth/scope-from-www-authenticate",
  "auth/scope-from-scopes-supported",
  "auth/scope-omitted-when-undefined",
  "auth/scope-step-up",
  "auth/scope-retry-limit",
  "auth/token-endpoint-auth-basic",
  "auth/token-endpoint-auth-post",
  "auth/token-endpoint-auth-none",
  "auth/pre-registration",
  "auth/2025-03-26-oauth-metadata-backcompat",
  "auth/2025-03-26-oauth-endpoint-fallback",
  "auth/resource-mismatch",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
  "auth/client-credentials-jwt",
  "auth/client-credentials-basic",
  "auth/cross-app-access-complete-flow"
] as const
