/**
 * One run of a tool's handler, with a fresh Scope in its context (the call's resources), closed
 * with the handler's exit. `run` is the one place an attempt is run. A call without a timeout
 * runs `inline` in the caller's own fiber: no second fiber, no hop back; a drain past its
 * deadline interrupts that fiber (the request) through `registration.calls`. A call with a
 * timeout is forked in a fiber of its own on the caller's runtime: a handler that answers
 * synchronously is done before `fork` returns (no timer, no scheduling); otherwise `settle`
 * awaits it up to the timeout (then interrupts it) and a drain past its deadline interrupts
 * that fiber alone.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import * as Scope from "effect/Scope"
import * as CallScope from "./CallScope.js"
import { ToolTimeout } from "./errors.js"
import type { Registration } from "./Registration.js"
import * as Timeouts from "./Timeouts.js"

/** A running (or already finished) attempt. */
export interface Attempt {
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
  readonly scope: CallScope.CallScope
}

/** Starts the handler on `input` in a child of `parent`'s runtime, with `scope` as its Scope. */
export const fork = (
  registration: Registration,
  input: unknown,
  parent: Fiber.RuntimeFiber<any, any>,
  flags: RuntimeFlags.RuntimeFlags,
  scope: CallScope.CallScope,
  /** Whether `scope` is in `parent`'s context already (the request's claimed Scope). */
  inContext = false
): Attempt => {
  const runtime = Runtime.make({
    context: inContext ? parent.currentContext : Context.add(parent.currentContext, Scope.Scope, scope),
    fiberRefs: parent.getFiberRefs(),
    runtimeFlags: flags
  })
  const handler = registration.tool.handler(input) as Effect.Effect<unknown, unknown>
  return { fiber: Runtime.runFork(runtime, Effect.interruptible(handler), { immediate: true }), scope }
}

/**
 * Closes `scope` with `exit`, then continues with `next`: at once, in this step, when the Scope
 * held nothing to release; after its finalizers otherwise.
 */
export const closing = <A, E>(scope: CallScope.CallScope, exit: Exit.Exit<unknown, unknown>, next: () => Effect.Effect<A, E>): Effect.Effect<A, E> => {
  const closed = scope.closeNow(exit)
  return closed === Effect.void ? next() : Effect.zipRight(closed, Effect.suspend(next))
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
  if (done !== null) return closing(scope, done, () => Effect.succeed(done))
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
        return Effect.flatMap(Fiber.interrupt(fiber), (exit) => scope.close(exit))
      })
    })
  )
  return Effect.flatMap(awaited, (exit) => {
    registration.calls.delete(fiber)
    const result = timedOut && Exit.isInterrupted(exit) ? Exit.fail(new ToolTimeout({ name: registration.name, timeoutMs })) : exit
    return closing(scope, exit, () => Effect.succeed(result))
  })
}

/**
 * Runs the handler in `fiber`, the calling fiber, from the step it is in, and continues with
 * `after` on the handler's exit, its Scope closed. The caller must be uninterruptible (only the
 * handler is made interruptible), so `after` always runs. The Scope is the request's own when
 * unclaimed (`CallScope`): the handler runs in the context it has. Otherwise a new one goes in
 * by setting the fiber's context and putting it back (far cheaper than `provideService`). The
 * calling fiber is in `registration.calls` meanwhile, so a drain past its deadline interrupts
 * it: the exit is then an interruption and the caller stays interrupted.
 */
export const inline = <A>(
  registration: Registration,
  input: unknown,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  after: (exit: Exit.Exit<unknown, unknown>) => Effect.Effect<A>
): Effect.Effect<A> => {
  const context = fiber.currentContext
  const claimed = CallScope.claim(context)
  const scope = claimed ?? CallScope.make()
  registration.calls.add(fiber)
  const handler = Effect.interruptible(registration.tool.handler(input) as Effect.Effect<unknown, unknown>)
  const ended = (exit: Exit.Exit<unknown, unknown>, restore: Effect.Effect<void>) => {
    registration.calls.delete(fiber)
    const next = closing(scope, exit, () => after(exit))
    return restore === Effect.void ? next : Effect.zipRight(restore, next)
  }
  const run = (restore: Effect.Effect<void>) =>
    Effect.matchCauseEffect(handler, {
      onFailure: (cause) => ended(Exit.failCause(cause), restore),
      onSuccess: (value) => ended(Exit.succeed(value), restore)
    })
  if (claimed !== undefined) return run(Effect.void)
  return Effect.zipRight(
    FiberRef.set(FiberRef.currentContext, Context.add(context, Scope.Scope, scope)),
    run(FiberRef.set(FiberRef.currentContext, context))
  )
}

/** Runs one attempt (a retry's next one) with a fresh Scope: inline without a timeout, else forked and settled. */
export const run = (registration: Registration, input: unknown, timeoutMs: number): Effect.Effect<Exit.Exit<unknown, unknown>> =>
  Number.isFinite(timeoutMs)
    ? Effect.withFiberRuntime((parent, status) => settle(registration, fork(registration, input, parent, status.runtimeFlags, CallScope.make()), timeoutMs))
    : Effect.uninterruptible(Effect.withFiberRuntime((fiber) => inline(registration, input, fiber, Effect.succeed)))
