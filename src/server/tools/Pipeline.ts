/**
 * The execution pipeline every `tools/call` goes through (input already decoded by the
 * caller): availability (state, sunset, client capabilities) → middleware (global, then the
 * tool's) → idempotency key → admission (circuit breaker; per-tool and global concurrency,
 * refused as overloaded with a retry-after hint rather than queued) → the handler in its own
 * Scope, with a timeout per attempt and a retry Schedule for idempotent tools → result mapping
 * (`Tool.resultOf`; the pipeline's own refusals are error results with their data in
 * `structuredContent` or `_meta["machine-context/error"]`). Metrics are recorded on the way.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import { McpError } from "../../protocol/errors.js"
import { RequestContext } from "../../protocol/RequestContext.js"
import type { CallToolResult } from "../../schema/tools.js"
import * as Tool from "../Tool.js"
import { CircuitOpen, MissingCapabilities, ToolTimeout, ToolUnavailable } from "./errors.js"
import { IdempotencyKey, type IdempotencyStore } from "./Idempotency.js"
import * as Lifecycle from "./Lifecycle.js"
import * as Middleware from "./Middleware.js"
import type { Registration } from "./Registration.js"

/** The `_meta` key of a deprecated version's results. */
export const DeprecationKey = "machine-context/deprecation"

/** The pipeline's settings (the manager's options). */
export interface Settings {
  /** Timeout of a call when its tool sets none (ms); `Infinity` for none. */
  readonly defaultTimeoutMs: number
  /** Calls of one tool in flight at once when it sets no `maxConcurrency`. */
  readonly defaultToolConcurrency: number
  /** Calls of all tools in flight at once. */
  readonly maxConcurrency: number
  /** The retry-after hint of an overloaded answer (ms). */
  readonly retryAfterMs: number
  /** Middleware around every call (outermost first). */
  readonly middleware: ReadonlyArray<Middleware.Middleware>
  readonly idempotency: IdempotencyStore
}

type PipelineError = ToolTimeout | ToolUnavailable | CircuitOpen | MissingCapabilities

const refusal = (registration: Registration, error: PipelineError): CallToolResult => {
  const { _tag, ...data } = error
  return Tool.errorResult(registration.tool, `${_tag}: ${describe(error)}`, { error: _tag, ...data })
}

const describe = (error: PipelineError): string => {
  switch (error._tag) {
    case "ToolTimeout":
      return `tool ${error.name} did not answer within ${error.timeoutMs} ms`
    case "ToolUnavailable":
      return error.message
    case "CircuitOpen":
      return `tool ${error.name} is failing; retry after ${error.retryAfterMs} ms`
    case "MissingCapabilities":
      return `tool ${error.name} needs the client capabilities ${error.missing.join(", ")}`
  }
}

const isPipelineError = (error: unknown): error is PipelineError =>
  error instanceof ToolTimeout || error instanceof ToolUnavailable || error instanceof CircuitOpen || error instanceof MissingCapabilities

const missingCapabilities = (required: ReadonlyArray<string>, declared: Record<string, unknown> | undefined): Array<string> =>
  required.filter((capability) => declared?.[capability] === undefined)

/** Runs calls for one manager. */
export class Pipeline {
  /** Calls of every tool in flight now. */
  inFlight = 0

  constructor(private readonly settings: Settings) {}

  /** Runs `input` (decoded) through `registration`'s pipeline; `meta` is the request's `_meta`. */
  execute(registration: Registration, input: unknown, meta: Readonly<Record<string, unknown>>): Effect.Effect<CallToolResult, McpError> {
    return Effect.clockWith((clock) =>
      Effect.suspend(() => {
        const now = clock.unsafeCurrentTimeMillis()
        const management = registration.tool.management
        if (!Lifecycle.accepts(registration.state)) {
          return Effect.succeed(refusal(registration, unavailable(registration, `tool ${registration.name}@${registration.version} is ${registration.state}`)))
        }
        if (registration.sunsetAt !== undefined && now >= registration.sunsetAt) {
          return Effect.succeed(refusal(registration, unavailable(registration, `tool ${registration.name}@${registration.version} was retired on ${management.deprecated?.sunset}`)))
        }
        const call: Middleware.Call = { name: registration.name, version: registration.version, arguments: input, meta }
        const key = meta[IdempotencyKey]
        const guarded = typeof key === "string"
          ? this.settings.idempotency.run(`${registration.name}@${registration.version}\n${key}`, this.admit(registration, input))
          : this.admit(registration, input)
        const middleware = this.settings.middleware.length === 0 ? management.middleware : [...this.settings.middleware, ...management.middleware]
        const chained = middleware.length === 0 ? guarded : Middleware.compose(middleware, call, guarded)
        const checked = management.requires.capabilities === undefined || management.requires.capabilities.length === 0
          ? chained
          : Effect.flatMap(Effect.serviceOption(RequestContext), (request) => {
            const missing = missingCapabilities(management.requires.capabilities!, Option.getOrUndefined(request)?.peerCapabilities)
            return missing.length === 0 ? chained : Effect.succeed(refusal(registration, new MissingCapabilities({ name: registration.name, missing })))
          })
        const deprecated = management.deprecated
        return deprecated === undefined ? checked : Effect.map(checked, (result) => withDeprecation(result, deprecated))
      })
    )
  }

  /** Admission (breaker, concurrency) and the run. */
  private admit(registration: Registration, input: unknown): Effect.Effect<CallToolResult, McpError> {
    return Effect.clockWith((clock) =>
      Effect.suspend(() => {
        const limit = registration.tool.management.maxConcurrency ?? this.settings.defaultToolConcurrency
        if (this.inFlight >= this.settings.maxConcurrency || registration.inFlight >= limit) {
          const scope = registration.inFlight >= limit ? `tool ${registration.name}` : "server"
          return Effect.fail(new McpError({
            code: -32000,
            message: `Server overloaded: too many calls in flight (${scope}); retry after ${this.settings.retryAfterMs} ms`,
            data: { retryAfterMs: this.settings.retryAfterMs, tool: registration.name }
          }))
        }
        const admission = registration.breaker.admit(clock.unsafeCurrentTimeMillis())
        if (admission._tag === "Rejected") {
          return Effect.succeed(refusal(registration, new CircuitOpen({ name: registration.name, retryAfterMs: admission.retryAfterMs })))
        }
        return this.run(registration, input, admission.probe, clock.unsafeCurrentTimeMillis())
      })
    )
  }

  /** Runs the attempts (one, or more for an idempotent tool with a retry Schedule) and records the outcome. */
  private run(registration: Registration, input: unknown, probe: boolean, started: number): Effect.Effect<CallToolResult> {
    const management = registration.tool.management
    registration.inFlight++
    this.inFlight++
    registration.metrics.started(registration.inFlight)
    const attempt = this.attempt(registration, input, management.timeoutMs ?? this.settings.defaultTimeoutMs)
    const attempts = management.idempotent && management.retry !== undefined
      ? Effect.flatMap(Schedule.driver(management.retry), (driver) => retrying(attempt, driver))
      : attempt
    return Effect.uninterruptibleMask((restore) =>
      Effect.gen(this, function*() {
        if (registration.inFlight === 1) yield* registration.settle(started)
        const exit = yield* Effect.exit(restore(attempts))
        const result = yield* Effect.exit(Effect.flatten(Effect.map(exit, (outcome) => this.resultOf(registration, outcome))))
        const ended = yield* Effect.clockWith((clock) => Effect.sync(() => clock.unsafeCurrentTimeMillis()))
        registration.inFlight--
        this.inFlight--
        const interrupted = Exit.isFailure(result)
        const failed = !interrupted && result.value.isError === true
        if (interrupted) registration.breaker.release(probe)
        else if (registration.breaker.record(!failed, probe, ended)) registration.metrics.breaker(registration.breaker.state(ended))
        registration.metrics.ended(registration.inFlight, ended - started, failed)
        yield* registration.settle(ended)
        if (registration.inFlight === 0) registration.idle?.()
        return yield* result
      })
    )
  }

  /**
   * One attempt: the handler in a fiber of its own, started at once on the caller's runtime (a
   * handler that answers synchronously is done before this returns, with no timer and no
   * scheduling), in its own Scope; awaited up to the timeout, then interrupted. A drain past its
   * deadline interrupts it too (the fiber is in `registration.calls`).
   */
  private attempt(registration: Registration, input: unknown, timeoutMs: number): Effect.Effect<Exit.Exit<unknown, unknown>> {
    const tool = registration.tool
    const handler = Effect.scoped(tool.handler(input) as Effect.Effect<unknown, unknown>)
    return Effect.flatMap(Effect.runtime<never>(), (runtime) => {
      const fiber = Runtime.runFork(runtime, handler, { immediate: true })
      const done = fiber.unsafePoll()
      if (done !== null) return Effect.succeed(done)
      registration.calls.add(fiber)
      const awaited = Number.isFinite(timeoutMs)
        ? Effect.flatMap(Effect.timeoutOption(Fiber.await(fiber), timeoutMs), Option.match({
          onSome: Effect.succeed,
          onNone: () => Effect.as(Fiber.interrupt(fiber), Exit.fail(new ToolTimeout({ name: tool.name, timeoutMs })))
        }))
        : Fiber.await(fiber)
      return awaited.pipe(
        Effect.onInterrupt(() => Fiber.interrupt(fiber)),
        Effect.ensuring(Effect.sync(() => registration.calls.delete(fiber)))
      )
    })
  }

  private resultOf(registration: Registration, exit: Exit.Exit<unknown, unknown>): Effect.Effect<CallToolResult> {
    if (Exit.isSuccess(exit)) return Tool.resultOf(registration.tool, exit)
    if (Exit.isFailure(exit)) {
      if (registration.stopped && Cause.isInterruptedOnly(exit.cause)) {
        return Effect.succeed(refusal(registration, unavailable(registration, `tool ${registration.name}@${registration.version} was unregistered while the call ran`)))
      }
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure) && isPipelineError(failure.value)) return Effect.succeed(refusal(registration, failure.value))
    }
    return Tool.resultOf(registration.tool, exit)
  }
}

/** Runs `attempt` again while it fails (typed failures and timeouts, not defects) and `driver` continues. */
const retrying = (
  attempt: Effect.Effect<Exit.Exit<unknown, unknown>>,
  driver: Schedule.ScheduleDriver<unknown, unknown, never>
): Effect.Effect<Exit.Exit<unknown, unknown>> =>
  Effect.flatMap(attempt, (exit) => {
    if (Exit.isSuccess(exit)) return Effect.succeed(exit)
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) return Effect.succeed(exit)
    return Effect.matchEffect(driver.next(failure.value), {
      onFailure: () => Effect.succeed(exit),
      onSuccess: () => retrying(attempt, driver)
    })
  })

const unavailable = (registration: Registration, message: string) =>
  new ToolUnavailable({ name: registration.name, version: registration.version, state: registration.state, message })

const withDeprecation = (result: CallToolResult, deprecated: Tool.Deprecation): CallToolResult => ({
  ...result,
  _meta: {
    ...result._meta,
    [DeprecationKey]: { message: deprecated.message ?? "This tool version is deprecated", ...(deprecated.sunset === undefined ? {} : { sunset: deprecated.sunset }) }
  }
})
