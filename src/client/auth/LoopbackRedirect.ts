/**
 * The interactive `AuthorizationRedirect` of a desktop or command-line client (RFC 8252 §7.3):
 * it listens on the loopback redirect URI, has the user open the authorization URL (the
 * `open` function: a browser, or printing the URL), and returns the URL of the first request
 * that reaches the redirect URI's path. The listener lives only while one authorization waits,
 * bounded by `timeout`.
 *
 * @example
 * ```ts
 * const Redirect = LoopbackRedirect.layer({
 *   open: (url) => Effect.sync(() => console.error(`Open ${url.href} to authorize`))
 * })
 * // with OAuth.make({ redirectUri: "http://127.0.0.1:8765/callback" })
 * ```
 *
 * @since 0.2.0
 */
import { createServer, type Server } from "node:http"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AuthError } from "../AuthProvider.js"
import { AuthorizationRedirect, type Service } from "./AuthorizationRedirect.js"

/** Options of the loopback redirect. */
export interface Options {
  /** Shows the authorization URL to the user. */
  readonly open: (authorizationUrl: URL) => Effect.Effect<void, AuthError>
  /** How long the user has. Default 5 minutes. */
  readonly timeout?: Duration.DurationInput
  /** The page the browser shows once redirected. */
  readonly page?: string
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

/** Listens on the redirect URI (in the current scope); `received` gets the first request to its path. */
const listen = (redirectUri: URL, page: string, received: Deferred.Deferred<URL>) =>
  Effect.acquireRelease(
    Effect.async<Server, AuthError>((resume) => {
      const server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", redirectUri)
        if (url.pathname !== redirectUri.pathname) {
          res.writeHead(404).end()
          return
        }
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end(page)
        Deferred.unsafeDone(received, Effect.succeed(url))
      })
      server.once("error", (error) =>
        resume(Effect.fail(new AuthError({ reason: "Authorization", message: `Cannot listen on ${redirectUri.host}: ${error.message}` }))))
      server.listen(Number(redirectUri.port || 80), redirectUri.hostname.replace(/^\[|\]$/g, ""), () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.sync(() => {
      server.closeAllConnections()
      server.close()
    })
  )

/** The loopback service. */
export const make = (options: Options): Service => ({
  authorize: (authorizationUrl) =>
    Effect.gen(function*() {
      const redirectUri = authorizationUrl.searchParams.get("redirect_uri") ?? ""
      const target = URL.canParse(redirectUri) ? new URL(redirectUri) : undefined
      if (target === undefined || target.protocol !== "http:" || !loopbackHosts.has(target.hostname)) {
        return yield* new AuthError({ reason: "Authorization", message: `The redirect URI ${redirectUri} is not an http loopback address` })
      }
      const timeout = options.timeout ?? Duration.minutes(5)
      return yield* Effect.scoped(Effect.gen(function*() {
        const received = yield* Deferred.make<URL>()
        yield* listen(target, options.page ?? "Authorization complete: you may close this window.", received)
        yield* options.open(authorizationUrl)
        return yield* Deferred.await(received)
      })).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new AuthError({ reason: "Authorization", message: `No redirect within ${Duration.format(timeout)}` })
        })
      )
    })
})

/** The loopback redirect as a layer. */
export const layer = (options: Options): Layer.Layer<AuthorizationRedirect> => Layer.succeed(AuthorizationRedirect, make(options))
