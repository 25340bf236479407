// The child process of the crash-durability test:
//   node crash-writer.mjs <file> <writers> <synchronous: full | normal>
// Each writer takes its own context through versions 1, 2, 3… as fast as the store acknowledges
// them, each version's hash chained to the previous one, and prints `<id> <version> <hash>` once
// the commit is acknowledged (durable). It never stops: the test kills it with SIGKILL.
import { createHash } from "node:crypto"
import * as Effect from "effect/Effect"
import { ContextStore, SqliteStore } from "../../../dist/index.js"

const [filename, writers = "16", synchronous = "full"] = process.argv.slice(2)

const hashOf = (previousHash, id, version, value) =>
  createHash("sha256").update(JSON.stringify([previousHash, id, version, value])).digest("hex")

const writer = (store, id) =>
  Effect.gen(function*() {
    let previousHash = ""
    for (let version = 1;; version++) {
      const value = { id, version }
      const hash = hashOf(previousHash, id, version, value)
      const at = Date.now()
      yield* store.commit([{
        _tag: "Put",
        record: { id, value, version, hash, labels: {}, createdAt: at, updatedAt: at },
        entry: { id, version, value, patch: [], at, hash, previousHash },
        keepHistory: 1_000_000
      }])
      process.stdout.write(`${id} ${version} ${hash}\n`)
      previousHash = hash
    }
  })

const program = Effect.gen(function*() {
  const store = yield* ContextStore.ContextStore
  const ids = Array.from({ length: Number(writers) }, (_, i) => `writer-${i}`)
  yield* Effect.forEach(ids, (id) => writer(store, id), { concurrency: "unbounded", discard: true })
})

Effect.runPromise(Effect.provide(program, SqliteStore.layer({ filename, synchronous }))).catch((error) => {
  process.stderr.write(`crash-writer: ${String(error)}\n`)
  process.exit(1)
})
