/**
 * `ToolContext.contexts`: a tool that does not list the `ContextManager` in its requirements
 * reaches the server's manager through `ToolContext`, through the real server; a server built
 * without a manager answers such a call with the `ContextsUnavailable` error result.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as ContextManager from "../../src/context/ContextManager.js"
import * as Tool from "../../src/server/Tool.js"
import * as ToolContext from "../../src/server/ToolContext.js"
import { ask, serverWith } from "../server/support.js"
import { memory } from "./support.js"

/** Adds one to a counter context, reaching the manager only through `ToolContext`. */
const Bump = Tool.make("bump", {
  input: Schema.Struct({ id: Schema.String }),
  output: Schema.Struct({ version: Schema.Int, count: Schema.Number })
}, ({ id }) =>
  Effect.gen(function*() {
    const tool = yield* ToolContext.ToolContext
    const contexts = yield* tool.contexts
    const next = yield* Effect.orDie(contexts.update(id, ContextManager.Change.fn((value) => ({ count: (value as { count: number }).count + 1 }))))
    return { version: next.version, count: (next.value as { count: number }).count }
  }))

describe("ToolContext.contexts", () => {
  it.scopedLive("gives a tool the server's ContextManager", () =>
    Effect.gen(function*() {
      const contexts = yield* ContextManager.ContextManager
      const { id } = yield* contexts.create({ value: { count: 0 } })
      const client = yield* (yield* serverWith({ tools: [Bump] })).peer()
      const first = (yield* ask(client, 1, "tools/call", { name: "bump", arguments: { id } })).result
      expect(first.structuredContent).toEqual({ version: 2, count: 1 })
      yield* ask(client, 2, "tools/call", { name: "bump", arguments: { id } })
      // The tool changed the very manager the test holds.
      expect((yield* contexts.get(id)).value).toEqual({ count: 2 })
    }).pipe(Effect.provide(memory())))

  it.scopedLive("fails with ContextsUnavailable on a server built without a manager", () =>
    Effect.gen(function*() {
      const client = yield* (yield* serverWith({ tools: [Bump] })).peer()
      const result = (yield* ask(client, 1, "tools/call", { name: "bump", arguments: { id: "ctx_any" } })).result
      expect(result.isError).toBe(true)
      expect(result.content[0].text).toBe(`ContextsUnavailable: ${new ToolContext.ContextsUnavailable().message}`)
    }))
})
