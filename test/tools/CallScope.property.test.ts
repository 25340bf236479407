/**
 * The call Scope against Effect's own: random sequences of adding finalizers (some of which
 * die), forking child Scopes and closing any Scope (with success or failure), run on a
 * `CallScope` and on `Scope.make()` as roots, then the root closed. Both must run the same
 * finalizers in the same order with the same exits, and every close must end the same way.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Scope from "effect/Scope"
import * as CallScope from "../../src/server/tools/CallScope.js"

type Op =
  | { readonly op: "finalizer"; readonly target: number; readonly dies: boolean }
  | { readonly op: "fork"; readonly target: number }
  | { readonly op: "close"; readonly target: number; readonly failure: boolean }

const target = FastCheck.nat({ max: 7 })
const op: FastCheck.Arbitrary<Op> = FastCheck.oneof(
  { arbitrary: FastCheck.record({ op: FastCheck.constant("finalizer" as const), target, dies: FastCheck.boolean() }), weight: 3 },
  { arbitrary: FastCheck.record({ op: FastCheck.constant("fork" as const), target }), weight: 2 },
  { arbitrary: FastCheck.record({ op: FastCheck.constant("close" as const), target, failure: FastCheck.boolean() }), weight: 1 }
)

const outcome = (exit: Exit.Exit<unknown, unknown>): string =>
  Exit.isSuccess(exit) ? "closed" : Cause.isDie(exit.cause) ? "died" : "failed"

/** Runs `ops` from `root`; the log of finalizers run and closes ended. */
const run = (root: Scope.CloseableScope, ops: ReadonlyArray<Op>) =>
  Effect.gen(function*() {
    const log: Array<string> = []
    const scopes: Array<Scope.CloseableScope> = [root]
    for (const [i, step] of ops.entries()) {
      const scope = scopes[step.target % scopes.length]!
      switch (step.op) {
        case "finalizer": {
          // Added to a closed Scope, it runs at once: its death is then the addition's.
          const added = yield* Effect.exit(Scope.addFinalizerExit(scope, (exit) =>
            Effect.zipRight(Effect.sync(() => log.push(`finalizer ${i} ${Exit.isSuccess(exit) ? "success" : "failure"}`)), step.dies ? Effect.die(`finalizer ${i}`) : Effect.void)))
          log.push(`added ${i} ${outcome(added)}`)
          break
        }
        case "fork":
          scopes.push(yield* Scope.fork(scope, ExecutionStrategy.sequential))
          break
        case "close": {
          const exit = yield* Effect.exit(Scope.close(scope, step.failure ? Exit.fail("closed") : Exit.void))
          log.push(`close ${i} ${outcome(exit)}`)
        }
      }
    }
    log.push(`root ${outcome(yield* Effect.exit(Scope.close(root, Exit.void)))}`)
    return log
  })

describe("a call Scope, as a property", () => {
  it.effect.prop("runs the same finalizers, in the same order, with the same exits as Effect's Scope", [FastCheck.array(op, { maxLength: 40 })], ([ops]) =>
    Effect.gen(function*() {
      const ours = yield* run(CallScope.make(), ops)
      const effects = yield* run(yield* Scope.make(), ops)
      expect(ours).toEqual(effects)
    }), { fastCheck: { numRuns: 300 } })
})
