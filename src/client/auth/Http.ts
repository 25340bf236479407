/**
 * The HTTP exchanges of the OAuth client, on the platform's `fetch` (as the HTTP transport).
 * Redirects are never followed: an authorization server answers its authorization endpoint
 * with a redirect whose `Location` carries the code. Error messages name the endpoint and the
 * OAuth `error` code, never a request or response body that could hold a secret.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AuthError } from "../AuthProvider.js"

/** The answer of an exchange, its body read as text. */
export interface Answer {
  readonly url: URL
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

/** A request of the OAuth client. */
export interface Request {
  readonly method?: "GET" | "POST"
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

/** Time allowed for one exchange. */
export const timeout = Duration.seconds(10)

/** Where a URL points, for messages: origin and path (no query, which may hold a code). */
export const describe = (url: URL): string => `${url.origin}${url.pathname}`

/** Sends one request; a network failure or the time limit fails with `reason`. */
export const send = (reason: AuthError["reason"], url: URL, request: Request = {}): Effect.Effect<Answer, AuthError> =>
  Effect.tryPromise({
    try: async (signal) => {
      const init: RequestInit = { method: request.method ?? "GET", redirect: "manual", signal }
      if (request.headers !== undefined) init.headers = { ...request.headers }
      if (request.body !== undefined) init.body = request.body
      const response = await fetch(url, init)
      return { url, status: response.status, headers: response.headers, text: await response.text() }
    },
    catch: (cause) =>
      new AuthError({ reason, message: `${request.method ?? "GET"} ${describe(url)} failed: ${cause instanceof Error ? cause.message : String(cause)}` })
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => new AuthError({ reason, message: `${request.method ?? "GET"} ${describe(url)} timed out` })
    })
  )

/** POSTs a form (`application/x-www-form-urlencoded`) and accepts JSON back. */
export const postForm = (
  reason: AuthError["reason"],
  url: URL,
  form: URLSearchParams,
  headers: Readonly<Record<string, string>> = {}
): Effect.Effect<Answer, AuthError> =>
  send(reason, url, {
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: form.toString()
  })

const OAuthErrorBody = Schema.parseJson(Schema.Struct({ error: Schema.String, error_description: Schema.optional(Schema.String) }))

/** Fails with the answer's status and OAuth `error` code unless it is a 2xx. */
export const ensureOk = (reason: AuthError["reason"]) => (answer: Answer): Effect.Effect<Answer, AuthError> => {
  if (answer.status >= 200 && answer.status < 300) return Effect.succeed(answer)
  const body = Schema.decodeUnknownEither(OAuthErrorBody)(answer.text)
  const detail = Either.match(body, {
    onLeft: () => "",
    onRight: (e) => ` ${e.error}${e.error_description === undefined ? "" : `: ${e.error_description}`}`
  })
  return Effect.fail(new AuthError({ reason, message: `${describe(answer.url)} answered ${answer.status}${detail}` }))
}

/** Decodes a 2xx JSON answer with `schema`. */
export const decodeJson = <A, I>(reason: AuthError["reason"], schema: Schema.Schema<A, I>) =>
  (answer: Answer): Effect.Effect<A, AuthError> =>
    ensureOk(reason)(answer).pipe(
      Effect.flatMap((ok) => Schema.decodeUnknown(Schema.parseJson(schema))(ok.text)),
      Effect.catchTag("ParseError", (error) =>
        Effect.fail(new AuthError({ reason, message: `${describe(answer.url)} answered an invalid document: ${ParseResult.TreeFormatter.formatErrorSync(error)}` })))
    )
