import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Tool from "../../src/server/Tool.js"
import * as CallScope from "../../src/server/tools/CallScope.js"
import * as ToolManager from "../../src/server/tools/ToolManager.js"
import type { Middleware } from "../../src/server/tools/Middleware.js"
import { ask, serverWith } from "../server/support.js"

class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { attempt: Schema.Number }) {}

/** Tools that acquire a resource in their per-call Scope and log acquire/release with the call's id. */
const scopedTools = (log: Array<string>) => {
  const resource = (id: string) =>
    Effect.acquireRelease(Effect.sync(() => log.push(`acquire ${id}`)), () => Effect.sync(() => log.push(`release ${id}`)))
  let attempts = 0
  return [
    Tool.make("scoped", { input: Schema.Struct({ id: Schema.String }) }, ({ id }) =>
      Effect.as(Effect.zipRight(resource(id), Effect.yieldNow()), id)),
    Tool.make("timed", { input: Schema.Struct({ id: Schema.String }), timeoutMs: 60_000 }, ({ id }) =>
      Effect.as(Effect.zipRight(resource(id), Effect.yieldNow()), id)),
    Tool.make("flaky", { input: Schema.Struct({ id: Schema.String }), idempotent: true, retry: Schedule.recurs(2) }, ({ id }) =>
      Effect.gen(function*() {
        const attempt = ++attempts
        yield* resource(`${id}.${attempt}`)
        if (attempt < 3) return yield* Effect.fail(new Flaky({ attempt }))
        return `${id} after ${attempt}`
      }))
  ]
}

describe("the per-call Scope handed over with a tools/call request", () => {
  it.effect("a request Scope is claimed once; other Scopes never", () =>
    Effect.gen(function*() {
      const fresh = CallScope.fresh()
      const context = Context.make(Scope.Scope, fresh) as Context.Context<never>
      expect(CallScope.claim(context)).toBe(fresh)
      expect(CallScope.claim(context)).toBeUndefined()
      const own = yield* Scope.make()
      expect(CallScope.claim(Context.make(Scope.Scope, own) as Context.Context<never>)).toBeUndefined()
      expect(CallScope.claim(Context.empty() as Context.Context<never>)).toBeUndefined()
    }))

  it.scopedLive("each call's resources are released before its answer, inline and with a timeout", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { peer } = yield* serverWith({ tools: scopedTools(log) })
      const client = yield* peer()
      for (const [i, name] of ["scoped", "timed", "scoped", "timed"].entries()) {
        const answer = yield* ask(client, i, "tools/call", { name, arguments: { id: `c${i}` } })
        expect(answer.result.content[0].text).toBe(`c${i}`)
        expect(log.slice(-2)).toEqual([`acquire c${i}`, `release c${i}`])
      }
      expect(log).toHaveLength(8)
    }))

  it.scopedLive("the handler runs in the request's Scope: the pipeline claims it, inline and with a timeout", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const seen: Array<Context.Context<never>> = []
      const capture: Middleware = (_call, next) => Effect.flatMap(Effect.context<never>(), (context) => Effect.zipRight(Effect.sync(() => seen.push(context)), next))
      const { peer } = yield* serverWith({ tools: scopedTools(log), toolManager: { middleware: [capture] } })
      const client = yield* peer()
      yield* ask(client, 1, "tools/call", { name: "scoped", arguments: { id: "a" } })
      yield* ask(client, 2, "tools/call", { name: "timed", arguments: { id: "b" } })
      expect(seen).toHaveLength(2)
      for (const context of seen) {
        expect(Context.getOption(context, Scope.Scope)._tag).toBe("Some")
        // Claimed by the call: an unclaimed request Scope would be handed out here.
        expect(CallScope.claim(context)).toBeUndefined()
      }
    }))

  it.scopedLive("concurrent calls each get their own Scope, released exactly once", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { peer } = yield* serverWith({ tools: scopedTools(log) })
      const client = yield* peer()
      const ids = Array.from({ length: 24 }, (_, i) => i)
      for (const i of ids) client.send({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: i % 2 === 0 ? "scoped" : "timed", arguments: { id: `c${i}` } } })
      for (const i of ids) {
        const answer = yield* client.nextWhere((m) => m.id === i && m.result !== undefined)
        expect(answer.result.content[0].text).toBe(`c${i}`)
      }
      for (const i of ids) {
        expect(log.filter((line) => line === `acquire c${i}`)).toHaveLength(1)
        expect(log.filter((line) => line === `release c${i}`)).toHaveLength(1)
        expect(log.indexOf(`acquire c${i}`)).toBeLessThan(log.indexOf(`release c${i}`))
      }
    }))

  it.scopedLive("a retried call's attempts each get a fresh Scope, released before the next attempt", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { peer } = yield* serverWith({ tools: scopedTools(log) })
      const client = yield* peer()
      const answer = yield* ask(client, 1, "tools/call", { name: "flaky", arguments: { id: "r" } })
      expect(answer.result.content[0].text).toBe("r after 3")
      expect(log).toEqual(["acquire r.1", "release r.1", "acquire r.2", "release r.2", "acquire r.3", "release r.3"])
    }))
})

describe("a call Scope behaves as Effect's own Scope", () => {
  const logged = (log: Array<string>, name: string) => (exit: Exit.Exit<unknown, unknown>) =>
    Effect.sync(() => log.push(`${name} ${Exit.isSuccess(exit) ? "success" : "failure"}`))

  it.effect("runs its finalizers once, in reverse order, with the close's exit; one added after close runs at once", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const scope = CallScope.make()
      yield* Scope.addFinalizerExit(scope, logged(log, "first"))
      yield* Scope.addFinalizerExit(scope, logged(log, "second"))
      yield* Scope.close(scope, Exit.fail("boom"))
      expect(log).toEqual(["second failure", "first failure"])
      yield* Scope.close(scope, Exit.void)
      expect(log).toHaveLength(2)
      yield* Scope.addFinalizerExit(scope, logged(log, "late"))
      expect(log).toEqual(["second failure", "first failure", "late failure"])
    }))

  it.effect("closing one that holds nothing is done in plain code (nothing left to run)", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const scope = CallScope.make()
      expect(scope.closeNow(Exit.void)).toBe(Effect.void)
      yield* Scope.addFinalizerExit(scope, logged(log, "late"))
      expect(log).toEqual(["late success"])
      const holding = CallScope.make()
      yield* Scope.addFinalizerExit(holding, logged(log, "held"))
      const rest = holding.closeNow(Exit.void)
      expect(rest).not.toBe(Effect.void)
      expect(log).toEqual(["late success"])
      yield* rest
      expect(log).toEqual(["late success", "held success"])
    }))

  it.effect("a finalizer that dies fails the close with its cause; the others still run", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const scope = CallScope.make()
      yield* Scope.addFinalizerExit(scope, logged(log, "first"))
      yield* Scope.addFinalizer(scope, Effect.die("finalizer bug"))
      yield* Scope.addFinalizerExit(scope, logged(log, "third"))
      const exit = yield* Effect.exit(Scope.close(scope, Exit.void))
      expect(log).toEqual(["third success", "first success"])
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    }))

  it.effect("a child made by fork closes with its parent, and leaves it when closed first", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const parent = CallScope.make()
      const early = yield* Scope.fork(parent, ExecutionStrategy.sequential)
      const late = yield* Scope.fork(parent, ExecutionStrategy.sequential)
      yield* Scope.addFinalizerExit(early, logged(log, "early"))
      yield* Scope.addFinalizerExit(late, logged(log, "late"))
      yield* Scope.close(early, Exit.void)
      expect(log).toEqual(["early success"])
      yield* Scope.close(parent, Exit.fail("done"))
      expect(log).toEqual(["early success", "late failure"])
      const orphan = yield* Scope.fork(parent, ExecutionStrategy.sequential)
      yield* Scope.addFinalizerExit(orphan, logged(log, "orphan"))
      expect(log).toEqual(["early success", "late failure", "orphan failure"])
    }))

  it.effect("a fiber forked into it (forkScoped) is interrupted when it closes; one forked after close never runs", () =>
    Effect.gen(function*() {
      const scope = CallScope.make()
      const fiber = yield* Effect.forkScoped(Effect.never).pipe(Scope.extend(scope))
      const done = yield* Effect.forkScoped(Effect.void).pipe(Scope.extend(scope))
      yield* Fiber.await(done)
      yield* Scope.close(scope, Exit.void)
      expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
      const after = yield* Effect.forkScoped(Effect.never).pipe(Scope.extend(scope))
      expect(Exit.isInterrupted(yield* Fiber.await(after))).toBe(true)
    }))

  it.scopedLive("a handler's background fiber in its call Scope ends with the call, in a server and through the manager", () =>
    Effect.gen(function*() {
      const stopped: Array<string> = []
      const background = Tool.make("background", { input: Schema.Struct({ id: Schema.String }) }, ({ id }) =>
        Effect.gen(function*() {
          const started = yield* Deferred.make<void>()
          yield* Effect.forkScoped(Effect.onInterrupt(Effect.zipRight(Deferred.succeed(started, undefined), Effect.never), () => Effect.sync(() => stopped.push(id))))
          yield* Deferred.await(started)
          return id
        }))
      const { peer } = yield* serverWith({ tools: [background] })
      const client = yield* peer()
      const answer = yield* ask(client, 1, "tools/call", { name: "background", arguments: { id: "wire" } })
      expect(answer.result.content[0].text).toBe("wire")
      expect(stopped).toEqual(["wire"])
      const manager = yield* ToolManager.make()
      yield* manager.register(background)
      const result = yield* manager.call("background", { id: "library" })
      expect(result.content[0]).toMatchObject({ text: "library" })
      expect(stopped).toEqual(["wire", "library"])
    }))
})
