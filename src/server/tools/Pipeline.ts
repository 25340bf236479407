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
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import * as Schedule from "effect/Schedule"
import { McpError } from "../../protocol/errors.js"
import { RequestContext } from "../../protocol/RequestContext.js"
import type { CallToolResult } from "../../schema/tools.js"
import * as Tool from "../Tool.js"
import * as Attempt from "./Attempt.js"
import * as CallScope from "./CallScope.js"
import { CircuitOpen, MissingCapabilities, ToolTimeout, ToolUnavailable } from "./errors.js"
import { IdempotencyKey, type IdempotencyStore } from "./Idempotency.js"
import * as Lifecycle from "./Lifecycle.js"
import * as Middleware from "./Middleware.js"
import type { Registration } from "./Registration.js"

/** The `_meta` key of a deprecated version's results. */
export const DeprecationKey = "machine-context/deprecation"

/** The pipeline's settings (the manager's options). */
export interface Settings {
  /** Timeout of a call when its tool sets none (ms); `Infinity` for none (the call runs inline). */
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

const ClockTag = Clock.Clock

const isPipelineError = (error: unknown): error is PipelineError =>
  error instanceof ToolTimeout || error instanceof ToolUnavailable || error instanceof CircuitOpen || error instanceof MissingCapabilities

const missingCapabilities = (required: ReadonlyArray<string>, declared: Record<string, unknown> | undefined): Array<string> =>
  required.filter((capability) => declared?.[capability] === undefined)

/** Runs calls for one manager. */
export class Pipeline {
  /** Calls of every tool in flight now. */
  inFlight = 0

  constructor(private readonly settings: Settings) {}

  /**
   * Runs `input` (decoded) through `registration`'s pipeline; `meta` is the request's `_meta`.
   * The checks before the handler are plain code in one step of the calling fiber (clock and
   * client capabilities read from it); without middleware or an idempotency key, admission
   * happens in that same step.
   */
  execute(registration: Registration, input: unknown, meta: Readonly<Record<string, unknown>>): Effect.Effect<CallToolResult, McpError> {
    return Effect.withFiberRuntime((fiber, status) => {
      const clock = Context.get(fiber.currentDefaultServices, ClockTag)
      const management = registration.tool.management
      if (!Lifecycle.accepts(registration.state)) {
        return Effect.succeed(refusal(registration, unavailable(registration, `tool ${registration.name}@${registration.version} is ${registration.state}`)))
      }
      if (registration.sunsetAt !== undefined && clock.unsafeCurrentTimeMillis() >= registration.sunsetAt) {
        return Effect.succeed(refusal(registration, unavailable(registration, `tool ${registration.name}@${registration.version} was retired on ${management.deprecated?.sunset}`)))
      }
      const required = management.requires.capabilities
      if (required !== undefined && required.length > 0) {
        const request = Context.getOption(fiber.currentContext, RequestContext)
        const missing = missingCapabilities(required, Option.getOrUndefined(request)?.peerCapabilities)
        if (missing.length > 0) return Effect.succeed(refusal(registration, new MissingCapabilities({ name: registration.name, missing })))
      }
      const key = meta[IdempotencyKey]
      const middleware = registration.middleware ??= [...this.settings.middleware, ...management.middleware]
      const answered = middleware.length === 0 && typeof key !== "string"
        ? this.admit(registration, input, clock, fiber, status.runtimeFlags)
        : this.guarded(registration, input, meta, clock, middleware, key)
      const deprecated = management.deprecated
      return deprecated === undefined ? answered : Effect.map(answered, (result) => withDeprecation(result, deprecated))
    })
  }

  /** The call behind its middleware and idempotency key: admission runs when the chain reaches it. */
  private guarded(
    registration: Registration,
    input: unknown,
    meta: Readonly<Record<string, unknown>>,
    clock: Clock.Clock,
    middleware: ReadonlyArray<Middleware.Middleware>,
    key: unknown
  ): Effect.Effect<CallToolResult, McpError> {
    const admitted = Effect.withFiberRuntime<CallToolResult, McpError>((fiber, status) => this.admit(registration, input, clock, fiber, status.runtimeFlags))
    const keyed = typeof key === "string" ? this.settings.idempotency.run(`${registration.name}@${registration.version}\n${key}`, admitted) : admitted
    if (middleware.length === 0) return keyed
    const call: Middleware.Call = { name: registration.name, version: registration.version, arguments: input, meta }
    return Middleware.compose(middleware, call, keyed)
  }

  /**
   * Admission (concurrency limits, then the breaker) and the run, from the step of `fiber`
   * that calls it: a refused call costs nothing more; an admitted one is counted in at once.
   */
  private admit(
    registration: Registration,
    input: unknown,
    clock: Clock.Clock,
    fiber: Fiber.RuntimeFiber<unknown, unknown>,
    flags: RuntimeFlags.RuntimeFlags
  ): Effect.Effect<CallToolResult, McpError> {
    const limit = registration.tool.management.maxConcurrency ?? this.settings.defaultToolConcurrency
    if (this.inFlight >= this.settings.maxConcurrency || registration.inFlight >= limit) {
      const scoped = registration.inFlight >= limit ? `tool ${registration.name}` : "server"
      return Effect.fail(new McpError({
        code: -32000,
        message: `Server overloaded: too many calls in flight (${scoped}); retry after ${this.settings.retryAfterMs} ms`,
        data: { retryAfterMs: this.settings.retryAfterMs, tool: registration.name }
      }))
    }
    const started = clock.unsafeCurrentTimeMillis()
    const admission = registration.breaker.admit(started)
    if (admission._tag === "Rejected") {
      return Effect.succeed(refusal(registration, new CircuitOpen({ name: registration.name, retryAfterMs: admission.retryAfterMs })))
    }
    const timeoutMs = registration.tool.management.timeoutMs ?? this.settings.defaultTimeoutMs
    return Number.isFinite(timeoutMs)
      ? this.forked(registration, input, admission.probe, started, clock, timeoutMs, fiber, flags)
      : this.inline(registration, input, admission.probe, started, clock, fiber)
  }

  /** Counts an admitted call in; answers the state move it causes (to busy on the first call). */
  private countIn(registration: Registration, started: number): Effect.Effect<void> {
    registration.inFlight++
    this.inFlight++
    registration.metrics.started(registration.inFlight)
    return registration.inFlight === 1 ? registration.settle(started) : Effect.void
  }

  /**
   * Without a timeout: the handler runs in the calling fiber, in one uninterruptible region
   * (the call is counted in and out in it) where only the handler is interruptible. Counting
   * in happens in the step that enters the region, and counting out in the step that sees the
   * handler's exit: no steps of the fiber besides those.
   */
  private inline(
    registration: Registration,
    input: unknown,
    probe: boolean,
    started: number,
    clock: Clock.Clock,
    fiber: Fiber.RuntimeFiber<unknown, unknown>
  ): Effect.Effect<CallToolResult> {
    const retry = registration.tool.management.idempotent ? registration.tool.management.retry : undefined
    return Effect.uninterruptibleMask(() => {
      const busy = this.countIn(registration, started)
      const attempt = Attempt.inline(registration, input, fiber, (exit) =>
        retry === undefined || !isRetryable(exit)
          ? this.finish(registration, probe, started, clock, exit)
          : Effect.flatMap(Effect.exit(Effect.interruptible(this.retried(registration, input, Number.POSITIVE_INFINITY, retry, exit))), (last) =>
            this.finish(registration, probe, started, clock, Exit.isSuccess(last) ? last.value : last)))
      return busy === Effect.void ? attempt : Effect.zipRight(busy, attempt)
    })
  }

  /**
   * With a timeout: the attempt is forked (a handler that answers synchronously is done before
   * `fork` returns and is handled without waiting on anything), then settled.
   */
  private forked(
    registration: Registration,
    input: unknown,
    probe: boolean,
    started: number,
    clock: Clock.Clock,
    timeoutMs: number,
    parent: Fiber.RuntimeFiber<unknown, unknown>,
    flags: RuntimeFlags.RuntimeFlags
  ): Effect.Effect<CallToolResult> {
    const retry = registration.tool.management.idempotent ? registration.tool.management.retry : undefined
    return Effect.uninterruptibleMask((restore) => {
      const claimed = CallScope.claim(parent.currentContext)
      const busy = this.countIn(registration, started)
      const forked = Attempt.fork(registration, input, parent, flags, claimed ?? CallScope.make(), claimed !== undefined)
      const done = forked.fiber.unsafePoll()
      const answered = done !== null && (retry === undefined || !isRetryable(done))
        ? Attempt.closing(forked.scope, done, () => this.finish(registration, probe, started, clock, done))
        : Effect.flatMap(
          Effect.exit(restore(Effect.flatMap(Attempt.settle(registration, forked, timeoutMs), (exit) =>
            retry !== undefined && isRetryable(exit) ? this.retried(registration, input, timeoutMs, retry, exit) : Effect.succeed(exit)))),
          (exit) => this.finish(registration, probe, started, clock, Exit.isSuccess(exit) ? exit.value : exit)
        )
      return busy === Effect.void ? answered : Effect.zipRight(busy, answered)
    })
  }

  /** The attempts after a retryable first one, on the tool's Schedule; the last exit. */
  private retried(
    registration: Registration,
    input: unknown,
    timeoutMs: number,
    retry: Schedule.Schedule<unknown, unknown>,
    exit: Exit.Exit<unknown, unknown>
  ): Effect.Effect<Exit.Exit<unknown, unknown>> {
    return Effect.flatMap(Schedule.driver(retry), (driver) => retrying(exit, Attempt.run(registration, input, timeoutMs), driver))
  }

  /** Counts a call out (breaker, metrics, state, drain) and answers its outcome. */
  private finish(registration: Registration, probe: boolean, started: number, clock: Clock.Clock, exit: Exit.Exit<unknown, unknown>): Effect.Effect<CallToolResult> {
    const outcome = this.outcomeOf(registration, exit)
    const ended = clock.unsafeCurrentTimeMillis()
    registration.inFlight--
    this.inFlight--
    const failed = outcome !== undefined && outcome.result.isError === true
    if (outcome === undefined) registration.breaker.release(probe)
    else if (registration.breaker.record(!failed, probe, ended)) registration.metrics.breaker(registration.breaker.state(ended))
    registration.metrics.ended(registration.inFlight, ended - started, failed)
    const settled = registration.settle(ended)
    if (registration.inFlight === 0) registration.idle?.()
    const answer: Effect.Effect<CallToolResult> = outcome === undefined
      ? Effect.failCause((exit as Exit.Failure<unknown, unknown>).cause as Cause.Cause<never>)
      : outcome.defect === undefined
      ? Effect.succeed(outcome.result)
      : Effect.as(Tool.logDefect(registration.name, outcome.defect), outcome.result)
    return settled === Effect.void ? answer : Effect.zipRight(settled, answer)
  }

  private outcomeOf(registration: Registration, exit: Exit.Exit<unknown, unknown>): Tool.Outcome | undefined {
    if (Exit.isFailure(exit)) {
      if (registration.stopped && Cause.isInterruptedOnly(exit.cause)) {
        return { result: refusal(registration, unavailable(registration, `tool ${registration.name}@${registration.version} was unregistered while the call ran`)) }
      }
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure) && isPipelineError(failure.value)) return { result: refusal(registration, failure.value) }
    }
    return Tool.outcomeOf(registration.tool, exit)
  }
}

/** Whether a failed attempt may be retried: a typed failure (or a timeout), not a defect or an interruption. */
const isRetryable = (exit: Exit.Exit<unknown, unknown>): boolean => Exit.isFailure(exit) && Option.isSome(Cause.failureOption(exit.cause))

/** Runs `next` again after a retryable failure while `driver` continues; the last exit otherwise. */
const retrying = (
  exit: Exit.Exit<unknown, unknown>,
  next: Effect.Effect<Exit.Exit<unknown, unknown>>,
  driver: Schedule.ScheduleDriver<unknown, unknown, never>
): Effect.Effect<Exit.Exit<unknown, unknown>> =>
  isRetryable(exit)
    ? Effect.matchEffect(driver.next(Option.getOrUndefined(Cause.failureOption((exit as Exit.Failure<unknown, unknown>).cause))), {
      onFailure: () => Effect.succeed(exit),
      onSuccess: () => Effect.flatMap(next, (again) => retrying(again, next, driver))
    })
    : Effect.succeed(exit)

const unavailable = (registration: Registration, message: string) =>
  new ToolUnavailable({ name: registration.name, version: registration.version, state: registration.state, message })

const withDeprecation = (result: CallToolResult, deprecated: Tool.Deprecation): CallToolResult => ({
  ...result,
  _meta: {
    ...result._meta,
    [DeprecationKey]: { message: deprecated.message ?? "This tool version is deprecated", ...(deprecated.sunset === undefined ? {} : { sunset: deprecated.sunset }) }
  }
})
