import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { McpError } from "../../src/protocol/errors.js"
import * as Tool from "../../src/server/Tool.js"
import { IdempotencyKey } from "../../src/server/tools/Idempotency.js"
import * as Metrics from "../../src/server/tools/Metrics.js"
import type { Middleware } from "../../src/server/tools/Middleware.js"
import * as ToolManager from "../../src/server/tools/ToolManager.js"

const text = (result: { content: ReadonlyArray<unknown> }) => (result.content[0] as { text: string }).text

const breakerGauge = Metrics.breakerState.pipe(Metric.tagged("tool", "shaky"), Metric.tagged("version", "1.0.0"))

class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { attempt: Schema.Number }) {}

describe("the pipeline: timeouts, retries, breaker", () => {
  it.scoped("a call past its timeout is interrupted (its Scope released) and answers an error result", () =>
    Effect.gen(function*() {
      let released = false
      const manager = yield* ToolManager.make()
      yield* manager.register(Tool.make("sleepy", { input: Schema.Struct({}), timeoutMs: 5000 }, () =>
        Effect.acquireRelease(Effect.void, () => Effect.sync(() => { released = true })).pipe(Effect.zipRight(Effect.sleep("10 seconds")), Effect.as("late"))))
      const call = yield* Effect.fork(manager.call("sleepy", {}))
      yield* TestClock.adjust(4999)
      expect(call.unsafePoll()).toBeNull()
      yield* TestClock.adjust(1)
      const result = yield* Fiber.join(call)
      expect(result.isError).toBe(true)
      expect(result.structuredContent).toEqual({ error: "ToolTimeout", name: "sleepy", timeoutMs: 5000 })
      expect(released).toBe(true)
    }))

  it.scoped("the manager's default timeout applies to tools without their own", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make({ defaultTimeoutMs: 100 })
      yield* manager.register(Tool.make("never", { input: Schema.Struct({}) }, () => Effect.never))
      const call = yield* Effect.fork(manager.call("never", {}))
      yield* TestClock.adjust(100)
      expect((yield* Fiber.join(call)).structuredContent).toMatchObject({ error: "ToolTimeout", timeoutMs: 100 })
    }))

  it.scoped("an idempotent tool is retried on its Schedule; a non-idempotent one is not", () =>
    Effect.gen(function*() {
      const runs = { idempotent: 0, once: 0 }
      const failing = (name: "idempotent" | "once", idempotent: boolean) =>
        Tool.make(name, {
          input: Schema.Struct({}),
          failure: Flaky,
          idempotent,
          retry: Schedule.spaced("1 second").pipe(Schedule.compose(Schedule.recurs(3)))
        }, () => Effect.suspend(() => ++runs[name] < 3 ? Effect.fail(new Flaky({ attempt: runs[name] })) : Effect.succeed(`${name} ok`)))
      const manager = yield* ToolManager.make()
      yield* manager.registerAll([failing("idempotent", true), failing("once", false)])
      const retried = yield* Effect.fork(manager.call("idempotent", {}))
      yield* TestClock.adjust(1000)
      expect(runs.idempotent).toBe(2)
      yield* TestClock.adjust(1000)
      expect(text(yield* Fiber.join(retried))).toBe("idempotent ok")
      const once = yield* manager.call("once", {})
      expect(once.isError).toBe(true)
      expect(once.structuredContent).toEqual({ _tag: "Flaky", attempt: 1 })
      expect(runs.once).toBe(1)
    }))

  it.scoped("the breaker opens after N failures, refuses during the cool-down, probes, then closes", () =>
    Effect.gen(function*() {
      let healthy = false
      const manager = yield* ToolManager.make()
      yield* manager.register(Tool.make("shaky", { input: Schema.Struct({}), breaker: { failures: 3, cooldownMs: 10_000 } }, () =>
        healthy ? Effect.succeed("fine") : Effect.fail("down")))
      for (let i = 0; i < 3; i++) expect((yield* manager.call("shaky", {})).structuredContent).toBeUndefined()
      expect((yield* manager.list)[0]).toMatchObject({ breaker: "open", state: "degraded", health: "degraded" })
      expect((yield* Metric.value(breakerGauge)).value).toBe(2)
      const refused = yield* manager.call("shaky", {})
      expect(refused.structuredContent).toEqual({ error: "CircuitOpen", name: "shaky", retryAfterMs: 10_000 })
      yield* TestClock.adjust(10_000)
      expect((yield* manager.list)[0]?.breaker).toBe("half-open")
      // The probe fails: open again for a whole cool-down.
      expect(text(yield* manager.call("shaky", {}))).toBe("down")
      expect((yield* manager.call("shaky", {})).structuredContent).toMatchObject({ error: "CircuitOpen" })
      yield* TestClock.adjust(10_000)
      healthy = true
      expect(text(yield* manager.call("shaky", {}))).toBe("fine")
      expect((yield* manager.list)[0]).toMatchObject({ breaker: "closed", state: "ready", health: "healthy" })
      expect((yield* Metric.value(breakerGauge)).value).toBe(0)
    }))

  it.scoped("beyond a tool's concurrency limit calls are refused as overloaded with a retry-after hint, not queued", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const manager = yield* ToolManager.make({ retryAfterMs: 250 })
      yield* manager.register(Tool.make("narrow", { input: Schema.Struct({}), maxConcurrency: 2 }, () => Effect.as(Deferred.await(gate), "ok")))
      const first = yield* Effect.fork(manager.call("narrow", {}))
      const second = yield* Effect.fork(manager.call("narrow", {}))
      yield* Effect.yieldNow()
      const third = yield* Effect.flip(manager.call("narrow", {}))
      expect(third).toBeInstanceOf(McpError)
      expect(third).toMatchObject({ code: -32000, data: { retryAfterMs: 250, tool: "narrow" } })
      expect(manager.inFlight()).toBe(2)
      yield* Deferred.succeed(gate, undefined)
      expect(text(yield* Fiber.join(first))).toBe("ok")
      expect(text(yield* Fiber.join(second))).toBe("ok")
      expect(text(yield* manager.call("narrow", {}))).toBe("ok")
    }))

  it.scoped("the global limit counts every tool", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const manager = yield* ToolManager.make({ maxConcurrency: 1 })
      yield* manager.registerAll([
        Tool.make("a", { input: Schema.Struct({}) }, () => Effect.as(Deferred.await(gate), "a")),
        Tool.make("b", { input: Schema.Struct({}) }, () => Effect.succeed("b"))
      ])
      const a = yield* Effect.fork(manager.call("a", {}))
      yield* Effect.yieldNow()
      expect(yield* Effect.flip(manager.call("b", {}))).toMatchObject({ code: -32000 })
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(a)
      expect(text(yield* manager.call("b", {}))).toBe("b")
    }))

  it.scoped("cancelling a call interrupts the handler and releases its per-call Scope and its slot", () =>
    Effect.gen(function*() {
      let released = 0
      const manager = yield* ToolManager.make()
      yield* manager.register(Tool.make("hang", { input: Schema.Struct({}) }, () =>
        Effect.acquireRelease(Effect.void, () => Effect.sync(() => released++)).pipe(Effect.zipRight(Effect.never))))
      const call = yield* Effect.fork(manager.call("hang", {}))
      yield* Effect.yieldNow()
      expect(manager.inFlight()).toBe(1)
      yield* Fiber.interrupt(call)
      expect(released).toBe(1)
      expect(manager.inFlight()).toBe(0)
      expect((yield* manager.list)[0]?.state).toBe("ready")
    }))
})

describe("the pipeline: middleware, validation, mapping, metrics", () => {
  it.scoped("global middleware wraps per-tool middleware, which wraps the call; a middleware may answer by itself", () =>
    Effect.gen(function*() {
      const trail: Array<string> = []
      const tracing = (label: string): Middleware => (call, next) =>
        Effect.sync(() => trail.push(`${label}>${call.name}`)).pipe(Effect.zipRight(next), Effect.tap(() => Effect.sync(() => trail.push(`<${label}`))))
      const deny: Middleware = (call, next) =>
        (call.arguments as { secret?: boolean }).secret === true ? Effect.fail(McpError.invalidRequest("Forbidden")) : next
      const manager = yield* ToolManager.make({ middleware: [tracing("global"), deny] })
      yield* manager.register(Tool.make("guarded", { input: Schema.Struct({ secret: Schema.Boolean }), middleware: [tracing("tool")] }, () =>
        Effect.sync(() => {
          trail.push("handler")
          return "ran"
        })))
      expect(text(yield* manager.call("guarded", { secret: false }))).toBe("ran")
      expect(trail).toEqual(["global>guarded", "tool>guarded", "handler", "<tool", "<global"])
      expect(yield* Effect.flip(manager.call("guarded", { secret: true }))).toMatchObject({ code: -32600, message: "Forbidden" })
      expect(trail.filter((t) => t === "handler")).toHaveLength(1)
    }))

  it.scoped("input is validated before anything runs; output against outputSchema; defects become a generic error", () =>
    Effect.gen(function*() {
      let ran = 0
      const manager = yield* ToolManager.make()
      yield* manager.registerAll([
        Tool.make("typed", { input: Schema.Struct({ n: Schema.Number }), output: Schema.Struct({ n: Schema.Number }) }, ({ n }) =>
          Effect.sync(() => {
            ran++
            return { n: n < 0 ? "negative" as unknown as number : n }
          })),
        Tool.make("crash", { input: Schema.Struct({}) }, () => Effect.die(new Error("secret detail")))
      ])
      expect(yield* Effect.flip(manager.call("typed", { n: "x" }))).toMatchObject({ code: -32602 })
      expect(ran).toBe(0)
      expect((yield* manager.call("typed", { n: 2 })).structuredContent).toEqual({ n: 2 })
      const invalid = yield* manager.call("typed", { n: -1 })
      expect(invalid).toEqual({ content: [{ type: "text", text: "Tool typed failed unexpectedly" }], isError: true })
      const crash = yield* manager.call("crash", {})
      expect(text(crash)).toBe("Tool crash failed unexpectedly")
      expect(JSON.stringify(crash)).not.toContain("secret detail")
    }))

  it.scoped("a tool needing a client capability answers an error result without it (no RequestContext: none declared)", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      yield* manager.register(Tool.make("sampler", { input: Schema.Struct({}), requires: { capabilities: ["sampling"] } }, () => Effect.succeed("x")))
      expect((yield* manager.call("sampler", {})).structuredContent).toEqual({ error: "MissingCapabilities", name: "sampler", missing: ["sampling"] })
    }))

  it.scoped("every call records mcp_tool_ metrics tagged with the tool", () =>
    Effect.gen(function*() {
      const manager = yield* ToolManager.make()
      yield* manager.registerAll([
        Tool.make("metered", { input: Schema.Struct({ fail: Schema.Boolean }) }, ({ fail }) => fail ? Effect.fail("no") : Effect.succeed("yes"))
      ])
      const tagged = <T, I, O>(metric: Metric.Metric<T, I, O>) => metric.pipe(Metric.tagged("tool", "metered"), Metric.tagged("version", "1.0.0"))
      yield* manager.call("metered", { fail: false })
      yield* manager.call("metered", { fail: true })
      yield* manager.call("metered", { fail: true })
      expect((yield* Metric.value(tagged(Metrics.calls))).count).toBe(3)
      expect((yield* Metric.value(tagged(Metrics.failures))).count).toBe(2)
      expect((yield* Metric.value(tagged(Metrics.duration))).count).toBe(3)
      expect((yield* Metric.value(tagged(Metrics.inFlight))).value).toBe(0)
    }))
})

describe("idempotency keys", () => {
  it.scoped("concurrent duplicates wait for the first run; repeats get its result; other keys run", () =>
    Effect.gen(function*() {
      let runs = 0
      const gate = yield* Deferred.make<void>()
      const manager = yield* ToolManager.make()
      yield* manager.register(Tool.make("charge", { input: Schema.Struct({ amount: Schema.Number }) }, ({ amount }) =>
        Effect.gen(function*() {
          const run = ++runs
          yield* Deferred.await(gate)
          return `charged ${amount} (run ${run})`
        })))
      const keyed = (key: string) => manager.call("charge", { amount: 5 }, { [IdempotencyKey]: key })
      const calls = yield* Effect.forEach([1, 2, 3, 4, 5], () => Effect.fork(keyed("k1")))
      yield* Effect.yieldNow()
      expect(runs).toBe(1)
      yield* Deferred.succeed(gate, undefined)
      const results = yield* Effect.forEach(calls, Fiber.join)
      expect(results.map(text)).toEqual(Array(5).fill("charged 5 (run 1)"))
      expect(text(yield* keyed("k1"))).toBe("charged 5 (run 1)")
      expect(text(yield* keyed("k2"))).toBe("charged 5 (run 2)")
      expect(runs).toBe(2)
    }))

  it.scoped("answers expire after the TTL; failures are not kept; the store is bounded", () =>
    Effect.gen(function*() {
      let runs = 0
      const manager = yield* ToolManager.make({ idempotency: { ttlMs: 1000, maxEntries: 2 } })
      yield* manager.register(Tool.make("count", { input: Schema.Struct({ fail: Schema.Boolean }) }, ({ fail }) =>
        Effect.suspend(() => {
          runs++
          return fail ? Effect.fail("no") : Effect.succeed(`run ${runs}`)
        })))
      const keyed = (key: string, fail = false) => manager.call("count", { fail }, { [IdempotencyKey]: key })
      expect(text(yield* keyed("a"))).toBe("run 1")
      expect(text(yield* keyed("a"))).toBe("run 1")
      yield* TestClock.adjust(1000)
      expect(text(yield* keyed("a"))).toBe("run 2")
      expect((yield* keyed("f", true)).isError).toBe(true)
      expect((yield* keyed("f", true)).isError).toBe(true)
      expect(runs).toBe(4)
      yield* keyed("b")
      yield* keyed("c")
      // "a" was the oldest of three: evicted, so it runs again.
      expect(text(yield* keyed("a"))).toBe("run 7")
    }))

  it.scoped("a duplicate waiting on an interrupted first call runs the tool itself", () =>
    Effect.gen(function*() {
      let runs = 0
      const manager = yield* ToolManager.make()
      yield* manager.register(Tool.make("slow", { input: Schema.Struct({}) }, () =>
        Effect.suspend(() => ++runs === 1 ? Effect.never : Effect.succeed(`run ${runs}`))))
      const keyed = manager.call("slow", {}, { [IdempotencyKey]: "k" })
      const first = yield* Effect.fork(keyed)
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(keyed)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      expect(text(yield* Fiber.join(second))).toBe("run 2")
    }))
})
