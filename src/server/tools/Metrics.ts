/**
 * The metrics of tool calls, with Effect's `Metric` (tagged `tool` = name, `version`), so that
 * any Effect metrics exporter publishes them: `mcp_tool_calls_total`, `mcp_tool_failures_total`
 * (error results and defects), `mcp_tool_duration_ms` (histogram), `mcp_tool_in_flight` and
 * `mcp_tool_breaker_state` (0 closed, 1 half-open, 2 open). They are updated synchronously on
 * the call path (`unsafeUpdate`): one call costs no extra Effect steps.
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import type { BreakerState } from "./CircuitBreaker.js"

/** Calls started. */
export const calls = Metric.counter("mcp_tool_calls_total", { description: "Tool calls", incremental: true })
/** Calls that ended in an error result or a defect. */
export const failures = Metric.counter("mcp_tool_failures_total", { description: "Tool calls that failed", incremental: true })
/** Call durations in milliseconds. */
export const duration = Metric.histogram(
  "mcp_tool_duration_ms",
  MetricBoundaries.exponential({ start: 0.5, factor: 2, count: 18 }),
  "Tool call duration (ms)"
)
/** Calls in flight. */
export const inFlight = Metric.gauge("mcp_tool_in_flight", { description: "Tool calls in flight" })
/** The breaker's state: 0 closed, 1 half-open, 2 open. */
export const breakerState = Metric.gauge("mcp_tool_breaker_state", { description: "Tool circuit breaker (0 closed, 1 half-open, 2 open)" })

const breakerValues: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 }

/** The metrics of one tool version (its tags computed once). */
export class ToolMetrics {
  private readonly tags: ReadonlyArray<MetricLabel.MetricLabel>

  constructor(name: string, version: string) {
    this.tags = [MetricLabel.make("tool", name), MetricLabel.make("version", version)]
  }

  started(running: number): void {
    calls.unsafeUpdate(1, this.tags)
    inFlight.unsafeUpdate(running, this.tags)
  }

  ended(running: number, ms: number, failed: boolean): void {
    if (failed) failures.unsafeUpdate(1, this.tags)
    duration.unsafeUpdate(ms, this.tags)
    inFlight.unsafeUpdate(running, this.tags)
  }

  breaker(state: BreakerState): void {
    breakerState.unsafeUpdate(breakerValues[state], this.tags)
  }
}
