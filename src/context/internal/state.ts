/**
 * The live state of the ContextManager, in STM: the index of every context's head (without its
 * value), the cache of resident values and histories (bounded by a memory budget, least
 * recently used first out), per-context write locks and leases.
 *
 * Every change to a context's index entry or cache entry happens while its lock is held, and
 * locks are taken all at once in one transaction (waiting until every one is free), so two
 * writers can never wait on each other: no deadlock, whatever the order of ids.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as STM from "effect/STM"
import * as TMap from "effect/TMap"
import * as TRef from "effect/TRef"
import * as TSet from "effect/TSet"
import type { ContextRecord, HistoryEntry } from "../ContextStore.js"

/** A context's head without its value: what lists and leases need, always in memory. */
export type Meta = Omit<ContextRecord, "value">

/** A resident context: its head (with the value), its bounded history and its approximate size. */
export interface Body {
  readonly record: ContextRecord
  readonly history: ReadonlyArray<HistoryEntry>
  readonly size: number
}

/** An exclusive lease on some contexts until `expiresAt` (epoch ms). */
export interface Lease {
  readonly token: string
  readonly ids: ReadonlyArray<string>
  readonly expiresAt: number
  readonly holder?: string | undefined
}

/** The head without its value. */
export const metaOf = (record: ContextRecord): Meta => {
  const { value: _, ...meta } = record
  return meta
}

/** The approximate memory taken by a value of `valueLength` JSON characters and its history (UTF-16). */
export const sizeOf = (valueLength: number, history: ReadonlyArray<HistoryEntry>): number =>
  2 * valueLength * (history.length + 1) + 512

/** What a writer sees of a context once it holds its lock. */
export interface Locked {
  readonly body: Body | undefined
  readonly lease: Lease | undefined
}

/** The STM state. */
export class State {
  /** Ids of the cache, least recently used first (a heuristic: not transactional). */
  private readonly recent = new Map<string, true>()

  constructor(
    readonly index: TMap.TMap<string, Meta>,
    readonly cache: TMap.TMap<string, Body>,
    readonly locks: TSet.TSet<string>,
    readonly leases: TMap.TMap<string, Lease>,
    readonly resident: TRef.TRef<number>,
    readonly budget: number
  ) {}

  /** Builds the state with `metas` in the index and nothing resident. */
  static make(metas: Iterable<readonly [string, Meta]>, budget: number): Effect.Effect<State> {
    return STM.commit(STM.gen(function*() {
      return new State(
        yield* TMap.fromIterable(metas),
        yield* TMap.empty<string, Body>(),
        yield* TSet.empty<string>(),
        yield* TMap.empty<string, Lease>(),
        yield* TRef.make(0),
        budget
      )
    }))
  }

  /** Marks `id` as recently used. */
  touch(id: string): void {
    this.recent.delete(id)
    this.recent.set(id, true)
  }

  /**
   * Runs `use` holding the locks of `ids`, taken together once all are free; it gets what the
   * cache and the leases held for each id when the locks were taken (in the same transaction).
   */
  withLocks<A, E, R>(ids: ReadonlyArray<string>, use: (locked: ReadonlyArray<Locked>) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    const lock = STM.gen(this, function*() {
      for (const id of ids) if (yield* TSet.has(this.locks, id)) return yield* STM.retry
      const locked: Array<Locked> = []
      for (const id of ids) {
        yield* TSet.add(this.locks, id)
        const body = yield* TMap.get(this.cache, id)
        const lease = yield* TMap.get(this.leases, id)
        locked.push({ body: body._tag === "Some" ? body.value : undefined, lease: lease._tag === "Some" ? lease.value : undefined })
      }
      return locked
    })
    const unlock = STM.gen(this, function*() {
      for (const id of ids) yield* TSet.remove(this.locks, id)
    })
    return Effect.acquireUseRelease(STM.commit(lock), use, () => STM.commit(unlock))
  }

  /** Puts a body in the cache (the caller holds the lock of its id). */
  install(id: string, body: Body): STM.STM<void> {
    return STM.gen(this, function*() {
      const previous = yield* TMap.get(this.cache, id)
      yield* TMap.set(this.cache, id, body)
      yield* TMap.set(this.index, id, metaOf(body.record))
      yield* TRef.update(this.resident, (n) => n + body.size - (previous._tag === "Some" ? previous.value.size : 0))
      this.touch(id)
    })
  }

  /** Forgets a context (the caller holds its lock). */
  forget(id: string): STM.STM<void> {
    return STM.gen(this, function*() {
      const previous = yield* TMap.get(this.cache, id)
      if (previous._tag === "Some") yield* TRef.update(this.resident, (n) => n - previous.value.size)
      yield* TMap.remove(this.cache, id)
      yield* TMap.remove(this.index, id)
      yield* TMap.remove(this.leases, id)
      this.recent.delete(id)
    })
  }

  /** Evicts least recently used, unlocked bodies until the resident size fits the budget. */
  evict(): Effect.Effect<void> {
    return Effect.flatMap(STM.commit(TRef.get(this.resident)), (size) => {
      if (size <= this.budget) return Effect.void
      const candidates = [...this.recent.keys()]
      return STM.commit(STM.gen(this, function*() {
        for (const id of candidates) {
          if ((yield* TRef.get(this.resident)) <= this.budget) return
          if (yield* TSet.has(this.locks, id)) continue
          const body = yield* TMap.get(this.cache, id)
          if (body._tag === "Some") {
            yield* TMap.remove(this.cache, id)
            yield* TRef.update(this.resident, (n) => n - body.value.size)
          }
          this.recent.delete(id)
        }
      }))
    })
  }
}
