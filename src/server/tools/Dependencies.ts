/**
 * Dependencies between tools: which are missing, the order in which a batch initializes
 * (dependencies first), cycles, and who depends on a tool.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type * as Tool from "../Tool.js"
import { DependencyCycle } from "./errors.js"

const toolsOf = (tool: Tool.Any): ReadonlyArray<string> => tool.management.requires.tools ?? []

/** The tools `tool` depends on that neither `registered` nor the batch has. */
export const missingTools = (tool: Tool.Any, registered: (name: string) => boolean, batch: ReadonlySet<string>): Array<string> =>
  toolsOf(tool).filter((name) => !registered(name) && !batch.has(name))

/** `batch` ordered so that each tool comes after the batch's tools it depends on; a cycle is an error. */
export const order = (batch: ReadonlyArray<Tool.Any>): Either.Either<Array<Tool.Any>, DependencyCycle> => {
  const byName = new Map<string, Array<Tool.Any>>()
  for (const tool of batch) byName.set(tool.name, [...(byName.get(tool.name) ?? []), tool])
  const ordered: Array<Tool.Any> = []
  const done = new Set<string>()
  const path: Array<string> = []
  const visit = (name: string): DependencyCycle | undefined => {
    if (done.has(name) || !byName.has(name)) return undefined
    const at = path.indexOf(name)
    if (at >= 0) return new DependencyCycle({ cycle: [...path.slice(at), name] })
    path.push(name)
    for (const tool of byName.get(name)!) {
      for (const dependency of toolsOf(tool)) {
        const cycle = visit(dependency)
        if (cycle !== undefined) return cycle
      }
    }
    path.pop()
    done.add(name)
    ordered.push(...byName.get(name)!)
    return undefined
  }
  for (const tool of batch) {
    const cycle = visit(tool.name)
    if (cycle !== undefined) return Either.left(cycle)
  }
  return Either.right(ordered)
}

/** The names among `tools` that depend on `name`, directly. */
export const dependentsOf = (name: string, tools: Iterable<Tool.Any>): Array<string> => {
  const dependents = new Set<string>()
  for (const tool of tools) if (tool.name !== name && toolsOf(tool).includes(name)) dependents.add(tool.name)
  return [...dependents]
}
