/**
 * The interactive step of the authorization-code flow: someone opens the authorization URL,
 * the authorization server redirects to the client's `redirect_uri` with `code` and `state`.
 * The user provides it as a service: a desktop app opens a browser and listens on its
 * loopback redirect URI; `layerHeadless` fetches the URL itself and reads the redirect, which
 * suits servers that authorize without a user (test servers, the conformance suite).
 *
 * @example
 * ```ts
 * const Redirect = AuthorizationRedirect.layer((url) => openBrowserAndAwaitCallback(url))
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AuthError } from "../AuthProvider.js"
import * as Http from "./Http.js"

/** The service: given the authorization URL, the URL the user was redirected to. */
export interface Service {
  readonly authorize: (authorizationUrl: URL) => Effect.Effect<URL, AuthError>
}

/** How the authorization URL is visited. */
export class AuthorizationRedirect extends Context.Tag("machine-context/AuthorizationRedirect")<AuthorizationRedirect, Service>() {}

/** A service from a function. */
export const layer = (authorize: Service["authorize"]): Layer.Layer<AuthorizationRedirect> =>
  Layer.succeed(AuthorizationRedirect, { authorize })

/** Redirects followed before reaching the redirect URI. */
const maxHops = 5

/**
 * Fetches the authorization URL with GET and follows its redirects (at most 5) until one
 * points at the request's `redirect_uri`, which is returned without being fetched.
 */
export const headless: Service = {
  authorize: (authorizationUrl) =>
    Effect.gen(function*() {
      const redirectUri = authorizationUrl.searchParams.get("redirect_uri") ?? ""
      const target = URL.canParse(redirectUri) ? new URL(redirectUri) : undefined
      let url = authorizationUrl
      for (let hop = 0; hop <= maxHops; hop++) {
        const answer = yield* Http.send("Authorization", url)
        const location = answer.headers.get("location")
        if (answer.status < 300 || answer.status >= 400 || location === null) {
          return yield* Http.ensureOk("Authorization")(answer).pipe(Effect.zipRight(new AuthError({
            reason: "Authorization",
            message: `${Http.describe(url)} answered ${answer.status} without redirecting to ${redirectUri}`
          })))
        }
        url = new URL(location, url)
        if (target !== undefined && url.origin === target.origin && url.pathname === target.pathname) return url
      }
      return yield* new AuthError({ reason: "Authorization", message: `More than ${maxHops} redirects from ${Http.describe(authorizationUrl)}` })
    })
}

/** The headless service. */
export const layerHeadless: Layer.Layer<AuthorizationRedirect> = Layer.succeed(AuthorizationRedirect, headless)
