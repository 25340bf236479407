import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { PersistenceError } from "../../../src/context/ContextStore.js"
import * as WalSync from "../../../src/context/internal/walSync.js"

/** A sync of the WAL that completes when the test says so. */
const manualSync = () => {
  const calls: Array<(error: unknown) => void> = []
  return { calls, syncFile: (callback: (error: unknown) => void) => void calls.push(callback) }
}

describe("WalSync", () => {
  it("a commit is settled only once a sync that began after it completes", () => {
    const { calls, syncFile } = manualSync()
    const durability = WalSync.make(syncFile, 1)
    const outcomes: Array<string> = []
    durability.afterCommit((error) => outcomes.push(`a:${error?.reason ?? "ok"}`))
    expect(calls.length).toBe(1)
    // Committed while the first sync runs: waits for the next one, which covers both b and c.
    durability.afterCommit((error) => outcomes.push(`b:${error?.reason ?? "ok"}`))
    durability.afterCommit((error) => outcomes.push(`c:${error?.reason ?? "ok"}`))
    expect(calls.length).toBe(1)
    expect(outcomes).toEqual([])
    calls[0](null)
    expect(outcomes).toEqual(["a:ok"])
    expect(calls.length).toBe(2)
    calls[1](null)
    expect(outcomes).toEqual(["a:ok", "b:ok", "c:ok"])
  })

  it("outcomes come in commit order even when syncs complete out of order", () => {
    const { calls, syncFile } = manualSync()
    const durability = WalSync.make(syncFile, 2)
    const outcomes: Array<string> = []
    durability.afterCommit(() => outcomes.push("a"))
    durability.afterCommit(() => outcomes.push("b"))
    expect(calls.length).toBe(2)
    calls[1](null)
    expect(outcomes).toEqual([])
    calls[0](null)
    expect(outcomes).toEqual(["a", "b"])
  })

  it("a failed sync fails its commits, the later ones, and every commit after: the failure is sticky", () => {
    const { calls, syncFile } = manualSync()
    const durability = WalSync.make(syncFile, 2)
    const outcomes: Array<PersistenceError | undefined> = []
    durability.afterCommit((error) => outcomes.push(error))
    durability.afterCommit((error) => outcomes.push(error))
    calls[1](null) // the later sync succeeds, but the earlier one fails: neither is durable
    calls[0](new Error("EIO: i/o error"))
    expect(outcomes.map((error) => error?.reason)).toEqual(["Io", "Io"])
    expect(outcomes[0]?.message).toContain("EIO")
    expect(durability.failure()?.reason).toBe("Io")
    durability.afterCommit((error) => outcomes.push(error))
    calls[2]?.(null)
    expect(outcomes.map((error) => error?.reason)).toEqual(["Io", "Io", "Io"])
  })

  it.effect("settled waits for the syncs under way; sync starts one and waits for it", () =>
    Effect.gen(function*() {
      const { calls, syncFile } = manualSync()
      const durability = WalSync.make(syncFile, 2)
      yield* durability.settled // nothing committed: at once
      durability.afterCommit(() => {})
      const waiting = yield* Effect.fork(durability.settled)
      yield* Effect.yieldNow()
      expect(waiting.unsafePoll()).toBeNull()
      calls[0](null)
      yield* Fiber.join(waiting)
      const syncing = yield* Effect.fork(durability.sync)
      yield* Effect.yieldNow()
      expect(calls.length).toBe(2)
      expect(syncing.unsafePoll()).toBeNull()
      calls[1](null)
      yield* Fiber.join(syncing)
    }))
})
