/**
 * The typed errors of tool management: registration (`InvalidTool`, `DuplicateTool`,
 * `MissingDependencies`, `DependencyCycle`, `ToolInitError`), removal (`HasDependents`), lookup
 * (`ToolNotFound`), and the pipeline's own refusals, which become error results
 * (`ToolTimeout`, `ToolUnavailable`, `CircuitOpen`, `MissingCapabilities`); and an isolated
 * job's failure (`IsolationError`, re-exported by `WorkerPool`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** A definition the manager refuses: bad name, bad version, schemas that are not JSON objects. */
export class InvalidTool extends Schema.TaggedError<InvalidTool>()("InvalidTool", {
  name: Schema.String,
  message: Schema.String
}) {}

/** A tool with this name and version is registered already. */
export class DuplicateTool extends Schema.TaggedError<DuplicateTool>()("DuplicateTool", {
  name: Schema.String,
  version: Schema.String
}) {}

/** What a tool needs is not there: each missing tool (`tool:<name>`) or service (`service:<key>`). */
export class MissingDependencies extends Schema.TaggedError<MissingDependencies>()("MissingDependencies", {
  name: Schema.String,
  missing: Schema.Array(Schema.String)
}) {}

/** Tools that depend on each other in a circle (the names in order, the first repeated last). */
export class DependencyCycle extends Schema.TaggedError<DependencyCycle>()("DependencyCycle", {
  cycle: Schema.Array(Schema.String)
}) {}

/** A tool's initialization failed (it is registered, in state `failed`, until `recover` succeeds). */
export class ToolInitError extends Schema.TaggedError<ToolInitError>()("ToolInitError", {
  name: Schema.String,
  version: Schema.String,
  message: Schema.String
}) {}

/** Unregistering a tool other tools depend on (without `cascade`). */
export class HasDependents extends Schema.TaggedError<HasDependents>()("HasDependents", {
  name: Schema.String,
  dependents: Schema.Array(Schema.String)
}) {}

/** No such tool, or no such version of it. */
export class ToolNotFound extends Schema.TaggedError<ToolNotFound>()("ToolNotFound", {
  name: Schema.String,
  version: Schema.optional(Schema.String),
  versions: Schema.Array(Schema.String)
}) {}

/** A call ran past its timeout (it was interrupted and its resources released). */
export class ToolTimeout extends Schema.TaggedError<ToolTimeout>()("ToolTimeout", {
  name: Schema.String,
  timeoutMs: Schema.Number
}) {}

/** The tool cannot take calls in its state (failed, draining, past its sunset). */
export class ToolUnavailable extends Schema.TaggedError<ToolUnavailable>()("ToolUnavailable", {
  name: Schema.String,
  version: Schema.String,
  state: Schema.String,
  message: Schema.String
}) {}

/** The tool's circuit breaker is open. */
export class CircuitOpen extends Schema.TaggedError<CircuitOpen>()("CircuitOpen", {
  name: Schema.String,
  retryAfterMs: Schema.Number
}) {}

/** The client lacks capabilities the tool needs. */
export class MissingCapabilities extends Schema.TaggedError<MissingCapabilities>()("MissingCapabilities", {
  name: Schema.String,
  missing: Schema.Array(Schema.String)
}) {}

/** Any registration error. */
export type RegistrationError = InvalidTool | DuplicateTool | MissingDependencies | DependencyCycle | ToolInitError

/** Why an isolated job failed. */
export const Reason = Schema.Literal("exception", "crash", "exit", "outOfMemory", "closed")

/** An isolated job failed: its function threw, or its worker crashed, exited, ran out of memory or was closed. */
export class IsolationError extends Schema.TaggedError<IsolationError>()("IsolationError", {
  reason: Reason,
  message: Schema.String
}) {}
