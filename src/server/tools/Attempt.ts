/**
 * One run of a tool's handler: in a fiber of its own, started at once on the caller's runtime
 * with a fresh Scope in its context (the call's resources). A handler that answers
 * synchronously is done before `fork` returns: no timer, no scheduling, no extra fiber hop.
 * Otherwise `settle` awaits it up to the timeout (then interrupts it); a drain past its
 * deadline interrupts it through `registration.calls`. The Scope is closed with the handler's
 * exit once its fiber has ended.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import * as Scope from "effect/Scope"
import { ToolTimeout } from "./errors.js"
import type { Registration } from "./Registration.js"
import * as Timeouts from "./Timeouts.js"

/** A running (or already finished) attempt. */
export interface Attempt {
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
  readonly scope: Scope.CloseableScope
}

/** Starts the handler on `input` in a child of `parent`'s runtime, with `scope` as its Scope. */
export const fork = (
  registration: Registration,
  input: unknown,
  parent: Fiber.RuntimeFiber<any, any>,
  flags: RuntimeFlags.RuntimeFlags,
  scope: Scope.CloseableScope
): Attempt => {
  const runtime = Runtime.make({
    context: Context.add(parent.currentContext, Scope.Scope, scope),
    fiberRefs: parent.getFiberRefs(),
    runtimeFlags: flags
  })
  const handler = registration.tool.handler(input) as Effect.Effect<unknown, unknown>
  return { fiber: Runtime.runFork(runtime, Effect.interruptible(handler), { immediate: true }), scope }
}

/**
 * The attempt's exit once its fiber has ended (at most `timeoutMs` from now: then it is
 * interrupted and the exit is a `ToolTimeout`), its Scope closed. Interrupting the caller
 * interrupts the attempt and waits for its finalizers. The fiber is observed directly and the
 * deadline goes to the shared `Timeouts` timer, rather than a race of fibers.
 */
export const settle = (registration: Registration, attempt: Attempt, timeoutMs: number): Effect.Effect<Exit.Exit<unknown, unknown>> => {
  const { fiber, scope } = attempt
  const done = fiber.unsafePoll()
  if (done !== null) return Effect.as(Scope.close(scope, done), done)
  registration.calls.add(fiber)
  let timedOut = false
  let deadline: { readonly remove: () => void } | undefined
  const awaited = Effect.clockWith((clock) =>
    Effect.async<Exit.Exit<unknown, unknown>>((resume) => {
      const observer = (exit: Exit.Exit<unknown, unknown>) => {
        deadline?.remove()
        resume(Effect.succeed(exit))
      }
      fiber.addObserver(observer)
      if (Number.isFinite(timeoutMs)) {
        deadline = Timeouts.schedule(clock, clock.unsafeCurrentTimeMillis() + timeoutMs, () => {
          timedOut = true
          fiber.unsafeInterruptAsFork(FiberId.none)
        })
      }
      return Effect.suspend(() => {
        fiber.removeObserver(observer)
        deadline?.remove()
        registration.calls.delete(fiber)
        return Effect.flatMap(Fiber.interrupt(fiber), (exit) => Scope.close(scope, exit))
      })
    })
  )
  return Effect.flatMap(awaited, (exit) => {
    registration.calls.delete(fiber)
    const result = timedOut && Exit.isInterrupted(exit) ? Exit.fail(new ToolTimeout({ name: registration.name, timeoutMs })) : exit
    return Effect.as(Scope.close(scope, exit), result)
  })
}

/** Forks and settles one attempt (a retry's next one). */
export const run = (registration: Registration, input: unknown, timeoutMs: number): Effect.Effect<Exit.Exit<unknown, unknown>> =>
  Effect.flatMap(Scope.make(), (scope) =>
    Effect.withFiberRuntime((parent, status) => settle(registration, fork(registration, input, parent, status.runtimeFlags, scope), timeoutMs)))
