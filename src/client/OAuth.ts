/**
 * The OAuth 2.1 client of the MCP authorization specification, as an `AuthProvider` for the
 * HTTP client transport. On a 401 it discovers the server's protected-resource metadata and
 * authorization server, identifies the client (pre-registered, client ID metadata document or
 * dynamic registration), runs the authorization-code flow with PKCE S256 and the resource
 * indicator (or the client-credentials or cross-app grant), and stores the tokens. On a 403
 * `insufficient_scope` it asks for the challenged scopes (step-up), a bounded number of times.
 * Expired tokens are refreshed before use. Tokens and secrets are `Redacted`: they never reach
 * logs or error messages.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function*() {
 *   const auth = yield* OAuth.make({ clientName: "my-app", redirectUri: "http://127.0.0.1:8765/callback" })
 *   // McpClient.layerHttp({ url, auth })
 * }).pipe(Effect.provide([TokenStore.layerMemory, AuthorizationRedirect.layerHeadless]))
 * ```
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthProvider, Challenge } from "./AuthProvider.js"
import { AuthError } from "./AuthProvider.js"
import { AuthorizationRedirect } from "./auth/AuthorizationRedirect.js"
import * as ClientAuth from "./auth/ClientAuth.js"
import * as CrossApp from "./auth/CrossApp.js"
import * as Metadata from "./auth/Metadata.js"
import * as Pkce from "./auth/Pkce.js"
import * as Registration from "./auth/Registration.js"
import * as Scopes from "./auth/Scopes.js"
import * as TokenEndpoint from "./auth/TokenEndpoint.js"
import { Entry, TokenStore, type Tokens } from "./auth/TokenStore.js"
import * as WwwAuthenticate from "./auth/WwwAuthenticate.js"

/** Client credentials (OAuth 2.1 §4.2, SEP-1046): a secret, or a private key signing a JWT assertion. */
export type ClientCredentials =
  | { readonly clientId: string; readonly clientSecret: Redacted.Redacted<string> }
  | { readonly clientId: string; readonly privateKey: Redacted.Redacted<string>; readonly algorithm: string }

/** Options of the OAuth client. Without a grant option it runs the authorization-code flow. */
export interface Options {
  /** `client_name` at dynamic registration. Default `machine-context`. */
  readonly clientName?: string
  /** Where the authorization server sends the user back. Default `http://localhost:3000/callback`. */
  readonly redirectUri?: string
  /** A client registered beforehand; preferred to any other registration. */
  readonly client?: Registration.PreRegistered
  /** The HTTPS URL of the client's metadata document, used as client ID where the server supports it. */
  readonly clientMetadataUrl?: string
  /** Use the client-credentials grant (machine to machine) instead of authorization. */
  readonly clientCredentials?: ClientCredentials
  /** Use cross-app access (SEP-990) instead of authorization. */
  readonly crossApp?: CrossApp.Options
  /** Scopes to ask for when neither the challenge nor the resource metadata names any. */
  readonly scope?: string
  /** Ask for `offline_access` when the authorization server offers it. Default true. */
  readonly offlineAccess?: boolean
  /** Authorizations for the same scopes after a 403 `insufficient_scope`. Default 2. */
  readonly maxStepUps?: number
  /** Refresh a token this long before it expires, in milliseconds. Default 30,000. */
  readonly refreshSkew?: number
}

const keyOf = (url: URL) => `${url.origin}${url.pathname}`

/** An entry of the store from its parts. */
const entryOf = (tokens: Tokens | undefined, registration: Entry["registration"]) =>
  new Entry({ ...(tokens === undefined ? {} : { tokens }), ...(registration === undefined ? {} : { registration }) })

/** Builds the OAuth client of one MCP server (or several: state is kept per server URL). */
export const make = (options: Options = {}): Effect.Effect<AuthProvider, never, TokenStore | AuthorizationRedirect> =>
  Effect.gen(function*() {
    const store = yield* TokenStore
    const redirect = yield* AuthorizationRedirect
    const lock = yield* Effect.makeSemaphore(1)
    const discoveries = new Map<string, Metadata.Discovery>()
    /** Step-up authorizations per server URL and scope set. */
    const stepUps = new Map<string, number>()
    const redirectUri = options.redirectUri ?? "http://localhost:3000/callback"
    const clientOptions: Registration.ClientOptions = {
      clientName: options.clientName ?? "machine-context",
      redirectUri,
      preRegistered: options.client,
      clientMetadataUrl: options.clientMetadataUrl,
      grantTypes: ["authorization_code", "refresh_token"]
    }

    const discover = (url: URL, fromChallenge: string | undefined) =>
      Metadata.discover(url, fromChallenge).pipe(Effect.tap((discovery) => discoveries.set(keyOf(url), discovery)))

    const cachedDiscovery = (url: URL) => {
      const known = discoveries.get(keyOf(url))
      return known === undefined ? discover(url, undefined) : Effect.succeed(known)
    }

    const stored = (url: URL) => store.get(keyOf(url)).pipe(Effect.map(Option.getOrElse(() => new Entry({}))))

    const grantCredentials = (server: Metadata.AuthorizationServerMetadata, credentials: ClientCredentials): ClientAuth.Credentials =>
      "privateKey" in credentials
        ? { method: "private_key_jwt", clientId: credentials.clientId, privateKey: credentials.privateKey, algorithm: credentials.algorithm }
        : ClientAuth.select(server, credentials.clientId, credentials.clientSecret)

    /** The client that obtained (or obtains) tokens: the grant's own credentials, else the registered client. */
    const clientFor = (server: Metadata.AuthorizationServerMetadata, entry: Entry, scope: string | undefined): Effect.Effect<Registration.Resolved, AuthError> => {
      if (options.clientCredentials !== undefined) {
        return Effect.succeed({ credentials: grantCredentials(server, options.clientCredentials), registration: undefined })
      }
      if (options.crossApp !== undefined) {
        return Effect.succeed({ credentials: ClientAuth.select(server, options.crossApp.clientId, options.crossApp.clientSecret), registration: undefined })
      }
      return Registration.resolve(server, clientOptions, entry.registration, scope)
    }

    /** The authorization-code flow with PKCE S256, `state` and the resource indicator. */
    const authorizationCode = (discovery: Metadata.Discovery, entry: Entry, scope: string | undefined) =>
      Effect.gen(function*() {
        const server = discovery.server
        const methods = server.code_challenge_methods_supported
        if (server.authorization_endpoint === undefined || (methods !== undefined && !methods.includes("S256"))) {
          return yield* new AuthError({ reason: "Authorization", message: `${server.issuer} offers no authorization endpoint with PKCE S256` })
        }
        const client = yield* Registration.resolve(server, clientOptions, entry.registration, scope)
        const pkce = yield* Pkce.make
        const state = yield* Pkce.state
        const authorizationUrl = new URL(server.authorization_endpoint)
        const params = {
          response_type: "code",
          client_id: client.credentials.clientId,
          redirect_uri: redirectUri,
          code_challenge: pkce.challenge,
          code_challenge_method: "S256",
          state,
          scope,
          resource: discovery.resource
        }
        for (const [name, value] of Object.entries(params)) if (value !== undefined) authorizationUrl.searchParams.set(name, value)
        yield* Effect.logDebug(`OAuth: authorizing at ${server.issuer}${scope === undefined ? "" : ` for scope "${scope}"`}`)
        const back = (yield* redirect.authorize(authorizationUrl)).searchParams
        const error = back.get("error")
        if (error !== null) {
          return yield* new AuthError({ reason: "Authorization", message: `Authorization refused: ${error} ${back.get("error_description") ?? ""}`.trim() })
        }
        if (back.get("state") !== state) {
          return yield* new AuthError({ reason: "Authorization", message: "The redirect's state does not match the request's" })
        }
        const code = back.get("code")
        if (code === null) return yield* new AuthError({ reason: "Authorization", message: "The redirect carries no code" })
        const tokens = yield* TokenEndpoint.request(
          server,
          client.credentials,
          { grant_type: "authorization_code", code, code_verifier: pkce.verifier, redirect_uri: redirectUri, resource: discovery.resource },
          { requestedScope: scope }
        )
        return entryOf(tokens, client.registration ?? entry.registration)
      })

    /** New tokens through the configured grant. */
    const obtain = (discovery: Metadata.Discovery, entry: Entry, scope: string | undefined): Effect.Effect<Entry, AuthError> => {
      const server = discovery.server
      if (options.clientCredentials !== undefined) {
        return TokenEndpoint.request(
          server,
          grantCredentials(server, options.clientCredentials),
          { grant_type: "client_credentials", scope, resource: discovery.resource },
          { requestedScope: scope }
        ).pipe(Effect.map((tokens) => entryOf(tokens, entry.registration)))
      }
      if (options.crossApp !== undefined) {
        return CrossApp.obtain(discovery, options.crossApp, scope).pipe(Effect.map((tokens) => entryOf(tokens, entry.registration)))
      }
      return authorizationCode(discovery, entry, scope)
    }

    /** Refreshes `tokens` (RFC 6749 §6) with the client that obtained them. */
    const refresh = (url: URL, entry: Entry, tokens: Tokens & { refreshToken: Redacted.Redacted<string> }) =>
      Effect.gen(function*() {
        const discovery = yield* cachedDiscovery(url)
        const client = yield* clientFor(discovery.server, entry, tokens.scope)
        const fresh = yield* TokenEndpoint.request(
          discovery.server,
          client.credentials,
          { grant_type: "refresh_token", refresh_token: Redacted.value(tokens.refreshToken), resource: discovery.resource },
          { previous: tokens, requestedScope: tokens.scope }
        )
        yield* Effect.logDebug("OAuth: token refreshed")
        return entryOf(fresh, client.registration ?? entry.registration)
      })

    const refreshable = (tokens: Tokens | undefined): tokens is Tokens & { refreshToken: Redacted.Redacted<string> } =>
      tokens?.refreshToken !== undefined

    /** A refreshed entry, or the entry without tokens when refreshing fails. */
    const refreshOrDrop = (url: URL, entry: Entry) =>
      refreshable(entry.tokens)
        ? refresh(url, entry, entry.tokens).pipe(Effect.catchAll((error) =>
          Effect.logDebug(`OAuth: refresh failed (${error.message})`).pipe(Effect.as(entryOf(undefined, entry.registration)))))
        : Effect.succeed(entryOf(undefined, entry.registration))

    const headers = Effect.fn("OAuth.headers")((url: URL) =>
      lock.withPermits(1)(Effect.gen(function*() {
        let entry = yield* stored(url)
        const now = yield* Clock.currentTimeMillis
        const expiresAt = entry.tokens?.expiresAt
        if (expiresAt !== undefined && now >= expiresAt - (options.refreshSkew ?? 30_000)) {
          entry = yield* refreshOrDrop(url, entry)
          yield* store.set(keyOf(url), entry)
        }
        return entry.tokens === undefined ? {} : { authorization: `Bearer ${Redacted.value(entry.tokens.accessToken)}` }
      })))

    /** A 403 `insufficient_scope`: authorize again for the union of the granted and the challenged scopes. */
    const stepUp = (url: URL, discovery: Metadata.Discovery, entry: Entry, challenged: string | undefined) =>
      Effect.gen(function*() {
        const granted = entry.tokens?.scope
        if (challenged === undefined || Scopes.covers(granted, challenged)) {
          return yield* new AuthError({
            reason: "InsufficientScope",
            message: `The server refuses the granted scopes "${granted ?? ""}" and asks for nothing more ("${challenged ?? ""}")`
          })
        }
        const wanted = Scopes.union(granted, challenged)!
        const attemptKey = `${keyOf(url)} ${wanted}`
        const attempts = stepUps.get(attemptKey) ?? 0
        if (attempts >= (options.maxStepUps ?? 2)) {
          return yield* new AuthError({ reason: "RetryLimit", message: `Gave up asking for scope "${wanted}" after ${attempts} authorizations` })
        }
        stepUps.set(attemptKey, attempts + 1)
        yield* Effect.logDebug(`OAuth: step-up to scope "${wanted}"`)
        return yield* obtain(discovery, entry, wanted)
      })

    const challenge = Effect.fn("OAuth.challenge")((challenge: Challenge) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const bearer = WwwAuthenticate.parse(challenge.wwwAuthenticate)
        const discovery = yield* discover(challenge.url, bearer.resourceMetadata)
        const entry = yield* stored(challenge.url)
        let next: Entry
        if (challenge.status === 403) {
          next = yield* stepUp(challenge.url, discovery, entry, bearer.scope)
        } else {
          const refreshed = yield* refreshOrDrop(challenge.url, entry)
          next = refreshed.tokens !== undefined
            ? refreshed
            : yield* obtain(discovery, refreshed, Scopes.select(discovery, bearer.scope, options.scope, options.offlineAccess ?? true))
        }
        yield* store.set(keyOf(challenge.url), next)
      })))

    return { headers, challenge }
  })
