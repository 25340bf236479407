/**
 * Input-required rounds (2026-07-28): a handler's requests to the client (elicitation,
 * sampling, roots) end the request (`tools/call`, `prompts/get`, `resources/read`) with an
 * `InputRequiredResult`; the client answers them and retries the same request with
 * `inputResponses` and the `requestState` it was given.
 *
 * The handler then runs again from the start, and its requests are answered in order from the
 * answers gathered so far (deterministic replay). The answers travel in `requestState`, signed
 * with HMAC-SHA256 under the server's key, so the server keeps nothing between rounds and a
 * state it did not sign is refused (-32602).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import { RequestContext, type RequestContextService } from "../../protocol/RequestContext.js"
import type { InputRequiredResult } from "../../schema/stateless.js"
import { isStateless } from "./stateless.js"

/**
 * What `requestState` carries: whose request it is (the method, and the tool or prompt name or
 * resource URI it is for), the answers so far, the keys still to answer.
 */
interface State {
  readonly method: string
  readonly target: string
  readonly answers: ReadonlyArray<Record<string, unknown>>
  readonly pending: ReadonlyArray<string>
}

const isState = (value: unknown): value is State => {
  if (typeof value !== "object" || value === null) return false
  const state = value as Record<string, unknown>
  return typeof state.method === "string" && typeof state.target === "string" && Array.isArray(state.answers) && Array.isArray(state.pending) &&
    state.pending.every((key) => typeof key === "string")
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** One run of a handler: the answers it replays, and the requests it made that have none yet. */
class Round {
  private next = 0
  readonly asked: Record<string, { readonly method: string; readonly params: Record<string, unknown> }> = {}
  constructor(readonly answers: ReadonlyArray<Record<string, unknown>>, readonly required: Deferred.Deferred<void>) {}

  /** The answer to the handler's next request, or `undefined` after recording it as asked. */
  take(method: string, params: Record<string, unknown>): Record<string, unknown> | undefined {
    const index = this.next++
    if (index < this.answers.length) return this.answers[index]
    this.asked[String(index)] = { method, params }
    return undefined
  }
}

/** Parameters of a retried request (`inputResponses`, `requestState`), as decoded. */
export interface Retry {
  readonly inputResponses?: { readonly [key: string]: unknown } | undefined
  readonly requestState?: string | undefined
}

/** The request a round belongs to: its method, and the tool or prompt name or resource URI. */
export interface Target {
  readonly method: string
  readonly target: string
}

export class InputRounds {
  private readonly key: Buffer
  private readonly rounds = new WeakMap<RequestContextService, Round>()

  /** `key`: the HMAC key of `requestState`; a random one (good for one process) by default. */
  constructor(key?: string | Uint8Array) {
    this.key = key === undefined ? randomBytes(32) : Buffer.from(key)
  }

  private mac(body: string): Buffer {
    return createHmac("sha256", this.key).update(body).digest()
  }

  private sign(state: State): string {
    const body = Buffer.from(JSON.stringify(state)).toString("base64url")
    return `${body}.${this.mac(body).toString("base64url")}`
  }

  private verify(token: string): State | undefined {
    const dot = token.indexOf(".")
    if (dot < 0) return undefined
    const body = token.slice(0, dot)
    const given = Buffer.from(token.slice(dot + 1), "base64url")
    const expected = this.mac(body)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    try {
      const state: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"))
      return isState(state) ? state : undefined
    } catch {
      return undefined
    }
  }

  /** The answers a retry of the request `of` brings: those in its state, then its `inputResponses`. */
  private answersOf(of: Target, retry: Retry): Effect.Effect<ReadonlyArray<Record<string, unknown>>, McpError> {
    if (retry.requestState === undefined) {
      return retry.inputResponses === undefined
        ? Effect.succeed([])
        : Effect.fail(McpError.invalidParams("Invalid params: inputResponses without the requestState they answer"))
    }
    const state = this.verify(retry.requestState)
    if (state === undefined || state.method !== of.method || state.target !== of.target) {
      return Effect.fail(McpError.invalidParams("Invalid params: requestState was not issued by this server for this request"))
    }
    const answers = [...state.answers]
    for (const key of state.pending) {
      const response = retry.inputResponses?.[key]
      if (!isObject(response)) return Effect.fail(McpError.invalidParams(`Invalid params: inputResponses has no answer for "${key}"`))
      answers.push(response)
    }
    return Effect.succeed(answers)
  }

  /**
   * Serves a request that may take input-required rounds (`tools/call`, `prompts/get`,
   * `resources/read`): a 2026-07-28 one (`params` carries its era) runs `handler` in rounds
   * (see `run`), any other runs it as it is (its requests to the client are sent).
   */
  serve<A, E, R>(
    of: Target,
    params: Retry & { readonly _meta?: { readonly [key: string]: unknown } | undefined },
    handler: Effect.Effect<A, E, R>
  ): Effect.Effect<A | InputRequiredResult, E | McpError, R | RequestContext> {
    return isStateless(params) ? Effect.flatMap(RequestContext, (request) => this.run(request, of, params, handler)) : handler
  }

  /**
   * Runs `handler` for the request `request` serves (`of`), its requests to the client
   * answered from `retry`; the handler's result, or an `InputRequiredResult` as soon as it
   * makes a request that has no answer yet (the handler is interrupted then).
   */
  run<A, E, R>(
    request: RequestContextService,
    of: Target,
    retry: Retry,
    handler: Effect.Effect<A, E, R>
  ): Effect.Effect<A | InputRequiredResult, E | McpError, R> {
    return Effect.gen(this, function*() {
      const answers = yield* this.answersOf(of, retry)
      const round = new Round(answers, yield* Deferred.make<void>())
      this.rounds.set(request, round)
      const finished = yield* Effect.raceFirst(
        Effect.map(handler, (value) => ({ value })),
        Effect.as(Deferred.await(round.required), undefined)
      )
      if (finished !== undefined) return finished.value
      const result: InputRequiredResult = {
        resultType: "input_required",
        inputRequests: round.asked as InputRequiredResult["inputRequests"],
        requestState: this.sign({ method: of.method, target: of.target, answers, pending: Object.keys(round.asked) })
      }
      return result
    })
  }

  /**
   * A request to the client made by the handler serving `request`: its recorded answer, or
   * (none yet) the end of this round. `undefined` when the request is not run by `run`.
   */
  ask(request: RequestContextService, method: string, params: Record<string, unknown>): Effect.Effect<Record<string, unknown>> | undefined {
    const round = this.rounds.get(request)
    if (round === undefined) return undefined
    return Effect.suspend(() => {
      const answer = round.take(method, params)
      if (answer !== undefined) return Effect.succeed(answer)
      // Stop here: `run` ends the call with the requests asked so far, and interrupts the handler.
      return Effect.zipRight(Deferred.succeed(round.required, undefined), Effect.never)
    })
  }
}
