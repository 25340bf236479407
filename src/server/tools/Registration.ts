/**
 * One registered tool version: its lifecycle state, calls in flight, circuit breaker, metrics,
 * the Scope of its own resources, and the fibers of its running calls (interrupted when a
 * drain runs past its deadline).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import type * as Tool from "../Tool.js"
import { CircuitBreaker, defaults } from "./CircuitBreaker.js"
import * as Lifecycle from "./Lifecycle.js"
import { ToolMetrics } from "./Metrics.js"
import type { Middleware } from "./Middleware.js"

/** A state change, as the `onStateChange` hook sees it. */
export interface StateChange {
  readonly name: string
  readonly version: string
  readonly from: Lifecycle.State
  readonly to: Lifecycle.State
}

/** The hook run on every state change (synchronous callers get it as an Effect to run). */
export type OnStateChange = (change: StateChange) => Effect.Effect<void>

/** A registered tool version. */
export class Registration {
  state: Lifecycle.State = "registered"
  inFlight = 0
  /** Set once a drain ran past its deadline: the calls it interrupted answer "unregistered". */
  stopped = false
  scope: Scope.CloseableScope | undefined
  /** Completed when the last call of a draining tool ends. */
  idle: (() => void) | undefined
  readonly calls = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
  /** The manager's middleware then the tool's, joined on the first call (the pipeline's). */
  middleware: ReadonlyArray<Middleware> | undefined
  readonly breaker: CircuitBreaker
  readonly metrics: ToolMetrics
  /** The sunset as epoch milliseconds (`undefined`: none). */
  readonly sunsetAt: number | undefined

  constructor(readonly tool: Tool.Any, private readonly onStateChange: OnStateChange | undefined) {
    const breaker = tool.management.breaker
    this.breaker = new CircuitBreaker(breaker?.failures ?? defaults.failures, breaker?.cooldownMs ?? defaults.cooldownMs)
    this.metrics = new ToolMetrics(tool.name, tool.management.version)
    const sunset = tool.management.deprecated?.sunset
    this.sunsetAt = sunset === undefined ? undefined : Date.parse(sunset)
  }

  get name(): string {
    return this.tool.name
  }

  get version(): string {
    return this.tool.management.version
  }

  /** Moves to `to` (a defect if the machine has no such move) and runs the hook. */
  move(to: Lifecycle.State): Effect.Effect<void> {
    const from = this.state
    if (from === to) return Effect.void
    this.state = Lifecycle.transition(this.name, from, to)
    return this.onStateChange === undefined ? Effect.void : this.onStateChange({ name: this.name, version: this.version, from, to })
  }

  /** The state a serving tool should be in now: degraded while its breaker is not closed, else busy or ready. */
  settle(now: number): Effect.Effect<void> {
    if (!Lifecycle.accepts(this.state)) return Effect.void
    const breaker = this.breaker.state(now)
    return this.move(breaker !== "closed" ? "degraded" : this.inFlight > 0 ? "busy" : "ready")
  }
}
