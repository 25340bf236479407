/**
 * A loopback MCP resource server and its OAuth authorization server (two origins, like the
 * conformance mocks), configurable per test, recording every request they receive.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import * as Jose from "jose"
import type { AuthProvider } from "../../../src/client/AuthProvider.js"
import { challengeOf } from "../../../src/client/auth/Pkce.js"

/** One request a mock received. */
export interface Recorded {
  readonly server: "rs" | "as"
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingMessage["headers"]
  readonly body: string
  readonly form: URLSearchParams
}

export interface MockConfig {
  /** Where the PRM is served (`undefined`: nowhere, a 2025-03-26 server). Default path-based. */
  readonly prmPath?: string | undefined
  /** Whether the 401 names the PRM. Default true. */
  readonly prmInHeader?: boolean
  /** The PRM `resource`; default the MCP URL. */
  readonly prmResource?: (rs: string) => string
  readonly prmScopes?: ReadonlyArray<string>
  /** The issuer's path. Default "". */
  readonly issuerPath?: string
  /** Where the AS metadata is served, on the AS origin. Default RFC 8414 for the issuer. */
  readonly asMetadataPath?: (issuerPath: string) => string
  /** 2025-03-26: AS metadata at the RS origin (`"metadata"`) or nothing (`"defaults"`). */
  readonly legacy?: "metadata" | "defaults"
  readonly asExtra?: Record<string, unknown>
  readonly registration?: boolean
  readonly dcrResponse?: Record<string, unknown>
  /** The `scope` of the 401 challenge. */
  readonly challengeScope?: string
  /** The scopes an MCP method needs (`undefined`: no token needed). Default: a token, no scope. */
  readonly needs?: (method: string) => ReadonlyArray<string> | undefined
  readonly refreshTokens?: boolean
  /** The AS grants only these of the requested scopes. */
  readonly grantOnly?: ReadonlyArray<string>
  readonly expiresIn?: number
  /** Answer /authorize with this `state` instead of the request's. */
  readonly forgeState?: string
  /** Answer /authorize with `error=access_denied`. */
  readonly deny?: boolean
  /** Key that verifies client assertions. */
  readonly assertionKey?: Jose.CryptoKey
}

export interface Mocks {
  readonly mcpUrl: URL
  readonly asUrl: string
  readonly requests: Array<Recorded>
  /** Access and refresh tokens issued, client secrets and codes: everything that must stay out of logs. */
  readonly secrets: Array<string>
  readonly revoke: () => void
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

const listen = (server: Server) =>
  Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
    }),
    () => Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
  )

/** Starts both mocks in the test's scope. */
export const start = (config: MockConfig = {}) =>
  Effect.gen(function*() {
    const requests: Array<Recorded> = []
    const secrets: Array<string> = []
    const tokens = new Map<string, ReadonlyArray<string>>()
    const refreshTokens = new Map<string, ReadonlyArray<string>>()
    const codes = new Map<string, { challenge: string; scope: string; redirectUri: string }>()
    let counter = 0
    const fresh = (prefix: string) => {
      const value = `${prefix}-${++counter}-${Math.random().toString(36).slice(2)}`
      secrets.push(value)
      return value
    }
    const urls = { rs: "", as: "" }

    const record = async (server: "rs" | "as", req: IncomingMessage) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const body = await readBody(req)
      const entry: Recorded = {
        server,
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        form: new URLSearchParams(req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded") ? body : "")
      }
      requests.push(entry)
      return entry
    }

    const issuerPath = config.issuerPath ?? ""
    const asMetadata = () => {
      const base = config.legacy === "metadata" ? `${urls.rs}/oauth` : `${urls.as}${issuerPath}`
      return {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        ...(config.registration === false ? {} : { registration_endpoint: `${base}/register` }),
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["none"],
        ...config.asExtra
      }
    }

    const prmPath = "prmPath" in config ? config.prmPath : "/.well-known/oauth-protected-resource/mcp"
    const challengeHeader = (error: string, scope: string | undefined) =>
      [
        `Bearer error="${error}"`,
        ...(scope === undefined ? [] : [`scope="${scope}"`]),
        ...(prmPath !== undefined && config.prmInHeader !== false ? [`resource_metadata="${urls.rs}${prmPath}"`] : [])
      ].join(", ")

    const oauthEndpoints = async (req: IncomingMessage, res: ServerResponse, entry: Recorded, base: string) => {
      if (entry.path === `${base}/authorize`) {
        const q = entry.query
        const code = fresh("code")
        codes.set(code, { challenge: q.get("code_challenge") ?? "", scope: q.get("scope") ?? "", redirectUri: q.get("redirect_uri") ?? "" })
        const back = new URL(q.get("redirect_uri") ?? "http://invalid/")
        if (config.deny) back.searchParams.set("error", "access_denied")
        else back.searchParams.set("code", code)
        const state = config.forgeState ?? q.get("state")
        if (state !== null) back.searchParams.set("state", state)
        res.writeHead(302, { location: back.href })
        return res.end()
      }
      if (entry.path === `${base}/register` && req.method === "POST" && config.registration !== false) {
        const response = config.dcrResponse ?? { client_id: "dyn-client", client_secret: "dyn-secret" }
        if (typeof response.client_secret === "string") secrets.push(response.client_secret)
        return json(res, 201, response)
      }
      if (entry.path === `${base}/token` && req.method === "POST") {
        const form = entry.form
        let scopes: ReadonlyArray<string> = (form.get("scope") ?? "").split(" ").filter((s) => s !== "")
        const grant = form.get("grant_type")
        if (grant === "authorization_code") {
          const code = codes.get(form.get("code") ?? "")
          if (code === undefined || challengeOf(form.get("code_verifier") ?? "") !== code.challenge || code.redirectUri !== form.get("redirect_uri")) {
            return json(res, 400, { error: "invalid_grant" })
          }
          codes.delete(form.get("code") ?? "")
          scopes = code.scope.split(" ").filter((s) => s !== "" && (config.grantOnly?.includes(s) ?? true))
        } else if (grant === "refresh_token") {
          const known = refreshTokens.get(form.get("refresh_token") ?? "")
          if (known === undefined) return json(res, 400, { error: "invalid_grant", error_description: "unknown refresh token" })
          scopes = known
        } else if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
          if (form.get("assertion") !== "id-jag-assertion") return json(res, 400, { error: "invalid_grant" })
        } else if (grant !== "client_credentials") {
          return json(res, 400, { error: "unsupported_grant_type" })
        }
        if (form.get("client_assertion") !== null) {
          if (config.assertionKey === undefined) return json(res, 401, { error: "invalid_client" })
          const verified = await succeeds(Jose.jwtVerify(form.get("client_assertion")!, config.assertionKey, { audience: `${urls.as}${issuerPath}` }))
          if (!verified) return json(res, 401, { error: "invalid_client" })
        }
        const access = fresh("access")
        tokens.set(access, scopes)
        const refresh = config.refreshTokens ? fresh("refresh") : undefined
        if (refresh !== undefined) refreshTokens.set(refresh, scopes)
        return json(res, 200, {
          access_token: access,
          token_type: "Bearer",
          expires_in: config.expiresIn ?? 3600,
          ...(refresh === undefined ? {} : { refresh_token: refresh }),
          ...(scopes.length === 0 ? {} : { scope: scopes.join(" ") })
        })
      }
      if (entry.path === "/idp/token" && req.method === "POST") {
        return json(res, 200, { access_token: "id-jag-assertion", issued_token_type: "urn:ietf:params:oauth:token-type:id-jag", token_type: "N_A" })
      }
      return json(res, 404, { error: "not_found" })
    }

    const rs = createServer((req, res) => {
      void record("rs", req).then(async (entry) => {
        if (req.method === "GET" && prmPath !== undefined && entry.path === prmPath) {
          return json(res, 200, {
            resource: config.prmResource?.(urls.rs) ?? (prmPath === "/.well-known/oauth-protected-resource" ? urls.rs : `${urls.rs}/mcp`),
            authorization_servers: [`${urls.as}${issuerPath}`],
            ...(config.prmScopes === undefined ? {} : { scopes_supported: config.prmScopes })
          })
        }
        if (req.method === "GET" && config.legacy === "metadata" && entry.path === "/.well-known/oauth-authorization-server") {
          return json(res, 200, asMetadata())
        }
        if (config.legacy !== undefined && entry.path !== "/mcp") return oauthEndpoints(req, res, entry, config.legacy === "metadata" ? "/oauth" : "")
        if (entry.path !== "/mcp" || req.method !== "POST") return json(res, 404, { error: "not_found" })
        const message = JSON.parse(entry.body) as { id?: number; method: string }
        const needs = config.needs === undefined ? [] : config.needs(message.method)
        if (needs !== undefined) {
          const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]
          const granted = bearer === undefined ? undefined : tokens.get(bearer)
          if (granted === undefined) {
            return json(res, 401, { error: "invalid_token" }, { "www-authenticate": challengeHeader("invalid_token", config.challengeScope) })
          }
          if (!needs.every((scope) => granted.includes(scope))) {
            return json(res, 403, { error: "insufficient_scope" }, { "www-authenticate": challengeHeader("insufficient_scope", needs.join(" ")) })
          }
        }
        return json(res, 200, { jsonrpc: "2.0", id: message.id ?? null, result: { method: message.method } })
      })
    })
    const as = createServer((req, res) => {
      void record("as", req).then((entry) => {
        const metadataPath = config.asMetadataPath?.(issuerPath) ?? `/.well-known/oauth-authorization-server${issuerPath}`
        if (req.method === "GET" && config.legacy === undefined && entry.path === metadataPath) return json(res, 200, asMetadata())
        return oauthEndpoints(req, res, entry, issuerPath)
      })
    })
    urls.rs = `http://127.0.0.1:${yield* listen(rs)}`
    urls.as = `http://127.0.0.1:${yield* listen(as)}`
    return {
      mcpUrl: new URL(`${urls.rs}/mcp`),
      asUrl: urls.as,
      requests,
      secrets,
      revoke: () => tokens.clear()
    } satisfies Mocks
  })

const succeeds = <A>(promise: Promise<A>) => promise.then(() => true, () => false)

/**
 * One MCP request as the HTTP transport sends it under the `AuthProvider` contract: headers
 * first; on 401 (or 403 `insufficient_scope`) the challenge, then one retry. The final status.
 */
export const post = (auth: AuthProvider, url: URL, method: string) => {
  const once = Effect.gen(function*() {
    const headers = yield* auth.headers(url)
    return yield* Effect.promise(async () => {
      const response = await fetch(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method })
      })
      await response.text()
      return response
    })
  })
  return Effect.gen(function*() {
    const first = yield* once
    const wwwAuthenticate = first.headers.get("www-authenticate") ?? undefined
    if (first.status !== 401 && !(first.status === 403 && /insufficient_scope/.test(wwwAuthenticate ?? ""))) return first.status
    yield* auth.challenge({ url, status: first.status, wwwAuthenticate })
    return (yield* once).status
  })
}

/** The requests of one server to one path. */
export const to = (mocks: Mocks, path: string) => mocks.requests.filter((r) => r.path === path)
