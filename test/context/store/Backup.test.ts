import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Service } from "../../../src/context/ContextStore.js"
import { chain, hashOf, put, tempDir } from "./fixtures.js"
import { reasonOf, withStore } from "./support.js"

const dir = tempDir()
afterAll(() => dir.remove())
let files = 0
const file = () => join(dir.path, `backup-${files++}.db`)

const everything = (store: Service) =>
  Effect.gen(function*() {
    const heads = Chunk.toReadonlyArray(yield* Stream.runCollect(store.scan))
    const histories = yield* Effect.forEach(heads, (head) => store.history(head.id))
    return { heads, histories }
  })

/** Every head is the last entry of its history, and every history is a chain of hashes. */
const expectConsistent = (content: Effect.Effect.Success<ReturnType<typeof everything>>) =>
  content.heads.forEach((head, i) => {
    const history = content.histories[i]
    expect(history[history.length - 1].hash).toBe(head.hash)
    expect(history[history.length - 1].version).toBe(head.version)
    history.forEach((entry, j) => {
      expect(entry.version).toBe(j + 1)
      expect(entry.previousHash).toBe(j === 0 ? "" : history[j - 1].hash)
      expect(entry.hash).toBe(hashOf(entry.previousHash, entry.id, entry.version, entry.value))
    })
  })

/** Commits new versions of `ids` round-robin until interrupted; `done` counts the acknowledged ones. */
const keepWriting = (store: Service, ids: ReadonlyArray<string>, progress: { done: number }) =>
  Effect.gen(function*() {
    const heads = new Map<string, { version: number; hash: string }>()
    for (const id of ids) {
      const history = yield* store.history(id)
      const last = history[history.length - 1]
      heads.set(id, { version: last.version, hash: last.hash })
    }
    for (let n = 0;; n++) {
      const id = ids[n % ids.length]
      const head = heads.get(id)!
      const write = put(id, head.version + 1, { n, padding: "x".repeat(800) }, head.hash)
      yield* store.commit([write])
      heads.set(id, { version: write.record.version, hash: write.record.hash })
      progress.done++
    }
  })

describe("SqliteStore backup and restore", () => {
  it.effect("a backup taken while writes go on is consistent, and restore brings it back", () =>
    Effect.gen(function*() {
      const filename = file()
      const backupFile = file()
      const ids = Array.from({ length: 1000 }, (_, i) => `ctx-${i}`)
      const content = yield* withStore({ filename }, (store) =>
        Effect.gen(function*() {
          for (let i = 0; i < ids.length; i += 100) {
            yield* store.commit(ids.slice(i, i + 100).flatMap((id) => chain(id, [{ id, padding: "y".repeat(2000) }, { id }])))
          }
          const progress = { done: 0 }
          const writer = yield* Effect.fork(keepWriting(store, ids.slice(0, 50), progress))
          const before = progress.done
          yield* store.backup(backupFile)
          const duringBackup = progress.done - before
          yield* Fiber.interrupt(writer)
          expect(duringBackup).toBeGreaterThan(0)

          // Then the store moves on: a delete, a new context, more versions; restore undoes it all.
          yield* store.commit([{ _tag: "Delete", id: "ctx-999" }, put("newcomer", 1, "new", "")])
          const restored = yield* Effect.zipRight(store.restore(backupFile), everything(store))
          // Commits after a restore apply on top of it.
          yield* store.commit([put("after", 1, "after", "")])
          expect(yield* store.count).toBe(ids.length + 1)
          return restored
        }))
      const backup = yield* withStore({ filename: backupFile }, everything)
      expect(backup.heads.length).toBe(ids.length)
      expectConsistent(backup)
      expect(content).toEqual(backup)
    }))

  it.effect("a backup that does not verify is refused and the content stays", () =>
    Effect.gen(function*() {
      const garbage = file()
      writeFileSync(garbage, "not a database at all ".repeat(500))
      const encryptedBackup = file()
      yield* withStore({ filename: file(), encryptionKey: Redacted.make(randomBytes(32)) }, (store) =>
        Effect.zipRight(store.commit([put("secret", 1, "s", "")]), store.backup(encryptedBackup)))
      yield* withStore({ filename: file() }, (store) =>
        Effect.gen(function*() {
          yield* store.commit(chain("kept", [1, 2]))
          const before = yield* everything(store)
          expect(yield* reasonOf(store.restore(garbage))).toBe("Corrupt")
          expect(yield* reasonOf(store.restore(join(dir.path, "missing.db")))).toBe("Io")
          expect(yield* reasonOf(store.restore(encryptedBackup))).toBe("Tampered")
          expect(yield* reasonOf(store.backup(join(dir.path, "no-such-dir", "b.db")))).toBe("Io")
          expect(yield* everything(store)).toEqual(before)
        }))
    }))
})
