import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { ContextStore } from "../../../src/context/ContextStore.js"
import * as Encryption from "../../../src/context/Encryption.js"
import * as SqliteStore from "../../../src/context/SqliteStore.js"
import { chain, put, tempDir } from "./fixtures.js"
import { reasonOf, withRawSql, withStore } from "./support.js"

const dir = tempDir()
afterAll(() => dir.remove())
let files = 0
const file = () => join(dir.path, `encrypted-${files++}.db`)
const key = Redacted.make(randomBytes(32).toString("hex"))

/** A store with two contexts, `a` (three versions) and `b`, written under `key`; its file name. */
const seeded = Effect.gen(function*() {
  const filename = file()
  yield* withStore({ filename, encryptionKey: key }, (store) =>
    store.commit([...chain("a", [{ secret: "alpha" }, { secret: "beta" }, { secret: "gamma" }]), put("b", 1, { secret: "delta" }, "")]))
  return filename
})

describe("Encryption", () => {
  it.effect("seals and opens with the same AAD only; keys are 32 bytes (raw, hex, base64)", () =>
    Effect.gen(function*() {
      const cipher = yield* Encryption.make(Redacted.make(randomBytes(32).toString("base64")))
      const sealed = cipher.seal("{\"a\":1}", "ctx/1")
      expect(Buffer.from(sealed).includes("\"a\"")).toBe(false)
      expect(cipher.open(sealed, "ctx/1")).toEqual(Option.some("{\"a\":1}"))
      expect(cipher.open(sealed, "ctx/2")).toEqual(Option.none())
      expect(cipher.seal("x", "aad")).not.toEqual(cipher.seal("x", "aad"))
      const error = yield* Effect.flip(Encryption.make(Redacted.make(randomBytes(16))))
      expect(error._tag).toBe("InvalidKey")
    }))

  it.effect("every seal has a nonce of its own, across the blocks nonces are drawn in", () =>
    Effect.gen(function*() {
      const cipher = yield* Encryption.make(key)
      const sealed = Array.from({ length: 2500 }, (_, i) => cipher.seal(`value ${i}`, `ctx/${i}`))
      const nonces = new Set(sealed.map((value) => Buffer.from(value.subarray(0, 12)).toString("hex")))
      expect(nonces.size).toBe(sealed.length)
      sealed.forEach((value, i) => expect(cipher.open(value, `ctx/${i}`)).toEqual(Option.some(`value ${i}`)))
    }))
})

describe("SqliteStore encryption at rest", () => {
  it.effect("values are sealed in the file and read back with the key", () =>
    Effect.gen(function*() {
      const filename = yield* seeded
      const raw = yield* withRawSql(filename, (sql) => sql<{ value: unknown }>`SELECT value FROM heads UNION ALL SELECT value FROM history`)
      for (const row of raw) {
        expect(row.value).toBeInstanceOf(Uint8Array)
        expect(Buffer.from(row.value as Uint8Array).toString("latin1")).not.toContain("secret")
      }
      yield* withStore({ filename, encryptionKey: key }, (store) =>
        Effect.gen(function*() {
          expect(Option.map(yield* store.get("a"), (record) => record.value)).toEqual(Option.some({ secret: "gamma" }))
          expect((yield* store.history("a")).map((entry) => entry.value)).toEqual([
            { secret: "alpha" },
            { secret: "beta" },
            { secret: "gamma" }
          ])
        }))
    }))

  it.effect("a flipped byte is Tampered on read; other contexts are still served", () =>
    Effect.gen(function*() {
      const filename = yield* seeded
      yield* withRawSql(filename, (sql) =>
        Effect.gen(function*() {
          const [{ value }] = yield* sql<{ value: Uint8Array }>`SELECT value FROM heads WHERE id = 'a'`
          const flipped = Buffer.from(value)
          flipped[20] ^= 1
          yield* sql`UPDATE heads SET value = ${flipped} WHERE id = 'a'`
          yield* sql`UPDATE history SET patch = zeroblob(length(patch)) WHERE id = 'a' AND version = 2`
        }))
      yield* withStore({ filename, encryptionKey: key }, (store) =>
        Effect.gen(function*() {
          expect(yield* reasonOf(store.get("a"))).toBe("Tampered")
          expect(yield* reasonOf(store.history("a"))).toBe("Tampered")
          expect((yield* store.history("a", { fromVersion: 3 })).map((entry) => entry.version)).toEqual([3])
          expect(Option.map(yield* store.get("b"), (record) => record.value)).toEqual(Option.some({ secret: "delta" }))
        }))
    }))

  it.effect("values swapped between rows or versions are Tampered", () =>
    Effect.gen(function*() {
      const filename = yield* seeded
      yield* withRawSql(filename, (sql) =>
        Effect.all([
          sql`UPDATE heads SET value = (SELECT value FROM heads WHERE id = 'b') WHERE id = 'a'`,
          sql`UPDATE history SET value = (SELECT value FROM history WHERE id = 'a' AND version = 1)
              WHERE id = 'a' AND version = 2`,
          sql`UPDATE heads SET version = 2 WHERE id = 'b'`
        ], { discard: true }))
      yield* withStore({ filename, encryptionKey: key }, (store) =>
        Effect.gen(function*() {
          expect(yield* reasonOf(store.get("a"))).toBe("Tampered")
          expect(yield* reasonOf(store.get("b"))).toBe("Tampered")
          expect(yield* reasonOf(store.history("a", { fromVersion: 2, limit: 1 }))).toBe("Tampered")
          expect((yield* store.history("a", { fromVersion: 3 })).length).toBe(1)
        }))
    }))

  it.effect("a plain value put in an encrypted store is Tampered", () =>
    Effect.gen(function*() {
      const filename = yield* seeded
      yield* withRawSql(filename, (sql) => sql`UPDATE heads SET value = '{"secret":"forged"}' WHERE id = 'b'`)
      yield* withStore({ filename, encryptionKey: key }, (store) =>
        Effect.map(reasonOf(store.get("b")), (reason) => expect(reason).toBe("Tampered")))
    }))

  it.effect("opening without the key, or with another key, is refused", () =>
    Effect.gen(function*() {
      const filename = yield* seeded
      const open = (encryptionKey?: Redacted.Redacted<Uint8Array>) =>
        reasonOf(Effect.provide(ContextStore, SqliteStore.layer({ filename, encryptionKey })))
      expect(yield* open()).toBe("Tampered")
      expect(yield* open(Redacted.make(randomBytes(32)))).toBe("Tampered")
    }))
})
