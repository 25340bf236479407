/**
 * Requests to the token endpoint (RFC 6749 §3.2): the authorization-code, refresh-token,
 * client-credentials and JWT-bearer grants, authenticated as the client's credentials say.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { AuthError } from "../AuthProvider.js"
import * as ClientAuth from "./ClientAuth.js"
import * as Http from "./Http.js"
import type { AuthorizationServerMetadata } from "./Metadata.js"
import { Tokens } from "./TokenStore.js"

/** A successful token response (RFC 6749 §5.1). */
export const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.String,
  expires_in: Schema.optional(Schema.Number),
  refresh_token: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
})

/** What the client asked for before: the scope it requested and the tokens it held. */
export interface Context {
  readonly requestedScope?: string | undefined
  readonly previous?: Tokens | undefined
}

/**
 * Sends `grant` (its form fields; empty ones are left out) to the token endpoint and returns
 * the tokens. A response without `scope` granted the requested scope (RFC 6749 §5.1); one
 * without `refresh_token` keeps the previous one (§6).
 */
export const request = (
  server: AuthorizationServerMetadata,
  credentials: ClientAuth.Credentials,
  grant: Readonly<Record<string, string | undefined>>,
  { previous, requestedScope }: Context = {}
): Effect.Effect<Tokens, AuthError> =>
  Effect.gen(function*() {
    const form = new URLSearchParams()
    for (const [name, value] of Object.entries(grant)) if (value !== undefined && value !== "") form.set(name, value)
    const headers = yield* ClientAuth.apply(credentials, server, form)
    const answer = yield* Http.postForm("Token", new URL(server.token_endpoint), form, headers)
    const response = yield* Http.decodeJson("Token", TokenResponse)(answer)
    if (response.token_type.toLowerCase() !== "bearer") {
      return yield* new AuthError({ reason: "Token", message: `Unsupported token type ${response.token_type}` })
    }
    const now = yield* Clock.currentTimeMillis
    const refreshToken = response.refresh_token === undefined ? previous?.refreshToken : Redacted.make(response.refresh_token)
    const scope = response.scope ?? requestedScope ?? previous?.scope
    yield* Effect.logDebug(`OAuth: token granted (${grant.grant_type})${scope === undefined ? "" : ` with scope "${scope}"`}`)
    return new Tokens({
      accessToken: Redacted.make(response.access_token),
      ...(refreshToken === undefined ? {} : { refreshToken }),
      ...(response.expires_in === undefined ? {} : { expiresAt: now + response.expires_in * 1000 }),
      ...(scope === undefined ? {} : { scope })
    })
  })
