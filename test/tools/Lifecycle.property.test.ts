/**
 * The lifecycle property: random sequences of register / unregister / recover / call (succeed,
 * fail, defect, hang) / interrupt / timeout / clock advances. Afterwards (the manager's Scope
 * closed) every resource acquired (by `init` or per call) was released exactly once, nothing
 * died, and every state change the hook saw is a move of the machine.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as Tool from "../../src/server/Tool.js"
import * as Lifecycle from "../../src/server/tools/Lifecycle.js"
import type { StateChange } from "../../src/server/tools/Registration.js"
import * as ToolManager from "../../src/server/tools/ToolManager.js"

const Behavior = Schema.Literal("succeed", "fail", "die", "hang")
type Behavior = typeof Behavior.Type

type Op =
  | { readonly op: "register"; readonly tool: number; readonly initFails: boolean }
  | { readonly op: "unregister"; readonly tool: number; readonly cascade: boolean }
  | { readonly op: "recover"; readonly tool: number }
  | { readonly op: "call"; readonly tool: number; readonly behavior: Behavior }
  | { readonly op: "interrupt" }
  | { readonly op: "advance"; readonly ms: number }

const tool = FastCheck.integer({ min: 0, max: 2 })
const op: FastCheck.Arbitrary<Op> = FastCheck.oneof(
  FastCheck.record({ op: FastCheck.constant("register" as const), tool, initFails: FastCheck.boolean() }),
  FastCheck.record({ op: FastCheck.constant("unregister" as const), tool, cascade: FastCheck.boolean() }),
  FastCheck.record({ op: FastCheck.constant("recover" as const), tool }),
  FastCheck.record({ op: FastCheck.constant("call" as const), tool, behavior: FastCheck.constantFrom(...Behavior.literals) }),
  FastCheck.record({ op: FastCheck.constant("interrupt" as const) }),
  FastCheck.record({ op: FastCheck.constant("advance" as const), ms: FastCheck.constantFrom(50, 200, 600) })
)

/** Resources by id, with how many times each was released. */
class Tracker {
  private next = 0
  readonly releases = new Map<string, number>()

  resource(kind: string) {
    return Effect.acquireRelease(
      Effect.sync(() => {
        const id = `${kind}-${this.next++}`
        this.releases.set(id, 0)
        return id
      }),
      (id) => Effect.sync(() => this.releases.set(id, this.releases.get(id)! + 1))
    )
  }
}

const makeTool = (index: number, initFails: boolean, tracker: Tracker) =>
  Tool.make(`t${index}`, {
    input: Schema.Struct({ behavior: Behavior }),
    timeoutMs: 500,
    // t2 depends on t0: registration and removal meet the dependency rules too.
    requires: index === 2 ? { tools: ["t0"] } : {},
    init: Effect.gen(function*() {
      yield* tracker.resource(`init-t${index}`)
      if (initFails) return yield* Effect.fail("init failed")
    })
  }, ({ behavior }) =>
    Effect.gen(function*() {
      yield* tracker.resource(`call-t${index}`)
      switch (behavior) {
        case "succeed":
          return "ok"
        case "fail":
          return yield* Effect.fail("failed")
        case "die":
          return yield* Effect.die("boom")
        case "hang":
          return yield* Effect.never
      }
    }))

describe("the tool lifecycle", () => {
  it.effect.prop("releases every resource exactly once and only makes legal moves", [FastCheck.array(op, { maxLength: 30 })], ([ops]) =>
    Effect.gen(function*() {
      const tracker = new Tracker()
      const changes: Array<StateChange> = []
      const defects: Array<Cause.Cause<unknown>> = []
      const check = <A, E>(exit: Exit.Exit<A, E>) => {
        if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) && Cause.isDie(exit.cause)) defects.push(exit.cause)
      }
      yield* Effect.scoped(Effect.gen(function*() {
        const manager = yield* ToolManager.make({
          drainTimeoutMs: 100,
          onStateChange: (change) => Effect.sync(() => changes.push(change))
        })
        const pending: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
        for (const step of ops) {
          switch (step.op) {
            case "register":
              check(yield* Effect.exit(manager.register(makeTool(step.tool, step.initFails, tracker))))
              break
            case "unregister": {
              const removing = yield* Effect.fork(manager.unregister(`t${step.tool}`, { cascade: step.cascade }))
              yield* TestClock.adjust(100)
              check(yield* Fiber.await(removing))
              break
            }
            case "recover":
              check(yield* Effect.exit(manager.recover(`t${step.tool}`)))
              break
            case "call":
              pending.push(yield* Effect.fork(manager.call(`t${step.tool}`, { behavior: step.behavior })))
              yield* Effect.yieldNow()
              break
            case "interrupt":
              if (pending.length > 0) yield* Fiber.interrupt(pending.shift()!)
              break
            case "advance":
              yield* TestClock.adjust(step.ms)
              break
          }
        }
        for (const fiber of pending) {
          yield* Fiber.interrupt(fiber)
          check(yield* Fiber.await(fiber))
        }
      }))
      expect(defects).toEqual([])
      for (const [id, released] of tracker.releases) expect(released, id).toBe(1)
      for (const change of changes) {
        expect(Lifecycle.isLegal(change.from, change.to), `${change.name} ${change.from} → ${change.to}`).toBe(true)
      }
      // Each registration's moves chain from "registered" and end "unregistered" (the manager's Scope drained them all).
      const last = new Map<string, Lifecycle.State>()
      for (const change of changes) {
        const key = `${change.name}@${change.version}`
        if (change.from === "registered") expect(last.get(key) ?? "unregistered", key).toBe("unregistered")
        else expect(change.from, key).toBe(last.get(key))
        last.set(key, change.to)
      }
      for (const [name, state] of last) expect(state, name).toBe("unregistered")
    }), { fastCheck: { numRuns: 100 } })
})
