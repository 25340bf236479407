/**
 * Capability discovery: what a tool can do and needs (`discoverCapabilities`), and how each
 * registered version is described to operators (`ToolManager.list`) and to clients (the
 * `_meta["machine-context/tool"]` of its `tools/list` entry).
 *
 * @since 0.1.0
 */
import type { Tool as WireTool } from "../../schema/tools.js"
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

/** A version as operators see it at `now`. */
export const infoOf = (registration: Registration, versions: ReadonlyArray<string>, now: number): ToolInfo => {
  const deprecated = registration.tool.management.deprecated
  return {
    name: registration.name,
    version: registration.version,
    versions,
    state: registration.state,
    health: Lifecycle.health(registration.state),
    breaker: registration.breaker.state(now),
    inFlight: registration.inFlight,
    capabilities: capabilityNames(capabilitiesOf(registration.tool)),
    ...(deprecated === undefined ? {} : { deprecated })
  }
}

/**
 * The `tools/list` entry of a default version: the tool's definition, its description marked
 * when deprecated, and `_meta["machine-context/tool"]`. The state shown is the settled one
 * (`busy` reads `ready`): the list is cached between changes, and calls do not change it.
 */
export const wireOf = (registration: Registration, versions: ReadonlyArray<string>, now: number): WireTool => {
  const wire = registration.tool.wire()
  const info = infoOf(registration, versions, now)
  const deprecated = info.deprecated
  const description = deprecated === undefined
    ? wire.description
    : `${wire.description ?? ""}${wire.description === undefined ? "" : " "}(Deprecated${deprecated.message === undefined ? "" : `: ${deprecated.message}`}${deprecated.sunset === undefined ? "" : `; sunset ${deprecated.sunset}`})`
  const meta = {
    version: info.version,
    versions: info.versions,
    state: info.state === "busy" ? "ready" : info.state,
    health: info.health,
    capabilities: info.capabilities,
    breaker: info.breaker,
    ...(deprecated === undefined ? {} : { deprecated })
  }
  return {
    ...wire,
    ...(description === undefined ? {} : { description }),
    _meta: { ...wire._meta, [ToolMetaKey]: meta }
  }
}
