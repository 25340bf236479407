/** Shared layers of the context tests. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ContextManager from "../../src/context/ContextManager.js"
import { ContextStore, PersistenceError, type Service, type Write } from "../../src/context/ContextStore.js"
import * as MemoryStore from "../../src/context/MemoryStore.js"

/** A manager over a fresh memory store. */
export const memory = (options: ContextManager.Options = {}) => ContextManager.layer(options).pipe(Layer.provideMerge(MemoryStore.layer()))

/** A memory store whose commits fail while `failing.on` is true, recording every commit it accepted. */
export const flakyStore = (failing: { on: boolean }, accepted: Array<ReadonlyArray<Write>> = []) =>
  Layer.effect(
    ContextStore,
    Effect.map(MemoryStore.make(), (inner): Service => ({
      ...inner,
      commit: (writes) =>
        failing.on
          ? Effect.fail(new PersistenceError({ reason: "Io", message: "disk on fire" }))
          : Effect.zipRight(inner.commit(writes), Effect.sync(() => accepted.push(writes)))
    }))
  )

/** A memory store that yields before each commit, so that concurrent writers interleave. */
export const yieldingStore = Layer.effect(
  ContextStore,
  Effect.map(MemoryStore.make(), (inner): Service => ({
    ...inner,
    commit: (writes) => Effect.zipRight(Effect.yieldNow(), inner.commit(writes))
  }))
)
