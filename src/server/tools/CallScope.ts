/**
 * The per-call Scope of a `tools/call`, handed over with the request's context. Giving a handler
 * a Scope by changing the running fiber's context costs two copies of that context and of the
 * fiber's refs, which in a server (a large context) is a quarter of a call's CPU. So the
 * `tools/call` route asks the engine for a `Scope` per request (`Router`'s `perRequest`, made in
 * the same step as the request's context), and the pipeline *claims* it for the call's first
 * attempt: the handler runs in the context it already has, and the pipeline closes the Scope
 * when the attempt ends. Anything else (a retry, a nested call, a call outside a request) gets a
 * fresh Scope the usual way.
 *
 * A request Scope nobody claimed (the call was refused before its handler ran) is empty: nothing
 * on that path may use a `Scope` (the route's types do not provide one), so it is dropped
 * without closing. Scopes are made ahead, since a Scope is made by an Effect and the engine's
 * step is plain code: the calls that claim them top the stock up (`stocked`).
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { PerRequest } from "../../protocol/Router.js"

const BATCH = 64

/**
 * Marks a request Scope not claimed yet: a property of the Scope itself, set when it is made
 * (so every stocked Scope has the same shape) and flipped when handed out and claimed; cheaper
 * per request than a `WeakSet`.
 */
const Unclaimed = Symbol.for("machine-context/CallScope/unclaimed")

type Stocked = Scope.CloseableScope & { [Unclaimed]: boolean }

const made: Array<Stocked> = []

const makeBatch = Effect.all(Array.from({ length: BATCH }, () =>
  Effect.map(Scope.make(), (scope) => {
    const stocked = scope as Stocked
    stocked[Unclaimed] = false
    return stocked
  })))

/** A fresh, unclaimed Scope. */
export const fresh = (): Scope.CloseableScope => {
  // Only when the calls have not kept the stock up (see `stocked`): a run of its own.
  if (made.length === 0) made.push(...Effect.runSync(makeBatch))
  const scope = made.pop()!
  scope[Unclaimed] = true
  return scope
}

const topUp = Effect.map(makeBatch, (scopes) => {
  made.push(...scopes)
})

/**
 * `effect`, run after topping up the stock of Scopes when it runs low, in the claiming call's
 * own fiber: made there, Scopes cost a step each and no run of their own (`Effect.runSync` per
 * batch cost more, in a server, than the context copies this module saves).
 */
export const stocked = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  made.length >= BATCH / 2 ? effect : Effect.zipRight(topUp, effect)

/** The `perRequest` service of the `tools/call` route. */
export const perRequest: PerRequest = { tag: Scope.Scope, make: fresh }

/** The context's request Scope if nobody has claimed it yet (now claimed by the caller). */
export const claim = (context: Context.Context<never>): Scope.CloseableScope | undefined => {
  const scope = context.unsafeMap.get(Scope.Scope.key) as Partial<Stocked> | undefined
  if (scope === undefined || scope[Unclaimed] !== true) return undefined
  scope[Unclaimed] = false
  return scope as Stocked
}
