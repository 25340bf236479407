/**
 * The lifecycle of a registered tool version, as a state machine:
 * `registered → initializing → ready ⇄ busy`, `degraded` (its circuit breaker is not closed),
 * `failed → recovering → ready` (initialization failed, then `ToolManager.recover`), and
 * `draining → unregistered`. Every change goes through `transition`, which refuses a move the
 * machine does not have (a bug, so a defect).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** The states of a tool version. */
export const State = Schema.Literal(
  "registered",
  "initializing",
  "ready",
  "busy",
  "degraded",
  "failed",
  "recovering",
  "draining",
  "unregistered"
)
/** A state of a tool version. */
export type State = typeof State.Type

/** How healthy a tool is, as shown to clients. */
export type Health = "healthy" | "degraded" | "unhealthy"

/** The legal moves: from each state, the states it may go to. */
export const transitions: Readonly<Record<State, ReadonlyArray<State>>> = {
  registered: ["initializing", "unregistered"],
  initializing: ["ready", "failed"],
  ready: ["busy", "degraded", "draining"],
  busy: ["ready", "degraded", "draining"],
  degraded: ["ready", "busy", "draining"],
  failed: ["recovering", "draining"],
  recovering: ["ready", "failed"],
  draining: ["unregistered"],
  unregistered: []
}

/** Whether `from → to` is a move of the machine. */
export const isLegal = (from: State, to: State): boolean => transitions[from].includes(to)

/** Moves `from → to`, or throws (a defect: the manager never asks for an illegal move). */
export const transition = (name: string, from: State, to: State): State => {
  if (!isLegal(from, to)) throw new Error(`Tool ${name}: illegal lifecycle transition ${from} → ${to}`)
  return to
}

/** Whether calls of a tool in `state` run. `draining` lets the calls already admitted finish only. */
export const accepts = (state: State): boolean => state === "ready" || state === "busy" || state === "degraded"

/** The health shown for `state`. */
export const health = (state: State): Health =>
  state === "ready" || state === "busy" ? "healthy" : state === "failed" || state === "unregistered" ? "unhealthy" : "degraded"
