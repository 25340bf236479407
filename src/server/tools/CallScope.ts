/**
 * The per-call Scope of a tool call: a `Scope.CloseableScope` made in plain code, with no
 * Effect run, and closed in plain code when nothing was added to it (the usual case: a tool
 * that acquires nothing). Effect's own `Scope.make` is an Effect and its `close` is two more
 * steps of the fiber, which a no-op call through the pipeline paid on every call.
 *
 * Giving a handler a Scope by changing the running fiber's context costs two copies of that
 * context and of the fiber's refs, which in a server (a large context) is a quarter of a call's
 * CPU. So the `tools/call` route asks the engine for a `Scope` per request (`Router`'s
 * `perRequest`, made in the same step as the request's context), and the pipeline *claims* it
 * for the call's first attempt: the handler runs in the context it already has, and the
 * pipeline closes the Scope when the attempt ends. Anything else (a retry, a nested call, a call
 * outside a request) gets a fresh Scope put in its context. A request Scope nobody claimed (the
 * call was refused before its handler ran) is empty: nothing on that path may use a `Scope`
 * (the route's types do not provide one), so it is dropped without closing.
 *
 * Semantics are those of `Scope.make()` with the sequential strategy: finalizers run in reverse
 * order of addition on close, a finalizer added after close runs at once with the close's exit,
 * `fork` makes a child Scope closed with its parent (and removed from it when closed first).
 * `Effect.forkIn`/`forkScoped` read a Scope's `state` directly (`_tag`, `finalizers`); this
 * class keeps that shape, so a fiber forked into a call's Scope is interrupted when it closes.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import { pipeArguments } from "effect/Pipeable"
import * as Scope from "effect/Scope"
import type { PerRequest } from "../../protocol/Router.js"

type Finalizer = Scope.Scope.Finalizer

/** The shape `Effect.forkIn` reads from a Scope. */
type State =
  | { readonly _tag: "Open"; readonly finalizers: Map<object, Finalizer> }
  | { readonly _tag: "Closed"; readonly exit: Exit.Exit<unknown, unknown> }

/** A call's Scope. */
export class CallScope implements Scope.CloseableScope {
  declare readonly [Scope.ScopeTypeId]: Scope.ScopeTypeId
  declare readonly [Scope.CloseableScopeTypeId]: Scope.CloseableScopeTypeId
  declare readonly strategy: ExecutionStrategy.ExecutionStrategy
  /** A request Scope not claimed yet (set when handed out with a request, cleared when claimed). */
  unclaimed = false
  private finalizers: Map<object, Finalizer> | undefined = undefined
  private exit: Exit.Exit<unknown, unknown> | undefined = undefined

  /** Effect's representation, for `Effect.forkIn`: the finalizers map is this Scope's own. */
  get state(): State {
    return this.exit !== undefined ? { _tag: "Closed", exit: this.exit } : { _tag: "Open", finalizers: this.finalizers ??= new Map() }
  }

  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }

  addFinalizer(finalizer: Finalizer): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.exit !== undefined) return finalizer(this.exit)
      ;(this.finalizers ??= new Map()).set({}, finalizer)
      return Effect.void
    })
  }

  fork(strategy: ExecutionStrategy.ExecutionStrategy): Effect.Effect<Scope.CloseableScope> {
    return Effect.flatMap(Scope.make(strategy), (child) =>
      Effect.suspend(() => {
        if (this.exit !== undefined) return Effect.as(Scope.close(child, this.exit), child)
        const key = {}
        const finalizers = this.finalizers ??= new Map()
        finalizers.set(key, (exit: Exit.Exit<unknown, unknown>) => Scope.close(child, exit))
        return Effect.as(Scope.addFinalizer(child, Effect.sync(() => this.finalizers?.delete(key))), child)
      }))
  }

  close(exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return Effect.suspend(() => this.closeNow(exit))
  }

  /**
   * Closes the Scope with `exit` now and answers what is left to run: `Effect.void` itself when
   * no finalizer was added (a caller can then skip running anything), else the finalizers in
   * reverse order, failing with their causes if any failed, as Effect's own Scope does.
   */
  closeNow(exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    if (this.exit !== undefined) return Effect.void
    this.exit = exit
    const finalizers = this.finalizers
    this.finalizers = undefined
    if (finalizers === undefined || finalizers.size === 0) return Effect.void
    const ordered = Array.from(finalizers.values()).reverse()
    return Effect.flatMap(Effect.forEach(ordered, (finalizer) => Effect.exit(finalizer(exit))), (exits) => {
      const all = Exit.all(exits)
      return all._tag === "Some" && Exit.isFailure(all.value) ? Exit.failCause(all.value.cause) : Effect.void
    })
  }
}

// The same for every call Scope: on the prototype, so an instance holds only its own state
// (measured: as class fields, computed keys made V8 pretenure a server's per-call objects).
Object.defineProperties(CallScope.prototype, {
  [Scope.ScopeTypeId]: { value: Scope.ScopeTypeId },
  [Scope.CloseableScopeTypeId]: { value: Scope.CloseableScopeTypeId },
  strategy: { value: ExecutionStrategy.sequential }
})

/** A fresh, open Scope. */
export const make = (): CallScope => new CallScope()

/** A fresh Scope to hand out with a request, claimable once. */
export const fresh = (): CallScope => {
  const scope = new CallScope()
  scope.unclaimed = true
  return scope
}

/** The `perRequest` service of the `tools/call` route. */
export const perRequest: PerRequest = { tag: Scope.Scope, make: fresh }

/** The context's request Scope if nobody has claimed it yet (now claimed by the caller). */
export const claim = (context: Context.Context<never>): CallScope | undefined => {
  const scope = context.unsafeMap.get(Scope.Scope.key)
  if (!(scope instanceof CallScope) || !scope.unclaimed) return undefined
  scope.unclaimed = false
  return scope
}
