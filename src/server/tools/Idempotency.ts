/**
 * Idempotency keys: a `tools/call` whose `_meta["machine-context/idempotencyKey"]` repeats one
 * already answered gets the first answer without running the tool again; a duplicate that
 * arrives while the first still runs waits for it. Only successful results are kept (a failed
 * call may be tried again with the same key). The store is bounded (the oldest entry goes first)
 * and entries expire after a TTL (Effect's `Clock`).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type { McpError } from "../../protocol/errors.js"
import type { CallToolResult } from "../../schema/tools.js"

/** The `_meta` key of a call's idempotency key. */
export const IdempotencyKey = "machine-context/idempotencyKey"

/** Bounds of the store. */
export interface Options {
  /** Entries kept at most (default 10,000). */
  readonly maxEntries?: number
  /** How long an answer is kept (default 10 minutes). */
  readonly ttlMs?: number
}

interface Entry {
  /** `undefined` once the first call ended without a result to keep: run again. */
  readonly done: Deferred.Deferred<CallToolResult | undefined>
  expiresAt: number
}

/** The store of one manager; keys are scoped by tool name and version. */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>()
  private readonly maxEntries: number
  private readonly ttlMs: number

  constructor(options: Options = {}) {
    this.maxEntries = options.maxEntries ?? 10_000
    this.ttlMs = options.ttlMs ?? 600_000
  }

  /** The number of entries kept now. */
  get size(): number {
    return this.entries.size
  }

  /**
   * Runs `call` once per `key`: a repeat gets the kept result, a concurrent duplicate waits for
   * the first. When the first ends without a kept result (an error result, a failure, an
   * interruption) a waiting duplicate runs `call` itself.
   */
  run(key: string, call: Effect.Effect<CallToolResult, McpError>): Effect.Effect<CallToolResult, McpError> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const existing = this.entries.get(key)
      if (existing !== undefined && existing.expiresAt > now) {
        return Effect.flatMap(Deferred.await(existing.done), (result) => result === undefined ? this.run(key, call) : Effect.succeed(result))
      }
      if (existing !== undefined) this.entries.delete(key)
      return Effect.flatMap(Deferred.make<CallToolResult | undefined>(), (done) => {
        const entry: Entry = { done, expiresAt: Number.POSITIVE_INFINITY }
        this.entries.set(key, entry)
        this.evict()
        return call.pipe(
          Effect.onExit((exit) =>
            Effect.flatMap(Clock.currentTimeMillis, (end) => {
              const kept = exit._tag === "Success" && exit.value.isError !== true ? exit.value : undefined
              if (kept === undefined) {
                if (this.entries.get(key) === entry) this.entries.delete(key)
              } else {
                entry.expiresAt = end + this.ttlMs
              }
              return Deferred.succeed(done, kept)
            })
          )
        )
      })
    })
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return
      this.entries.delete(key)
    }
  }
}
