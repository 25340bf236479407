/**
 * The endpoint as an `HttpApp` of `@effect/platform`, to mount in an Effect HTTP application
 * (`StreamableHttp.router`). Same endpoint as the Node listener; answers become
 * `HttpServerResponse`s and SSE streams become response body streams.
 */
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Answer from "./Answer.js"
import type { Endpoint } from "./Endpoint.js"
import type { Guard } from "./Security.js"
import type { SseWriter } from "./Sse.js"

const encoder = new TextEncoder()

/** The body of an SSE response: what the writer writes, as long as the response lasts. */
const body = (writer: SseWriter): Stream.Stream<Uint8Array> => {
  let unread = 0
  return Stream.asyncPush<Uint8Array>((emit) =>
    Effect.acquireRelease(
      Effect.sync(() =>
        writer.attach({
          write: (text) => {
            const bytes = encoder.encode(text)
            unread += bytes.length
            emit.single(bytes)
          },
          end: () => emit.end(),
          buffered: () => unread,
          destroy: () => emit.end()
        })
      ),
      () => Effect.sync(() => writer.abandon())
    ), { bufferSize: "unbounded" }).pipe(
    Stream.mapChunks((chunk) => {
      for (const bytes of chunk) unread -= bytes.length
      return chunk
    })
  )
}

/** An answer as an `HttpServerResponse`. */
const respond = (answer: Answer.Answer): Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope> => {
  switch (answer._tag) {
    case "Text":
      return Effect.succeed(HttpServerResponse.raw(answer.body, {
        status: answer.status,
        contentType: answer.contentType,
        contentLength: Buffer.byteLength(answer.body),
        ...(answer.headers === undefined ? {} : { headers: answer.headers })
      }))
    case "Empty":
      return Effect.succeed(HttpServerResponse.empty({ status: answer.status, ...(answer.headers === undefined ? {} : { headers: answer.headers }) }))
    case "Stream":
      // When the HTTP exchange is over (or never got to send its body), the writer is released.
      return Effect.as(
        Effect.addFinalizer(() => Effect.sync(() => answer.writer.abandon())),
        HttpServerResponse.stream(body(answer.writer), { headers: Answer.eventStreamHeaders })
      )
  }
}

const run = (result: Answer.Answer | Effect.Effect<Answer.Answer>) =>
  Effect.flatMap(Effect.isEffect(result) ? result : Effect.succeed(result), respond)

/** Builds the app (it answers on any path: mount it where the endpoint belongs). */
export const make = (endpoint: Endpoint, maxBodyBytes: number, guard: Guard | undefined): HttpApp.Default<never, HttpServerRequest.HttpServerRequest | Scope.Scope> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (guard === undefined) return route(endpoint, maxBodyBytes, request)
    const verdict = guard({ method: request.method, url: request.url, headers: request.headers })
    if (!Effect.isEffect(verdict)) return verdict === undefined ? route(endpoint, maxBodyBytes, request) : respond(verdict)
    return Effect.flatMap(verdict, (refusal) => refusal === undefined ? route(endpoint, maxBodyBytes, request) : respond(refusal))
  })

/** Hands a request that passed the guards to the endpoint. */
const route = (endpoint: Endpoint, maxBodyBytes: number, request: HttpServerRequest.HttpServerRequest) => {
  const headers = request.headers
  switch (request.method) {
    case "POST": {
      const refusal = endpoint.checkPost(headers)
      if (refusal !== undefined) return respond(refusal)
      const declared = headers["content-length"]
      if (declared !== undefined && Number(declared) > maxBodyBytes) return respond(Answer.payloadTooLarge(maxBodyBytes))
      return request.text.pipe(
        HttpIncomingMessage.withMaxBodySize(Option.some(maxBodyBytes)),
        Effect.matchEffect({
          onFailure: () => respond(Answer.payloadTooLarge(maxBodyBytes)),
          onSuccess: (text) => run(endpoint.post(headers, text))
        })
      )
    }
    case "GET":
      return respond(endpoint.get(headers))
    case "DELETE":
      return run(endpoint.delete(headers))
    default:
      return respond(Answer.methodNotAllowed)
  }
}
