/**
 * The endpoint as a Node `request` listener: the server of `StreamableHttp.layer`.
 *
 * Why not an `HttpApp` served by `HttpServer.serve`: that runs an Effect pipeline per request
 * (a fiber, a Scope, middleware, an async write) that measured ~80 µs of CPU per request here,
 * three times a bare Node handler, and more than the rest of a tool call. This listener runs
 * synchronous code for everything but the opening and closing of sessions (Effects, run on the
 * endpoint's runtime); the server itself (listening, address, shutdown) is still the platform's
 * `NodeHttpServer`. The same endpoint is available as an `HttpRouter` for Effect HTTP apps.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import type * as Http from "node:http"
import * as Answer from "./Answer.js"
import * as Body from "./Body.js"
import type { Endpoint } from "./Endpoint.js"
import type { Guard } from "./Security.js"

export interface Options {
  readonly path: string
  readonly maxBodyBytes: number
  readonly guard: Guard | undefined
}

/** Sends an answer on a Node response (one write for complete bodies). */
const send = (res: Http.ServerResponse, answer: Answer.Answer): void => {
  if (res.destroyed || res.headersSent) {
    if (answer._tag === "Stream") answer.writer.abandon()
    return
  }
  switch (answer._tag) {
    case "Text": {
      const headers: Record<string, string | number> = { "content-type": answer.contentType, "content-length": Buffer.byteLength(answer.body) }
      if (answer.headers !== undefined) Object.assign(headers, answer.headers)
      res.writeHead(answer.status, headers)
      res.end(answer.body)
      return
    }
    case "Empty": {
      res.writeHead(answer.status, answer.headers)
      res.end()
      return
    }
    case "Stream": {
      const writer = answer.writer
      res.writeHead(200, Answer.eventStreamHeaders)
      // The client learns at once that the stream is open (its first event may take a while).
      res.flushHeaders()
      res.once("close", () => writer.abandon())
      writer.attach({
        write: (text) => void res.write(text),
        end: () => void res.end(),
        buffered: () => res.writableLength,
        destroy: () => void res.destroy()
      })
    }
  }
}

/** Builds the listener; `runtime` runs the Effects of opening and closing sessions. */
export const make = (endpoint: Endpoint, runtime: Runtime.Runtime<never>, options: Options): (req: Http.IncomingMessage, res: Http.ServerResponse) => void => {
  const { path, maxBodyBytes, guard } = options
  const withQuery = `${path}?`
  const runFork = Runtime.runFork(runtime)

  const answer = (res: Http.ServerResponse, result: Answer.Answer | Effect.Effect<Answer.Answer>): void => {
    if (!Effect.isEffect(result)) return send(res, result)
    const fiber = runFork(result)
    // A client that goes away while the answer is being made interrupts the making.
    const gone = () => fiber.unsafeInterruptAsFork(FiberId.none)
    res.once("close", gone)
    fiber.addObserver((exit) => {
      res.off("close", gone)
      send(res, Exit.isSuccess(exit) ? exit.value : Answer.jsonRpcError(500, Answer.TransportErrorCode, "Internal error"))
    })
  }

  /** Hands a request that passed the guards to the endpoint. */
  const route = (req: Http.IncomingMessage, res: Http.ServerResponse): void => {
    switch (req.method) {
      case "POST": {
        const refusal = endpoint.checkPost(req.headers)
        if (refusal !== undefined) return send(res, refusal)
        Body.read(req, maxBodyBytes, (failure, text) => {
          if (failure === undefined) answer(res, endpoint.post(req.headers, text))
          else if (failure === "TooLarge") send(res, Answer.payloadTooLarge(maxBodyBytes))
          else res.destroy()
        })
        return
      }
      case "GET":
        return send(res, endpoint.get(req.headers))
      case "DELETE":
        return answer(res, endpoint.delete(req.headers))
      default:
        return send(res, Answer.methodNotAllowed)
    }
  }

  return (req, res) => {
    const url = req.url ?? ""
    if (url !== path && !url.startsWith(withQuery)) return send(res, Answer.notFound)
    if (guard === undefined) return route(req, res)
    const verdict = guard({ method: req.method ?? "GET", url, headers: req.headers })
    if (!Effect.isEffect(verdict)) return verdict === undefined ? route(req, res) : send(res, verdict)
    runFork(verdict).addObserver((exit) => {
      if (Exit.isFailure(exit)) return send(res, Answer.jsonRpcError(500, Answer.TransportErrorCode, "Internal error"))
      if (exit.value !== undefined) return send(res, exit.value)
      route(req, res)
    })
  }
}
