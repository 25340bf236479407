/**
 * Live discovery through the server: `tools/list` shows each tool's current state, health,
 * breaker and calls in flight (not the state as of the last change of the list), while its
 * definition is serialized once; `discoverCapabilities` and the manager's listing are live too.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as Tool from "../../src/server/Tool.js"
import { ask, serverWith } from "../server/support.js"

class Refused extends Schema.TaggedError<Refused>()("Refused", {}) {}

/** The `_meta["machine-context/tool"]` of `name` in a tools/list answer. */
const managementOf = (answer: any, name: string) => answer.result.tools.find((t: any) => t.name === name)?._meta?.["machine-context/tool"]

/** Waits (on the real event loop, whatever the clock) until `ready` holds. */
const until = (ready: () => boolean): Effect.Effect<void> =>
  Effect.suspend(() => ready() ? Effect.void : Effect.zipRight(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))), until(ready)))

describe("live discovery", () => {
  it.scoped("tools/list shows a call in flight as busy, then ready again, without encoding the tool again", () =>
    Effect.gen(function*() {
      const open = yield* Deferred.make<void>()
      const gated = Tool.make("gated", { description: "Waits", input: Schema.Struct({ n: Schema.Number }) }, ({ n }) => Effect.as(Deferred.await(open), `done ${n}`))
      let encodings = 0
      const counted: Tool.Any = { ...gated, wire: () => {
        encodings++
        return gated.wire()
      } }
      const { peer, server } = yield* serverWith({ tools: [counted] })
      const client = yield* peer()
      const first = yield* ask(client, 1, "tools/list")
      expect(managementOf(first, "gated")).toEqual({
        version: "1.0.0",
        versions: ["1.0.0"],
        capabilities: [],
        state: "ready",
        health: "healthy",
        breaker: "closed",
        inFlight: 0
      })
      expect(first.result.tools[0]).toMatchObject({ name: "gated", description: "Waits", inputSchema: { type: "object" } })
      const encoded = encodings

      client.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "gated", arguments: { n: 1 } } })
      client.send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "gated", arguments: { n: 2 } } })
      yield* until(() => server.toolManager.find("gated")?.inFlight === 2)
      const busy = yield* ask(client, 4, "tools/list")
      expect(managementOf(busy, "gated")).toMatchObject({ state: "busy", health: "healthy", inFlight: 2 })
      expect(yield* server.toolManager.discoverCapabilities("gated")).toMatchObject({ name: "gated", version: "1.0.0", state: "busy", inFlight: 2, structuredOutput: false })
      expect((yield* server.toolManager.list)[0]).toMatchObject({ state: "busy", inFlight: 2 })

      yield* Deferred.succeed(open, undefined)
      expect((yield* client.nextWhere((m) => m.id === 2)).result.content).toEqual([{ type: "text", text: "done 1" }])
      yield* client.nextWhere((m) => m.id === 3)
      const idle = yield* ask(client, 5, "tools/list")
      expect(managementOf(idle, "gated")).toMatchObject({ state: "ready", inFlight: 0 })
      expect(yield* server.toolManager.discoverCapabilities("gated")).toMatchObject({ state: "ready", inFlight: 0 })
      // The definition was encoded for the first page only: the live part is added per request.
      expect(encodings).toBe(encoded)
      expect(idle.result.tools[0]).toEqual({ ...first.result.tools[0], _meta: idle.result.tools[0]._meta })
    }))

  it.scoped("tools/list follows the circuit breaker: open, half-open after its cool-down, closed after a probe", () =>
    Effect.gen(function*() {
      let failing = true
      const shaky = Tool.make("shaky", { input: Schema.Struct({}), failure: Refused, breaker: { failures: 2, cooldownMs: 10_000 } }, () =>
        Effect.suspend(() => failing ? Effect.fail(new Refused()) : Effect.succeed("fine")))
      const { peer, server } = yield* serverWith({ tools: [shaky] })
      const client = yield* peer()
      for (const id of [1, 2]) expect((yield* ask(client, id, "tools/call", { name: "shaky", arguments: {} })).result.isError).toBe(true)
      expect(managementOf(yield* ask(client, 3, "tools/list"), "shaky")).toMatchObject({ state: "degraded", health: "degraded", breaker: "open" })
      expect((yield* ask(client, 4, "tools/call", { name: "shaky", arguments: {} })).result).toMatchObject({ isError: true, structuredContent: { error: "CircuitOpen" } })

      // The cool-down passes with no call and no change of the list: the listing still sees it.
      yield* TestClock.adjust(10_000)
      expect(managementOf(yield* ask(client, 5, "tools/list"), "shaky")).toMatchObject({ state: "degraded", breaker: "half-open" })
      expect(yield* server.toolManager.discoverCapabilities("shaky")).toMatchObject({ breaker: "half-open" })

      failing = false
      expect((yield* ask(client, 6, "tools/call", { name: "shaky", arguments: {} })).result.content).toEqual([{ type: "text", text: "fine" }])
      expect(managementOf(yield* ask(client, 7, "tools/list"), "shaky")).toMatchObject({ state: "ready", health: "healthy", breaker: "closed", inFlight: 0 })
    }))

  it.scoped("the 2026-07-28 page carries the same live entries after the era's fields", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ tools: [Tool.make("plain", { input: Schema.Struct({}) }, () => Effect.succeed("ok"))] })
      const client = yield* peer()
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "test", version: "1" }
      }
      const answer = yield* ask(client, 1, "tools/list", { _meta: meta })
      expect(answer.result.resultType).toBe("complete")
      expect(managementOf(answer, "plain")).toMatchObject({ version: "1.0.0", state: "ready", inFlight: 0 })
    }))

  it.scoped("each listed entry is the tool's definition with its management `_meta` added, whatever the tool's own `_meta` and description hold", () =>
    Effect.gen(function*() {
      const tricky = "}}} {\"a\":1} \\\" ,"
      const tools = [
        Tool.make("own-meta", { description: tricky, input: Schema.Struct({ q: Schema.String }), _meta: { "x/one": { nested: tricky }, "x/two": [tricky] } }, () => Effect.succeed("ok")),
        Tool.make("no-meta", { input: Schema.Struct({}), output: Schema.Struct({ n: Schema.Number }) }, () => Effect.succeed({ n: 1 })),
        Tool.make("old", { input: Schema.Struct({}), deprecated: { message: tricky, sunset: "2099-01-01" }, _meta: { "x/three": null } }, () => Effect.succeed("ok"))
      ]
      const { peer } = yield* serverWith({ tools })
      const client = yield* peer()
      const answer = yield* ask(client, 1, "tools/list")
      for (const tool of tools) {
        const { _meta, description, ...definition } = tool.wire()
        const listed = answer.result.tools.find((t: any) => t.name === tool.name)
        const { _meta: listedMeta, description: listedDescription, ...listedDefinition } = listed
        expect(listedDefinition).toEqual(definition)
        const deprecated = tool.management.deprecated
        expect(listedDescription).toBe(deprecated === undefined ? description : `${description === undefined ? "" : `${description} `}(Deprecated: ${deprecated.message}; sunset ${deprecated.sunset})`)
        const { ["machine-context/tool"]: management, ...ownMeta } = listedMeta
        expect(ownMeta).toEqual(_meta ?? {})
        expect(management).toMatchObject({ version: "1.0.0", versions: ["1.0.0"], state: "ready", health: "healthy", breaker: "closed", inFlight: 0 })
        expect(management.deprecated).toEqual(deprecated)
      }
    }))
})
