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
import * as Context from "effect/Context"
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
  readonly key: string
  /** The kept result once the first call succeeded. */
  result: CallToolResult | undefined
  /** Duplicates waiting for the first call (`undefined`: none yet); each gets the kept result or `undefined` (run again). */
  waiters: Array<(result: CallToolResult | undefined) => void> | undefined
  expiresAt: number
}

/** The store of one manager; keys are scoped by tool name and version. */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>()
  /** Entries in insertion order from `head` (some already gone from `entries`). */
  private order: Array<Entry | undefined> = []
  private head = 0
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
   * interruption) a waiting duplicate runs `call` itself. The bookkeeping is plain code in the
   * calling fiber's steps; only a waiting duplicate suspends.
   */
  run(key: string, call: Effect.Effect<CallToolResult, McpError>): Effect.Effect<CallToolResult, McpError> {
    return Effect.withFiberRuntime((fiber) => {
      const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
      const now = clock.unsafeCurrentTimeMillis()
      const existing = this.entries.get(key)
      if (existing !== undefined && existing.expiresAt > now) {
        if (existing.result !== undefined) return Effect.succeed(existing.result)
        return Effect.flatMap(this.await(existing), (result) => result === undefined ? this.run(key, call) : Effect.succeed(result))
      }
      if (existing !== undefined) this.entries.delete(key)
      const entry: Entry = { key, result: undefined, waiters: undefined, expiresAt: Number.POSITIVE_INFINITY }
      this.entries.set(key, entry)
      this.order.push(entry)
      this.evict()
      return Effect.onExit(call, (exit) =>
        Effect.sync(() => {
          const kept = exit._tag === "Success" && exit.value.isError !== true ? exit.value : undefined
          if (kept === undefined) {
            if (this.entries.get(key) === entry) this.entries.delete(key)
          } else {
            entry.result = kept
            entry.expiresAt = clock.unsafeCurrentTimeMillis() + this.ttlMs
          }
          const waiters = entry.waiters
          entry.waiters = undefined
          if (waiters !== undefined) for (const waiter of waiters) waiter(kept)
        }))
    })
  }

  /** Waits for the first call of `entry` to end. */
  private await(entry: Entry): Effect.Effect<CallToolResult | undefined> {
    return Effect.async<CallToolResult | undefined>((resume) => {
      const waiter = (result: CallToolResult | undefined) => resume(Effect.succeed(result))
      ;(entry.waiters ??= []).push(waiter)
      return Effect.sync(() => {
        const at = entry.waiters?.indexOf(waiter) ?? -1
        if (at >= 0) entry.waiters!.splice(at, 1)
      })
    })
  }

  /**
   * Drops the oldest entries past the bound, in insertion order from `order` (a Map's own
   * iteration would step over every deleted slot each time).
   */
  private evict(): void {
    while (this.entries.size > this.maxEntries && this.head < this.order.length) {
      const oldest = this.order[this.head]!
      this.order[this.head++] = undefined
      if (this.entries.get(oldest.key) === oldest) this.entries.delete(oldest.key)
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head)
      this.head = 0
    }
  }
}
