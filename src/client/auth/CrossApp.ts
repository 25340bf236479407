/**
 * Cross-app access (SEP-990, "Enterprise-Managed Authorization"): the client exchanges an ID
 * token of the enterprise identity provider for an identity assertion authorization grant
 * (ID-JAG, RFC 8693 token exchange), then presents that grant to the MCP server's
 * authorization server (RFC 7523 JWT bearer), with no user interaction.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { AuthError } from "../AuthProvider.js"
import * as ClientAuth from "./ClientAuth.js"
import * as Http from "./Http.js"
import type { Discovery } from "./Metadata.js"
import * as TokenEndpoint from "./TokenEndpoint.js"
import type { Tokens } from "./TokenStore.js"

/** The client's identities at the identity provider and at the MCP server's authorization server. */
export interface Options {
  /** The client at the MCP server's authorization server (authenticated with `client_secret_basic`/`post`). */
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly idp: {
    readonly tokenEndpoint: string
    /** The user's ID token, issued by the identity provider. */
    readonly idToken: Redacted.Redacted<string>
    /** The client at the identity provider. */
    readonly clientId?: string
  }
}

const idJag = "urn:ietf:params:oauth:token-type:id-jag"

const ExchangeResponse = Schema.Struct({ access_token: Schema.String, issued_token_type: Schema.Literal(idJag) })

/** Obtains tokens for the MCP server through the identity provider. */
export const obtain = (discovery: Discovery, options: Options, scope: string | undefined): Effect.Effect<Tokens, AuthError> =>
  Effect.gen(function*() {
    const server = discovery.server
    const form = new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      requested_token_type: idJag,
      audience: server.issuer,
      subject_token: Redacted.value(options.idp.idToken),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token"
    })
    if (discovery.resource !== undefined) form.set("resource", discovery.resource)
    if (scope !== undefined) form.set("scope", scope)
    if (options.idp.clientId !== undefined) form.set("client_id", options.idp.clientId)
    const answer = yield* Http.postForm("Token", new URL(options.idp.tokenEndpoint), form)
    const grant = yield* Http.decodeJson("Token", ExchangeResponse)(answer)
    yield* Effect.logDebug(`OAuth: identity assertion grant obtained for ${server.issuer}`)
    return yield* TokenEndpoint.request(
      server,
      ClientAuth.select(server, options.clientId, options.clientSecret),
      { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: grant.access_token, scope, resource: discovery.resource },
      { requestedScope: scope }
    )
  })
