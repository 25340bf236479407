/**
 * Capability discovery: what a tool can do and needs (`discoverCapabilities`), and how each
 * registered version is described to operators (`ToolManager.list`) and to clients (the
 * `_meta["machine-context/tool"]` of its `tools/list` entry).
 *
 * @since 0.1.0
 */
import * as Tool from "../Tool.js"
import type { BreakerState } from "./CircuitBreaker.js"
import * as Lifecycle from "./Lifecycle.js"
import type { Registration } from "./Registration.js"

/** The `_meta` key of a listed tool's management data. */
export const ToolMetaKey = "machine-context/tool"

/** What a tool does and needs. */
export interface Capabilities {
  readonly structuredOutput: boolean
  readonly typedFailures: boolean
  readonly taskSupport: "forbidden" | "optional" | "required"
  readonly idempotent: boolean
  readonly readOnly: boolean
  readonly destructive: boolean
  readonly openWorld: boolean
  readonly retry: boolean
  /** Client capabilities it uses. */
  readonly clientCapabilities: ReadonlyArray<string>
  /** Tools it depends on. */
  readonly dependsOn: ReadonlyArray<string>
}

/** A registered version, as operators and `mcx tools` see it. */
export interface ToolInfo {
  readonly name: string
  readonly version: string
  /** Every registered version of the name, newest first. */
  readonly versions: ReadonlyArray<string>
  readonly state: Lifecycle.State
  readonly health: Lifecycle.Health
  readonly breaker: BreakerState
  readonly inFlight: number
  readonly capabilities: ReadonlyArray<string>
  readonly deprecated?: Tool.Deprecation
}

/** What `tool` does and needs. */
export const capabilitiesOf = (tool: Tool.Any): Capabilities => {
  const annotations = tool.annotations ?? {}
  return {
    structuredOutput: tool.output !== undefined,
    typedFailures: tool.failure !== undefined,
    taskSupport: Tool.taskSupport(tool),
    idempotent: tool.management.idempotent,
    readOnly: annotations.readOnlyHint === true,
    destructive: annotations.readOnlyHint !== true && annotations.destructiveHint !== false,
    openWorld: annotations.openWorldHint !== false,
    retry: tool.management.idempotent && tool.management.retry !== undefined,
    clientCapabilities: tool.management.requires.capabilities ?? [],
    dependsOn: tool.management.requires.tools ?? []
  }
}

/** The capabilities as the flat list clients see (`structured-output`, `client:sampling`…). */
export const capabilityNames = (capabilities: Capabilities): Array<string> => {
  const names: Array<string> = []
  if (capabilities.structuredOutput) names.push("structured-output")
  if (capabilities.typedFailures) names.push("typed-failures")
  if (capabilities.taskSupport !== "forbidden") names.push(`tasks:${capabilities.taskSupport}`)
  if (capabilities.idempotent) names.push("idempotent")
  if (capabilities.retry) names.push("retry")
  if (capabilities.readOnly) names.push("read-only")
  for (const capability of capabilities.clientCapabilities) names.push(`client:${capability}`)
  for (const tool of capabilities.dependsOn) names.push(`tool:${tool}`)
  return names
}

/** The live part of a version's description: what calls and time change. */
export interface Live {
  readonly state: Lifecycle.State
  readonly health: Lifecycle.Health
  readonly breaker: BreakerState
  readonly inFlight: number
}

/** What `ToolManager.discoverCapabilities` reports: what a version does and needs, and its live state. */
export interface Discovered extends Capabilities, Live {
  readonly name: string
  readonly version: string
}

/** The live part of `registration` at `now`. */
export const liveOf = (registration: Registration, now: number): Live => ({
  state: registration.state,
  health: Lifecycle.health(registration.state),
  breaker: registration.breaker.state(now),
  inFlight: registration.inFlight
})

/** A version as operators see it at `now`. */
export const infoOf = (registration: Registration, versions: ReadonlyArray<string>, now: number): ToolInfo => {
  const deprecated = registration.tool.management.deprecated
  return {
    name: registration.name,
    version: registration.version,
    versions,
    ...liveOf(registration, now),
    capabilities: capabilityNames(capabilitiesOf(registration.tool)),
    ...(deprecated === undefined ? {} : { deprecated })
  }
}

/**
 * The static part of the `tools/list` entry of a default version, as JSON text to complete with
 * `withLive`: the tool's definition, its description marked when deprecated, and
 * `_meta["machine-context/tool"]` without its live members. The text is written as an open
 * entry, an open `_meta` and an open management object (in that order, last), each made from
 * the members of a serialized object, so the live members go in by concatenation: the schemas
 * are encoded once per change of the tool list, not on every `tools/list`.
 */
export const staticText = (registration: Registration, versions: ReadonlyArray<string>): string => {
  const { _meta, description, ...definition } = registration.tool.wire()
  const { [ToolMetaKey]: _, ...meta } = _meta ?? {}
  const deprecated = registration.tool.management.deprecated
  const marked = deprecated === undefined
    ? description
    : `${description ?? ""}${description === undefined ? "" : " "}(Deprecated${deprecated.message === undefined ? "" : `: ${deprecated.message}`}${deprecated.sunset === undefined ? "" : `; sunset ${deprecated.sunset}`})`
  const management = {
    version: registration.version,
    versions,
    capabilities: capabilityNames(capabilitiesOf(registration.tool)),
    ...(deprecated === undefined ? {} : { deprecated })
  }
  const entry = { ...definition, ...(marked === undefined ? {} : { description: marked }) }
  return `{${members(entry)},"_meta":{${members(meta)}${Object.keys(meta).length === 0 ? "" : ","}${JSON.stringify(ToolMetaKey)}:{${members(management)}`
}

/** The members of `object` as JSON text: its serialization without the enclosing braces. */
const members = (object: object): string => JSON.stringify(object).slice(1, -1)

/** The live members of a `tools/list` entry at `now` (state, health, breaker, calls in flight), as JSON object members. */
export const liveText = (registration: Registration, now: number): string => {
  // Every live value is a fixed word or a number: written directly, no JSON encoding per tool.
  const state = registration.state
  return `"state":"${state}","health":"${Lifecycle.health(state)}","breaker":"${registration.breaker.state(now)}","inFlight":${registration.inFlight}`
}

/** The whole `tools/list` entry: `staticText` completed with `liveText`. */
export const withLive = (text: string, live: string): string => `${text},${live}}}}`
