/**
 * Who the client is at an authorization server, in the order of the MCP specification
 * (2025-11-25, "Client Registration Approaches"): a pre-registered client, else a client ID
 * metadata document (CIMD: the client ID is an HTTPS URL of the client's metadata) when the
 * server supports it, else a registration kept from earlier, else dynamic client registration
 * (RFC 7591).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { AuthError } from "../AuthProvider.js"
import * as ClientAuth from "./ClientAuth.js"
import * as Http from "./Http.js"
import type { AuthorizationServerMetadata } from "./Metadata.js"
import { Registration } from "./TokenStore.js"

/** A client registered with the authorization server beforehand. */
export interface PreRegistered {
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string>
  /** The token-endpoint method it was registered with; chosen from the metadata otherwise. */
  readonly method?: "none" | "client_secret_basic" | "client_secret_post"
}

/** How the client introduces itself. */
export interface ClientOptions {
  readonly clientName: string
  readonly redirectUri: string
  readonly preRegistered: PreRegistered | undefined
  /** The HTTPS URL of the client's metadata document, used as its client ID where supported. */
  readonly clientMetadataUrl: string | undefined
  /** Grant types to register; `refresh_token` lets the server issue refresh tokens. */
  readonly grantTypes: ReadonlyArray<string>
}

/** The client's credentials, and the new registration to keep when one was made. */
export interface Resolved {
  readonly credentials: ClientAuth.Credentials
  readonly registration: Registration | undefined
}

const RegistrationResponse = Schema.Struct({
  client_id: Schema.String,
  client_secret: Schema.optional(Schema.String),
  token_endpoint_auth_method: Schema.optional(Schema.String)
})

/** Registers the client dynamically (RFC 7591 §3). */
export const register = (server: AuthorizationServerMetadata, options: ClientOptions, scope: string | undefined) =>
  Effect.gen(function*() {
    if (server.registration_endpoint === undefined) {
      return yield* new AuthError({ reason: "Registration", message: `${server.issuer} offers no registration and no client is configured` })
    }
    const body = {
      client_name: options.clientName,
      redirect_uris: [options.redirectUri],
      grant_types: options.grantTypes,
      response_types: ["code"],
      token_endpoint_auth_method: ClientAuth.registrationMethod(server),
      ...(scope === undefined ? {} : { scope })
    }
    const answer = yield* Http.send("Registration", new URL(server.registration_endpoint), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body)
    })
    const response = yield* Http.decodeJson("Registration", RegistrationResponse)(answer)
    yield* Effect.logDebug(`OAuth: registered client ${response.client_id} at ${server.issuer}`)
    return new Registration({
      issuer: server.issuer,
      clientId: response.client_id,
      ...(response.client_secret === undefined ? {} : { clientSecret: Redacted.make(response.client_secret) }),
      ...(response.token_endpoint_auth_method === undefined ? {} : { method: response.token_endpoint_auth_method })
    })
  })

/** The client's credentials at `server`, registering it when nothing else identifies it. */
export const resolve = (
  server: AuthorizationServerMetadata,
  options: ClientOptions,
  kept: Registration | undefined,
  scope: string | undefined
): Effect.Effect<Resolved, AuthError> => {
  const pre = options.preRegistered
  if (pre !== undefined) {
    return Effect.succeed({ credentials: ClientAuth.select(server, pre.clientId, pre.clientSecret, pre.method), registration: undefined })
  }
  if (options.clientMetadataUrl !== undefined && server.client_id_metadata_document_supported === true) {
    return Effect.succeed({ credentials: { method: "none", clientId: options.clientMetadataUrl }, registration: undefined })
  }
  if (kept !== undefined && kept.issuer === server.issuer) {
    return Effect.succeed({ credentials: ClientAuth.select(server, kept.clientId, kept.clientSecret, kept.method), registration: undefined })
  }
  return register(server, options, scope).pipe(Effect.map((registration) => ({
    credentials: ClientAuth.select(server, registration.clientId, registration.clientSecret, registration.method),
    registration
  })))
}
