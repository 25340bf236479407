import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { spawn } from "node:child_process"
import { openSync, writeFileSync, writeSync, closeSync } from "node:fs"
import { join, resolve } from "node:path"
import * as SqliteStore from "../../../src/context/SqliteStore.js"
import { ContextStore } from "../../../src/context/ContextStore.js"
import { chain, put, tempDir } from "./fixtures.js"
import { reasonOf, withRawSql, withStore } from "./support.js"

const dir = tempDir()
afterAll(() => dir.remove())
let files = 0
const file = () => join(dir.path, `failures-${files++}.db`)

/** A child process holding the write lock of `filename` until its stdin ends. */
const LOCKER = `
const Database = require(require.resolve("better-sqlite3", { paths: [process.cwd()] }))
const db = new Database(process.argv[1])
db.pragma("journal_mode = WAL")
db.exec("BEGIN IMMEDIATE")
process.stdout.write("locked\\n")
process.stdin.on("end", () => { db.exec("ROLLBACK"); db.close(); process.exit(0) })
process.stdin.resume()
`

const lockFile = (filename: string) =>
  Effect.acquireRelease(
    Effect.async<ReturnType<typeof spawn>, Error>((resume) => {
      const child = spawn(process.execPath, ["-e", LOCKER, filename], {
        cwd: resolve(import.meta.dirname, "../../.."),
        stdio: ["pipe", "pipe", "inherit"]
      })
      child.stdout.once("data", () => resume(Effect.succeed(child)))
      child.once("exit", (code) => resume(Effect.fail(new Error(`the locker exited (${code})`))))
    }).pipe(Effect.timeout("20 seconds")),
    (child) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.stdin?.end()
      })
  )

describe("SqliteStore failures are typed errors", () => {
  it.effect("a file that is not a database is Corrupt", () =>
    Effect.gen(function*() {
      const filename = file()
      writeFileSync(filename, "this is not a database, ".repeat(400))
      const reason = yield* reasonOf(Effect.provide(ContextStore, SqliteStore.layer({ filename })))
      expect(reason).toBe("Corrupt")
    }))

  it.effect("a damaged table is Corrupt where it is read; the rest is still served", () =>
    Effect.gen(function*() {
      const filename = file()
      yield* withStore({ filename }, (store) => store.commit([...chain("a", [1, 2, 3]), put("b", 1, "b", "")]))
      const { pageSize, rootpage } = yield* withRawSql(filename, (sql) =>
        Effect.gen(function*() {
          const [{ page_size }] = yield* sql<{ page_size: number }>`PRAGMA page_size`
          const [{ rootpage }] = yield* sql<{ rootpage: number }>`SELECT rootpage FROM sqlite_schema WHERE name = 'history'`
          return { pageSize: page_size, rootpage }
        }))
      const fd = openSync(filename, "r+")
      writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, (rootpage - 1) * pageSize)
      closeSync(fd)
      yield* withStore({ filename }, (store) =>
        Effect.gen(function*() {
          expect(yield* reasonOf(store.history("a"))).toBe("Corrupt")
          expect(yield* reasonOf(store.commit([put("c", 1, "c", "")]))).toBe("Corrupt")
          expect(Option.map(yield* store.get("b"), (record) => record.value)).toEqual(Option.some("b"))
          expect(yield* store.count).toBe(2)
        }))
    }))

  it.scoped("a database another process keeps locked is Locked past the busy timeout; reads go on", () =>
    Effect.gen(function*() {
      const filename = file()
      const store = yield* SqliteStore.make({ filename, busyTimeoutMs: 200 })
      yield* store.commit([put("x", 1, "x", "")])
      yield* Effect.scoped(Effect.gen(function*() {
        yield* lockFile(filename)
        expect(yield* reasonOf(store.commit([put("y", 1, "y", "")]))).toBe("Locked")
        expect(Option.isSome(yield* store.get("x"))).toBe(true)
      }))
      yield* store.commit([put("y", 1, "y", "")])
      expect(yield* store.count).toBe(2)
    }))
})
