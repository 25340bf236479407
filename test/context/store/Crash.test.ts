/**
 * Crash durability: a child process (`crash-writer.mjs`, on the built library in `dist/`)
 * commits chains of versions and prints each acknowledged one; it is killed with SIGKILL in the
 * middle of the stream, and every acknowledged write must then be in the file, every chain intact.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import { hashOf, tempDir } from "./fixtures.js"
import { withStore } from "./support.js"

const root = resolve(import.meta.dirname, "../../..")
const dir = tempDir()
afterAll(() => dir.remove())

const WRITERS = 16
/** Acknowledgements to see before the kill. */
const ACKS_BEFORE_KILL = 3000

/** Runs the writer until it acknowledged `ACKS_BEFORE_KILL` writes, kills it; the lines it printed. */
const runAndKill = (filename: string, synchronous: "full" | "normal") =>
  Effect.async<ReadonlyArray<string>, Error>((resume) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "crash-writer.mjs"), filename, String(WRITERS), synchronous], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    let killed = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk
      if (!killed && out.split("\n").length > ACKS_BEFORE_KILL) {
        killed = true
        child.kill("SIGKILL")
      }
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk))
    child.once("exit", (_code, signal) => {
      if (signal !== "SIGKILL") return resume(Effect.fail(new Error(`the writer exited on its own: ${err}`)))
      // The last line may be cut short by the kill: keep complete lines only.
      resume(Effect.succeed(out.slice(0, out.lastIndexOf("\n")).split("\n")))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  }).pipe(Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("the writer did not get far enough") }))

describe("SqliteStore crash durability", () => {
  // `normal` syncs the WAL only at checkpoints: still durable against the death of the process.
  it.live.each(["full", "normal"] as const)("synchronous %s: every write acknowledged before SIGKILL is there after reopening, and the chains verify", (synchronous) =>
    Effect.gen(function*() {
      if (!existsSync(join(root, "dist/index.js"))) {
        return yield* Effect.die(new Error("the crash test runs the built library: run `npm run build` first (npm test does)"))
      }
      const filename = join(dir.path, `crash-${synchronous}.db`)
      const lines = yield* runAndKill(filename, synchronous)
      expect(lines.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL)
      const acknowledged = new Map<string, Map<number, string>>()
      for (const line of lines) {
        const [id, version, hash] = line.split(" ")
        if (!acknowledged.has(id)) acknowledged.set(id, new Map())
        acknowledged.get(id)!.set(Number(version), hash)
      }
      yield* withStore({ filename }, (store) =>
        Effect.gen(function*() {
          for (const [id, versions] of acknowledged) {
            const head = Option.getOrThrow(yield* store.get(id))
            const history = yield* store.history(id)
            expect(head.version).toBe(history.length)
            expect(head.hash).toBe(history[history.length - 1].hash)
            history.forEach((entry, i) => {
              expect(entry.version).toBe(i + 1)
              expect(entry.previousHash).toBe(i === 0 ? "" : history[i - 1].hash)
              expect(entry.hash).toBe(hashOf(entry.previousHash, id, entry.version, entry.value))
            })
            for (const [version, hash] of versions) expect(history[version - 1]?.hash).toBe(hash)
          }
        }))
    }), 90_000)
})
