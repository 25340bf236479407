/**
 * How the HTTP transport of the client authorizes its requests. The OAuth 2.1 client
 * (`OAuth.make`) is one; a fixed bearer token or an API key is another. The transport asks
 * for headers before each request; when the MCP endpoint answers 401 (or 403 with
 * `error="insufficient_scope"`), it hands the challenge over and retries the request once
 * with fresh headers.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** A 401/403 answer of the MCP endpoint, as the transport saw it. */
export interface Challenge {
  /** The MCP endpoint that answered. */
  readonly url: URL
  /** 401, or 403 for an insufficient scope. */
  readonly status: number
  /** The `WWW-Authenticate` header of the answer, when it had one. */
  readonly wwwAuthenticate: string | undefined
}

/** Authorization could not be obtained or refreshed. `reason` says which step failed. */
export class AuthError extends Schema.TaggedError<AuthError>()("AuthError", {
  reason: Schema.Literal(
    "Discovery",
    "Registration",
    "Authorization",
    "Token",
    "InsufficientScope",
    "RetryLimit",
    "Storage"
  ),
  message: Schema.String
}) {}

/** Authorizes the requests of an HTTP client transport. */
export interface AuthProvider {
  /**
   * Headers for the next request to `url` (typically `Authorization: Bearer …`). Refreshes an
   * expired token first when it can. Empty when no token is held yet.
   */
  readonly headers: (url: URL) => Effect.Effect<Readonly<Record<string, string>>, AuthError>
  /**
   * Handles a 401 (or a 403 `insufficient_scope`) of the MCP endpoint: discovery, registration,
   * authorization or step-up of scopes, then stores the new token. Fails when no token can be
   * obtained; the transport then reports the request as failed.
   */
  readonly challenge: (challenge: Challenge) => Effect.Effect<void, AuthError>
}
