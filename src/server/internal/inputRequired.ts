/**
 * Input-required rounds (2026-07-28): a handler's requests to the client (elicitation,
 * sampling, roots) end the request (`tools/call`, `prompts/get`, `resources/read`) with an
 * `InputRequiredResult`; the client answers them and retries the same request with
 * `inputResponses` and the `requestState` it was given.
 *
 * The handler then runs again from the start, and its requests are answered in order from the
 * answers gathered so far (deterministic replay). Requests the handler makes concurrently are
 * asked together in one round. The answers travel in `requestState`, signed with HMAC-SHA256
 * under the server's key, so the server keeps nothing between rounds. The state is bound to
 * the request (method, target and a digest of its other params) and expires: a state that
 * was not signed here, is presented on another request, or is too old is refused (-32602).
 * Answers missing from a retry are asked again. A request that needs a client capability the
 * client did not declare (a `CapabilityError` the handler did not recover from) ends with
 * -32021 and the missing capabilities.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import { RequestContext, type RequestContextService } from "../../protocol/RequestContext.js"
import { type InputRequiredResult, StatelessErrorCode } from "../../schema/stateless.js"
import { isStateless } from "./stateless.js"

/** How long a `requestState` is accepted by default: long enough for a person to answer a form. */
export const DEFAULT_REQUEST_STATE_TTL_MS = 15 * 60 * 1000

/**
 * What `requestState` carries: whose request it is (the method, the tool or prompt name or
 * resource URI, a digest of its other params), when it expires, the answers so far by key, the
 * keys asked in the last round.
 */
interface State {
  readonly method: string
  readonly target: string
  readonly digest: string
  readonly expires: number
  readonly answers: Readonly<Record<string, Record<string, unknown>>>
  readonly pending: ReadonlyArray<string>
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isState = (value: unknown): value is State => {
  if (!isObject(value)) return false
  return typeof value.method === "string" && typeof value.target === "string" && typeof value.digest === "string" &&
    typeof value.expires === "number" && isObject(value.answers) && Object.values(value.answers).every(isObject) &&
    Array.isArray(value.pending) && value.pending.every((key) => typeof key === "string")
}

/** JSON with object keys sorted, so that equal params digest equally whatever their key order. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (isObject(value)) {
    return `{${Object.keys(value).sort().filter((key) => value[key] !== undefined).map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/** The params that identify a request: all but its `_meta` and the round's own fields. */
const digestOf = (params: Record<string, unknown>): string => {
  const { _meta: _, inputResponses: __, requestState: ___, ...salient } = params
  return createHash("sha256").update(canonical(salient)).digest("base64url")
}

/** `{ a: { b: {} } }` for the capability path `a.b`. */
const capabilityObject = (paths: Iterable<string>): Record<string, unknown> => {
  const root: Record<string, unknown> = {}
  for (const path of paths) {
    let node = root
    for (const key of path.split(".")) {
      if (!isObject(node[key])) node[key] = {}
      node = node[key] as Record<string, unknown>
    }
  }
  return root
}

/** One run of a handler: the answers it replays, the requests it made that have none yet. */
class Round {
  private next = 0
  readonly asked: Record<string, { readonly method: string; readonly params: Record<string, unknown> }> = {}
  /** Client capabilities the handler needed and the client did not declare. */
  readonly missing = new Set<string>()
  constructor(readonly answers: Readonly<Record<string, Record<string, unknown>>>, readonly required: Deferred.Deferred<void>) {}

  /** The answer to the handler's next request, or `undefined` after recording it as asked. */
  take(method: string, params: Record<string, unknown>): Record<string, unknown> | undefined {
    const key = String(this.next++)
    const answer = this.answers[key]
    if (answer !== undefined) return answer
    this.asked[key] = { method, params }
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

/** Scheduler turns given to a handler's other fibers to ask, after its first unanswered request. */
const GATHER_TURNS = 8

/** -32021 with the capabilities the request needed (on HTTP: status 400). */
export const missingCapabilities = (paths: Iterable<string>): McpError => {
  const list = [...paths]
  return new McpError({
    code: StatelessErrorCode.MissingRequiredClientCapability,
    message: `Missing required client capability: ${list.join(", ")}`,
    data: { requiredCapabilities: capabilityObject(list) }
  })
}

export class InputRounds {
  private readonly key: Buffer
  private readonly rounds = new WeakMap<RequestContextService, Round>()
  private readonly delegates = new WeakMap<RequestContextService, (method: string, params: Record<string, unknown>) => Effect.Effect<Record<string, unknown>>>()

  /**
   * `key`: the HMAC key of `requestState`; a random one (good for one process) by default.
   * `ttlMs`: how long a `requestState` is accepted after it was issued.
   */
  constructor(key?: string | Uint8Array, private readonly ttlMs: number = DEFAULT_REQUEST_STATE_TTL_MS) {
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

  /**
   * The answers a retry of the request `of` brings: those in its state, and those of its
   * `inputResponses` that answer the keys asked last (others are ignored; missing ones are
   * asked again when the handler gets to them).
   */
  private answersOf(of: Target, digest: string, retry: Retry): Effect.Effect<Record<string, Record<string, unknown>>, McpError> {
    if (retry.requestState === undefined) {
      return retry.inputResponses === undefined
        ? Effect.succeed({})
        : Effect.fail(McpError.invalidParams("Invalid params: inputResponses without the requestState they answer"))
    }
    const state = this.verify(retry.requestState)
    if (state === undefined || state.method !== of.method || state.target !== of.target || state.digest !== digest) {
      return Effect.fail(McpError.invalidParams("Invalid params: requestState was not issued by this server for this request"))
    }
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (now > state.expires) return Effect.fail(McpError.invalidParams("Invalid params: requestState has expired; send the request again without it"))
      const answers = { ...state.answers }
      for (const key of state.pending) {
        const response = retry.inputResponses?.[key]
        if (isObject(response)) answers[key] = response
      }
      return Effect.succeed(answers)
    })
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
    return isStateless(params)
      ? Effect.flatMap(RequestContext, (request) => this.run(request, of, params as Retry & Record<string, unknown>, handler))
      : handler
  }

  /**
   * Runs `handler` for the request `request` serves (`of`, with `params`), its requests to the
   * client answered from the retry's state and responses; the handler's result, or an
   * `InputRequiredResult` as soon as it makes a request that has no answer yet (the handler is
   * interrupted then, after its concurrent requests have been gathered).
   */
  run<A, E, R>(
    request: RequestContextService,
    of: Target,
    params: Retry & Record<string, unknown>,
    handler: Effect.Effect<A, E, R>
  ): Effect.Effect<A | InputRequiredResult, E | McpError, R> {
    return Effect.gen(this, function*() {
      const digest = digestOf(params)
      const answers = yield* this.answersOf(of, digest, params)
      const round = new Round(answers, yield* Deferred.make<void>())
      this.rounds.set(request, round)
      const gathered = Effect.zipRight(Deferred.await(round.required), Effect.replicateEffect(Effect.yieldNow(), GATHER_TURNS, { discard: true }))
      const finished: { readonly value: A } | undefined = yield* Effect.raceFirst(
        Effect.map(handler, (value) => ({ value })),
        Effect.as(gathered, undefined)
      ).pipe(
        Effect.catchAll((error): Effect.Effect<never, E | McpError> =>
          round.missing.size > 0 ? Effect.fail(missingCapabilities(round.missing)) : Effect.fail(error))
      )
      if (finished !== undefined) {
        // A handler that turned a missing capability into an error result still needed it.
        const value: unknown = finished.value
        if (round.missing.size > 0 && isObject(value) && value.isError === true) return yield* Effect.fail(missingCapabilities(round.missing))
        return finished.value
      }
      const now = yield* Clock.currentTimeMillis
      const result: InputRequiredResult = {
        resultType: "input_required",
        inputRequests: round.asked as InputRequiredResult["inputRequests"],
        requestState: this.sign({ method: of.method, target: of.target, digest, expires: now + this.ttlMs, answers, pending: Object.keys(round.asked) })
      }
      return result
    })
  }

  /**
   * A request to the client made by the handler serving `request`: its recorded answer, or
   * (none yet) the end of this round; in a 2026 task, its delegate's answer. `undefined` when
   * the request is neither run by `run` nor delegated.
   */
  ask(request: RequestContextService, method: string, params: Record<string, unknown>): Effect.Effect<Record<string, unknown>> | undefined {
    const round = this.rounds.get(request)
    if (round === undefined) return this.delegates.get(request)?.(method, params)
    return Effect.suspend(() => {
      const answer = round.take(method, params)
      if (answer !== undefined) return Effect.succeed(answer)
      // Stop here: `run` ends the call with the requests asked so far, and interrupts the handler.
      return Effect.zipRight(Deferred.succeed(round.required, undefined), Effect.never)
    })
  }

  /**
   * Lets `answer` serve the input requests of handlers running under `request` (a 2026 task:
   * its requests become the task's input requests) until `undelegate`.
   */
  delegate(request: RequestContextService, answer: (method: string, params: Record<string, unknown>) => Effect.Effect<Record<string, unknown>>): void {
    this.delegates.set(request, answer)
  }

  undelegate(request: RequestContextService): void {
    this.delegates.delete(request)
  }

  /** Notes that the handler serving `request` needed `capability`, which its client did not declare. */
  missed(request: RequestContextService, capability: string): void {
    this.rounds.get(request)?.missing.add(capability)
  }
}
