import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as McpServer from "../../src/server/McpServer.js"
import * as Tool from "../../src/server/Tool.js"
import type { StateChange } from "../../src/server/tools/Registration.js"
import * as ToolManager from "../../src/server/tools/ToolManager.js"

const text = (result: { content: ReadonlyArray<unknown> }) => (result.content[0] as { text: string }).text

const versioned = (version: string, options: Partial<Tool.Deprecation> & { deprecated?: boolean } = {}) =>
  Tool.make("greet", {
    input: Schema.Struct({}),
    version,
    ...(options.deprecated === true ? { deprecated: { message: options.message ?? "use a newer one", ...(options.sunset === undefined ? {} : { sunset: options.sunset }) } } : {})
  }, () => Effect.succeed(`v${version}`))

const plain = (name: string, requires: Tool.Dependencies = {}) =>
  Tool.make(name, { input: Schema.Struct({}), requires }, () => Effect.succeed(name))

class Database extends Context.Tag("test/Database")<Database, { readonly query: string }>() {}

describe("ToolManager registration", () => {
  it.scoped("refuses bad names, bad versions, and a duplicate name+version with typed errors", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      const badName = { ...plain("ok"), name: "bad name!" } as Tool.Any
      expect((yield* Effect.flip(manager.register(badName)))._tag).toBe("InvalidTool")
      const badVersion = Tool.make("v", { input: Schema.Struct({}), version: "1.0" }, () => Effect.succeed("x"))
      const invalid = yield* Effect.flip(manager.register(badVersion))
      expect(invalid).toMatchObject({ _tag: "InvalidTool", name: "v" })
      const badSchema = { ...plain("schema"), wire: () => { throw new Error("not an object") } } as Tool.Any
      expect(yield* Effect.flip(manager.register(badSchema))).toMatchObject({ _tag: "InvalidTool", message: "not an object" })
      yield* manager.register(plain("ok"))
      expect(yield* Effect.flip(manager.register(plain("ok")))).toMatchObject({ _tag: "DuplicateTool", name: "ok", version: "1.0.0" })
      expect((yield* manager.list).map((info) => info.name)).toEqual(["ok"])
    }))

  it.scoped("keeps versions side by side: the newest non-deprecated one is the default, a pin picks another", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      yield* manager.register(versioned("1.2.0"))
      yield* manager.register(versioned("2.0.0", { deprecated: true }))
      yield* manager.register(versioned("1.10.0"))
      expect(manager.versions("greet")).toEqual(["2.0.0", "1.10.0", "1.2.0"])
      expect(text(yield* manager.call("greet", {}))).toBe("v1.10.0")
      expect(text(yield* manager.call("greet", {}, { [ToolManager.ToolVersionKey]: "1.2.0" }))).toBe("v1.2.0")
      const deprecated = yield* manager.call("greet", {}, { [ToolManager.ToolVersionKey]: "2.0.0" })
      expect(text(deprecated)).toBe("v2.0.0")
      expect(deprecated._meta?.["machine-context/deprecation"]).toEqual({ message: "use a newer one" })
      const missing = yield* Effect.flip(manager.call("greet", {}, { [ToolManager.ToolVersionKey]: "9.9.9" }))
      expect(missing).toMatchObject({ _tag: "ToolNotFound", name: "greet", version: "9.9.9", versions: ["2.0.0", "1.10.0", "1.2.0"] })
    }))

  it.scoped("the default version follows registering, unregistering and replacing versions (deprecation included)", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      const defaultVersion = () => manager.find("greet")?.version
      yield* manager.register(versioned("1.0.0"))
      expect(defaultVersion()).toBe("1.0.0")
      yield* manager.register(versioned("3.0.0"))
      yield* manager.register(versioned("2.0.0"))
      expect(defaultVersion()).toBe("3.0.0")
      expect(manager.defaults().map((r) => r.version)).toEqual(["3.0.0"])
      yield* manager.register(versioned("3.0.0", { deprecated: true }), { replace: true })
      expect(defaultVersion()).toBe("2.0.0")
      expect(text(yield* manager.call("greet", {}))).toBe("v2.0.0")
      expect(yield* manager.unregister("greet", { version: "2.0.0" })).toBe(true)
      expect(defaultVersion()).toBe("1.0.0")
      yield* manager.unregister("greet", { version: "1.0.0" })
      // Only deprecated versions left: the newest of them serves.
      expect(defaultVersion()).toBe("3.0.0")
      yield* manager.unregister("greet")
      expect(defaultVersion()).toBeUndefined()
      expect(manager.defaults()).toEqual([])
    }))

  it.scoped("a version past its sunset answers an error result", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      yield* manager.register(versioned("1.0.0", { deprecated: true, sunset: "1970-01-02T00:00:00Z" }))
      expect((yield* manager.call("greet", {})).isError).toBeUndefined()
      yield* TestClock.adjust("2 days")
      const retired = yield* manager.call("greet", {})
      expect(retired.isError).toBe(true)
      expect(text(retired)).toContain("retired")
    }))

  it.scoped("dependencies: missing tools and services are listed, cycles refused, init runs in dependency order", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      const missing = yield* Effect.flip(manager.register(plain("report", { tools: ["query", "format"], services: [Database] })))
      expect(missing).toMatchObject({ _tag: "MissingDependencies", name: "report", missing: ["tool:query", "tool:format", "service:test/Database"] })
      const cycle = yield* Effect.flip(manager.registerAll([plain("a", { tools: ["b"] }), plain("b", { tools: ["c"] }), plain("c", { tools: ["a"] })]))
      expect(cycle._tag).toBe("DependencyCycle")
      expect(cycle).toMatchObject({ cycle: ["a", "b", "c", "a"] })
      expect(yield* manager.list).toEqual([])
      const order: Array<string> = []
      const initTool = (name: string, tools: ReadonlyArray<string>) =>
        Tool.make(name, { input: Schema.Struct({}), requires: { tools }, init: Effect.sync(() => order.push(name)) }, () => Effect.succeed(name))
      yield* manager.registerAll([initTool("top", ["mid"]), initTool("mid", ["base"]), initTool("base", [])])
      expect(order).toEqual(["base", "mid", "top"])
    }))

  it.scoped("a service dependency is satisfied by the manager's context", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make().pipe(Effect.provideService(Database, { query: "select 1" }))
      yield* manager.register(plain("uses-db", { services: [Database] }))
      expect((yield* manager.list)[0]?.state).toBe("ready")
    }))

  it.scoped("unregistering a tool others depend on is refused, or cascades when asked", () =>
    Effect.gen(function*() {
      const removed: Array<string> = []
      const manager = yield* ToolManager.make({ onUnregistered: (info) => Effect.sync(() => removed.push(info.name)) })
      yield* manager.registerAll([plain("base"), plain("mid", { tools: ["base"] }), plain("top", { tools: ["mid"] }), plain("other")])
      expect(yield* Effect.flip(manager.unregister("base"))).toMatchObject({ _tag: "HasDependents", name: "base", dependents: ["mid"] })
      expect(yield* manager.unregister("base", { cascade: true })).toBe(true)
      expect(removed).toEqual(["top", "mid", "base"])
      expect((yield* manager.list).map((info) => info.name)).toEqual(["other"])
      expect(yield* manager.unregister("base")).toBe(false)
    }))

  it.scoped("discovery: capabilities, versions, state, health and breaker of every version", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      yield* manager.register(Tool.make("sum", {
        input: Schema.Struct({ a: Schema.Number }),
        output: Schema.Struct({ sum: Schema.Number }),
        annotations: { readOnlyHint: true, idempotentHint: true },
        requires: { capabilities: ["sampling"] }
      }, ({ a }) => Effect.succeed({ sum: a })))
      const capabilities = yield* manager.discoverCapabilities("sum")
      expect(capabilities).toMatchObject({ structuredOutput: true, idempotent: true, readOnly: true, destructive: false, clientCapabilities: ["sampling"] })
      expect(yield* manager.list).toEqual([{
        name: "sum",
        version: "1.0.0",
        versions: ["1.0.0"],
        state: "ready",
        health: "healthy",
        breaker: "closed",
        inFlight: 0,
        capabilities: ["structured-output", "idempotent", "read-only", "client:sampling"]
      }])
      expect((yield* Effect.flip(manager.discoverCapabilities("nope")))._tag).toBe("ToolNotFound")
    }))
})

describe("ToolManager lifecycle", () => {
  it.scoped("hooks see legal moves; init resources are released on unregister", () =>
    Effect.gen(function*() {
      const changes: Array<StateChange> = []
      const events: Array<string> = []
      const manager = yield* ToolManager.make({
        onRegistered: (info) => Effect.sync(() => events.push(`registered ${info.name}`)),
        onStateChange: (change) => Effect.sync(() => changes.push(change))
      })
      const pooled = Tool.make("pooled", {
        input: Schema.Struct({}),
        init: Effect.acquireRelease(Effect.sync(() => events.push("acquire")), () => Effect.sync(() => events.push("release")))
      }, () => Effect.succeed("ok"))
      yield* manager.register(pooled)
      yield* manager.call("pooled", {})
      yield* manager.unregister("pooled")
      expect(events).toEqual(["registered pooled", "acquire", "release"])
      expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual([
        "registered>initializing",
        "initializing>ready",
        "ready>busy",
        "busy>ready",
        "ready>draining",
        "draining>unregistered"
      ])
    }))

  it.scoped("a failed init leaves the tool failed (its partial resources released); recover runs it again", () =>
    Effect.gen(function*() {
      let attempts = 0
      let released = 0
      const flaky = Tool.make("flaky", {
        input: Schema.Struct({}),
        init: Effect.gen(function*() {
          yield* Effect.acquireRelease(Effect.void, () => Effect.sync(() => released++))
          if (++attempts === 1) return yield* Effect.fail("no connection")
        })
      }, () => Effect.succeed("ok"))
      const manager = yield* ToolManager.make()
      expect(yield* Effect.flip(manager.register(flaky))).toMatchObject({ _tag: "ToolInitError", name: "flaky" })
      expect(released).toBe(1)
      expect((yield* manager.list)[0]).toMatchObject({ state: "failed", health: "unhealthy" })
      const refused = yield* manager.call("flaky", {})
      expect(refused.isError).toBe(true)
      expect(refused.structuredContent).toMatchObject({ error: "ToolUnavailable", state: "failed" })
      yield* manager.recover("flaky")
      expect((yield* manager.list)[0]?.state).toBe("ready")
      expect(text(yield* manager.call("flaky", {}))).toBe("ok")
    }))

  it.scoped("unregister drains calls in flight before releasing; past the deadline it interrupts them", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const events: Array<string> = []
      const slow = Tool.make("slow", {
        input: Schema.Struct({}),
        init: Effect.acquireRelease(Effect.void, () => Effect.sync(() => events.push("tool released")))
      }, () =>
        Effect.acquireRelease(Effect.sync(() => events.push("call acquired")), () => Effect.sync(() => events.push("call released"))).pipe(
          Effect.zipRight(Deferred.await(gate)),
          Effect.as("done")
        ))
      const manager = yield* ToolManager.make({ defaultTimeoutMs: Infinity })
      yield* manager.register(slow)
      const call = yield* Effect.fork(manager.call("slow", {}))
      yield* Effect.yieldNow()
      const unregistering = yield* Effect.fork(manager.unregister("slow", { drainTimeoutMs: 1000 }))
      yield* Effect.yieldNow()
      expect(events).toEqual(["call acquired"])
      yield* Deferred.succeed(gate, undefined)
      expect(text(yield* Fiber.join(call))).toBe("done")
      expect(yield* Fiber.join(unregistering)).toBe(true)
      expect(events).toEqual(["call acquired", "call released", "tool released"])

      // A call with a timeout runs in a fiber of its own: only that fiber is interrupted, the call answers.
      yield* manager.register(Tool.make("stuck", { input: Schema.Struct({}), timeoutMs: 60_000 }, () => Effect.never))
      const stuck = yield* Effect.fork(manager.call("stuck", {}))
      yield* Effect.yieldNow()
      const removing = yield* Effect.fork(manager.unregister("stuck", { drainTimeoutMs: 1000 }))
      yield* TestClock.adjust(1000)
      const result = yield* Fiber.join(stuck)
      expect(result.isError).toBe(true)
      expect(result.structuredContent).toMatchObject({ error: "ToolUnavailable" })
      expect(yield* Fiber.join(removing)).toBe(true)

      // A call without one runs inline in the caller's fiber: the caller is interrupted, the call's Scope still closed.
      const released: Array<string> = []
      yield* manager.register(Tool.make("hung", { input: Schema.Struct({}) }, () =>
        Effect.addFinalizer(() => Effect.sync(() => released.push("call released"))).pipe(Effect.zipRight(Effect.never))))
      const hung = yield* Effect.fork(manager.call("hung", {}))
      yield* Effect.yieldNow()
      const dropping = yield* Effect.fork(manager.unregister("hung", { drainTimeoutMs: 1000 }))
      yield* TestClock.adjust(1000)
      const exit = yield* Fiber.await(hung)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(released).toEqual(["call released"])
      expect(yield* Fiber.join(dropping)).toBe(true)
      expect(manager.find("hung")).toBeUndefined()
    }))

  it.effect("ToolManager.layer drains and releases every tool when the layer closes", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const owned = Tool.make("owned", {
        input: Schema.Struct({}),
        init: Effect.acquireRelease(Effect.void, () => Effect.sync(() => events.push("released")))
      }, () => Effect.succeed("ok"))
      yield* Effect.scoped(Layer.build(ToolManager.layer({ tools: [owned] })))
      expect(events).toEqual(["released"])
    }))

  it.effect("McpServer.layer's own manager releases its tools' resources when the layer closes", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const owned = Tool.make("owned", {
        input: Schema.Struct({}),
        init: Effect.acquireRelease(Effect.sync(() => events.push("acquired")), () => Effect.sync(() => events.push("released")))
      }, () => Effect.succeed("ok"))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(McpServer.layer({ name: "t", version: "1.0.0" }, { tools: [owned] }))
        expect(events).toEqual(["acquired"])
      }))
      expect(events).toEqual(["acquired", "released"])
    }))
})
