/**
 * The roots the client exposes to servers (`roots/list`, or a roots input request in
 * 2026-07-28). Changing them sends `notifications/roots/list_changed` to a connected server.
 * A client without this service does not declare the `roots` capability.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Root } from "../schema/roots.js"

/** The current roots, and their changes. */
export interface Service {
  /** The roots now. */
  readonly list: Effect.Effect<ReadonlyArray<Root>>
  /** Replaces the roots; connected servers are told they changed. */
  readonly set: (roots: ReadonlyArray<Root>) => Effect.Effect<void>
  /** Every change after subscription. */
  readonly changes: Stream.Stream<ReadonlyArray<Root>>
}

/** The client's roots. */
export class Roots extends Context.Tag("machine-context/Roots")<Roots, Service>() {}

/** Roots held in memory, starting with `initial`. */
export const make = (initial: ReadonlyArray<Root>): Effect.Effect<Service> =>
  Effect.map(SubscriptionRef.make<ReadonlyArray<Root>>(initial), (ref) => ({
    list: SubscriptionRef.get(ref),
    set: (roots) => SubscriptionRef.set(ref, roots),
    changes: Stream.drop(ref.changes, 1)
  }))

/** The roots as a layer. */
export const layer = (initial: ReadonlyArray<Root>): Layer.Layer<Roots> => Layer.effect(Roots, make(initial))
