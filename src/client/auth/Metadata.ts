/**
 * Discovery of who authorizes an MCP server: its protected-resource metadata (RFC 9728) and
 * the metadata of its authorization server (RFC 8414, OpenID Connect Discovery), in the order
 * of the MCP specification (2025-11-25, "Authorization Server Discovery"). A server of the
 * 2025-03-26 era publishes no resource metadata: its origin is then the authorization server,
 * and when that publishes no metadata either its default endpoints (`/authorize`, `/token`,
 * `/register`) are used.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { AuthError } from "../AuthProvider.js"
import * as Http from "./Http.js"

/** Protected-resource metadata (RFC 9728 §2), the fields the client uses. */
export class ProtectedResourceMetadata extends Schema.Class<ProtectedResourceMetadata>("ProtectedResourceMetadata")({
  resource: Schema.String,
  authorization_servers: Schema.optional(Schema.Array(Schema.String)),
  scopes_supported: Schema.optional(Schema.Array(Schema.String))
}) {}

/** Authorization-server metadata (RFC 8414 §2), the fields the client uses. */
export class AuthorizationServerMetadata extends Schema.Class<AuthorizationServerMetadata>("AuthorizationServerMetadata")({
  issuer: Schema.String,
  authorization_endpoint: Schema.optional(Schema.String),
  token_endpoint: Schema.String,
  registration_endpoint: Schema.optional(Schema.String),
  scopes_supported: Schema.optional(Schema.Array(Schema.String)),
  grant_types_supported: Schema.optional(Schema.Array(Schema.String)),
  code_challenge_methods_supported: Schema.optional(Schema.Array(Schema.String)),
  token_endpoint_auth_methods_supported: Schema.optional(Schema.Array(Schema.String)),
  token_endpoint_auth_signing_alg_values_supported: Schema.optional(Schema.Array(Schema.String)),
  client_id_metadata_document_supported: Schema.optional(Schema.Boolean)
}) {}

/** What discovery found for one MCP server. */
export interface Discovery {
  /** The resource indicator (RFC 8707) to send: the PRM `resource`; absent for a 2025-03-26 server. */
  readonly resource: string | undefined
  /** The scopes the resource metadata lists. */
  readonly resourceScopes: ReadonlyArray<string> | undefined
  readonly server: AuthorizationServerMetadata
}

const withoutTrailingSlash = (path: string) => path.replace(/\/+$/, "")

/** Where to look for the resource metadata of `serverUrl`: the challenge's URL, then path-based, then root. */
export const resourceMetadataUrls = (serverUrl: URL, fromChallenge: string | undefined): ReadonlyArray<URL> => {
  const path = withoutTrailingSlash(serverUrl.pathname)
  const urls = [
    ...(fromChallenge === undefined ? [] : [new URL(fromChallenge, serverUrl)]),
    ...(path === "" ? [] : [new URL(`/.well-known/oauth-protected-resource${path}`, serverUrl)]),
    new URL("/.well-known/oauth-protected-resource", serverUrl)
  ]
  return urls.filter((url, i) => urls.findIndex((other) => other.href === url.href) === i)
}

/** Where to look for the metadata of the authorization server `issuer`, in the specification's order. */
export const authorizationServerMetadataUrls = (issuer: URL): ReadonlyArray<URL> => {
  const path = withoutTrailingSlash(issuer.pathname)
  return path === ""
    ? [new URL("/.well-known/oauth-authorization-server", issuer), new URL("/.well-known/openid-configuration", issuer)]
    : [
      new URL(`/.well-known/oauth-authorization-server${path}`, issuer),
      new URL(`/.well-known/openid-configuration${path}`, issuer),
      new URL(`${path}/.well-known/openid-configuration`, issuer)
    ]
}

/**
 * Whether the resource metadata may speak for `serverUrl`: same origin, and the server's path
 * lies under the resource's path (RFC 9728 §3.3 asks for identity; MCP allows a prefix).
 */
export const resourceMatches = (resource: string, serverUrl: URL): boolean => {
  if (!URL.canParse(resource)) return false
  const url = new URL(resource)
  if (url.origin !== serverUrl.origin) return false
  const prefix = withoutTrailingSlash(url.pathname)
  const path = withoutTrailingSlash(serverUrl.pathname)
  return path === prefix || path.startsWith(`${prefix}/`)
}

/** The first URL that answers 2xx with a valid document; `None` when every one answers 4xx. */
const firstDocument = <A, I>(urls: ReadonlyArray<URL>, schema: Schema.Schema<A, I>): Effect.Effect<Option.Option<A>, AuthError> =>
  Effect.gen(function*() {
    for (const url of urls) {
      const answer = yield* Http.send("Discovery", url, { headers: { accept: "application/json" } })
      if (answer.status >= 400 && answer.status < 500) continue
      return Option.some(yield* Http.decodeJson("Discovery", schema)(answer))
    }
    return Option.none()
  })

/** Fetches the resource metadata of `serverUrl`, checking that it speaks for that server. */
export const protectedResource = (serverUrl: URL, fromChallenge: string | undefined) =>
  firstDocument(resourceMetadataUrls(serverUrl, fromChallenge), ProtectedResourceMetadata).pipe(
    Effect.tap(Option.match({
      onNone: () => Effect.void,
      onSome: (metadata) =>
        resourceMatches(metadata.resource, serverUrl) ? Effect.void : Effect.fail(
          new AuthError({ reason: "Discovery", message: `Protected resource ${metadata.resource} does not match ${serverUrl.origin}${serverUrl.pathname}` })
        )
    }))
  )

/** The 2025-03-26 default endpoints at the server's origin, for a server that publishes no metadata. */
const legacyEndpoints = (origin: URL) =>
  new AuthorizationServerMetadata({
    issuer: origin.origin,
    authorization_endpoint: new URL("/authorize", origin).href,
    token_endpoint: new URL("/token", origin).href,
    registration_endpoint: new URL("/register", origin).href
  })

/** Discovers the resource metadata and the authorization server of `serverUrl`. */
export const discover = (serverUrl: URL, fromChallenge: string | undefined): Effect.Effect<Discovery, AuthError> =>
  Effect.gen(function*() {
    const resource = yield* protectedResource(serverUrl, fromChallenge)
    if (Option.isNone(resource)) {
      const origin = new URL(serverUrl.origin)
      const server = yield* firstDocument(authorizationServerMetadataUrls(origin), AuthorizationServerMetadata)
      yield* Effect.logDebug("OAuth: no protected-resource metadata; 2025-03-26 discovery at the server's origin")
      return { resource: undefined, resourceScopes: undefined, server: Option.getOrElse(server, () => legacyEndpoints(origin)) }
    }
    const issuer = resource.value.authorization_servers?.[0]
    if (issuer === undefined || !URL.canParse(issuer)) {
      return yield* new AuthError({ reason: "Discovery", message: `Protected resource ${resource.value.resource} names no authorization server` })
    }
    const server = yield* firstDocument(authorizationServerMetadataUrls(new URL(issuer)), AuthorizationServerMetadata)
    if (Option.isNone(server)) {
      return yield* new AuthError({ reason: "Discovery", message: `Authorization server ${issuer} publishes no metadata` })
    }
    yield* Effect.logDebug(`OAuth: authorization server ${server.value.issuer} for ${resource.value.resource}`)
    return { resource: resource.value.resource, resourceScopes: resource.value.scopes_supported, server: server.value }
  })
