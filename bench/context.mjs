#!/usr/bin/env node
// ContextManager benchmark (in memory, over the memory store): get latency, update rates and
// recovery of many contexts at start-up. Needs the library built (`npm run build`).
//   node bench/context.mjs [--quick] [--n N] [--contexts N]
import * as Effect from "effect/Effect"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { numberArg } from "./lib/args.mjs"
import { fmt, quantile } from "./lib/stats.mjs"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const load = (module) => import(pathToFileURL(path.join(ROOT, "dist/context", module)).href)
const ContextManager = await load("ContextManager.js")
const MemoryStore = await load("MemoryStore.js")
const Json = await load("Json.js")
const { ContextStore } = await load("ContextStore.js")
const SqliteStore = await load("SqliteStore.js")

const quick = process.argv.includes("--quick")
const N = numberArg("n", quick ? 20_000 : 200_000)
const UPDATES = quick ? 5_000 : 50_000
const RECOVER = numberArg("contexts", 100_000)

const value = (i) => ({ name: `context ${i}`, count: i, tags: ["a", "b", "c"], nested: { ok: true, at: 1_700_000_000_000 + i } })

/** Runs `f(contexts)` with a manager over `store` (a memory store service). */
const withManager = (store, f) =>
  Effect.runPromise(Effect.flatMap(ContextManager.make(), f).pipe(Effect.provideService(ContextStore, store)))

const rows = []
const row = (metric, measured, target, ok) => rows.push(`| ${metric} | ${measured} | ${target ?? ""}${target === undefined ? "" : ok ? " ✅" : " ❌"} |`)

// get: one fiber reading 1,000 hot contexts in turn, each read timed.
await withManager(await Effect.runPromise(MemoryStore.make()), (contexts) =>
  Effect.gen(function*() {
    const ids = []
    for (let i = 0; i < 1000; i++) ids.push((yield* contexts.create({ value: value(i), labels: { kind: "bench" } })).id)
    const samples = new Float64Array(N)
    for (let i = 0; i < N; i++) {
      const start = performance.now()
      yield* contexts.get(ids[i % ids.length])
      samples[i] = (performance.now() - start) * 1000
    }
    const warm = Array.from(samples.subarray(Math.floor(N / 10)))
    const p50 = quantile(warm, 0.5)
    const p99 = quantile(warm, 0.99)
    row("get, in memory, p50 (µs)", fmt(p50))
    row("get, in memory, p99 (µs)", fmt(p99), "< 50 µs", p99 < 50)

    // updates: one writer (merge patch on one context), then 64 writers on 64 contexts.
    let start = performance.now()
    for (let i = 0; i < UPDATES; i++) yield* contexts.update(ids[0], ContextManager.Change.merge({ count: i }))
    row("updates/s, 1 writer (merge patch)", fmt(UPDATES / ((performance.now() - start) / 1000)))
    start = performance.now()
    yield* Effect.forEach(ids.slice(0, 64), (id) =>
      Effect.forEach(Array.from({ length: Math.floor(UPDATES / 64) }, (_, i) => i), (i) =>
        contexts.update(id, ContextManager.Change.merge({ count: i }))), { concurrency: 64, discard: true })
    row("updates/s, 64 writers on 64 contexts", fmt((64 * Math.floor(UPDATES / 64)) / ((performance.now() - start) / 1000)))
    start = performance.now()
    yield* Effect.forEach(Array.from({ length: UPDATES }, (_, i) => i), (i) =>
      contexts.update(ids[1], ContextManager.Change.fn((v) => ({ ...v, count: v.count + 1 })), { actor: `w${i % 64}` }), { concurrency: 64, discard: true })
    row("updates/s, 64 writers on one context", fmt(UPDATES / ((performance.now() - start) / 1000)))
  }))

// durable updates end to end: the manager over a SQLite file (WAL synced before each
// acknowledgement), 1, 16 and 64 writers each updating its own context; CPU time per update too.
const durableDir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-bench-durable-"))
try {
  for (const writers of [1, 16, 64]) {
    const total = writers === 1 ? (quick ? 300 : 1000) : quick ? 5_000 : 20_000
    const perWriter = Math.ceil(total / writers)
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const sqlite = yield* SqliteStore.make({ filename: path.join(durableDir, `durable-${writers}.db`) })
      const contexts = yield* Effect.provideService(ContextManager.make(), ContextStore, sqlite)
      const ids = []
      for (let w = 0; w < writers; w++) ids.push((yield* contexts.create({ value: value(w) })).id)
      const start = performance.now()
      const cpu = process.cpuUsage()
      yield* Effect.forEach(ids, (id) =>
        Effect.forEach(Array.from({ length: perWriter }, (_, i) => i), (i) =>
          contexts.update(id, ContextManager.Change.merge({ count: i })), { discard: true }), { concurrency: "unbounded", discard: true })
      const seconds = (performance.now() - start) / 1000
      const used = process.cpuUsage(cpu)
      const updates = perWriter * writers
      row(`durable updates/s through the manager (SQLite), ${writers} writer(s)`, fmt(updates / seconds))
      row(`CPU µs per durable update, ${writers} writer(s)`, fmt((used.user + used.system) / updates))
    })))
  }
} finally {
  fs.rmSync(durableDir, { recursive: true, force: true })
}

// recovery: a store holding RECOVER contexts; time to build the manager (every head indexed),
// then the first read of one (loaded lazily).
const stored = []
for (let i = 0; i < RECOVER; i++) {
  const id = `ctx_${String(i).padStart(8, "0")}`
  const entry = { id, version: 1, value: value(i), patch: [], at: 0, previousHash: "" }
  const hash = Json.entryHash(entry)
  stored.push({ record: { id, value: value(i), version: 1, hash, labels: {}, createdAt: 0, updatedAt: 0 }, history: [{ ...entry, hash }] })
}
const store = await Effect.runPromise(MemoryStore.make(stored))
let start = performance.now()
await withManager(store, (contexts) =>
  Effect.gen(function*() {
    const ms = performance.now() - start
    row(`recovery of ${fmt(RECOVER)} contexts (ms)`, fmt(ms), "< 2,000 ms", ms < 2000)
    start = performance.now()
    yield* contexts.get(`ctx_${String(RECOVER - 1).padStart(8, "0")}`)
    row("first get after recovery (lazy load, µs)", fmt((performance.now() - start) * 1000))
  }))

// recovery from SQLite: the same contexts in a file, then the time to open it and build the manager
// (every head scanned and indexed), as `mcx serve --db FILE` does at start-up.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-bench-"))
const file = path.join(dir, "state.db")
try {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const sqlite = yield* SqliteStore.make({ filename: file, synchronous: "normal" })
    for (let i = 0; i < stored.length; i += 1000) {
      yield* sqlite.commit(stored.slice(i, i + 1000).map(({ record, history }) => ({ _tag: "Put", record, entry: history[0], keepHistory: 100 })))
    }
  })))
  start = performance.now()
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const sqlite = yield* SqliteStore.make({ filename: file })
    yield* Effect.provideService(ContextManager.make(), ContextStore, sqlite)
    const ms = performance.now() - start
    row(`recovery of ${fmt(RECOVER)} contexts from SQLite (open, scan, index; ms)`, fmt(ms), "< 2,000 ms", ms < 2000)
  })))
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

console.log(`### Contexts (memory store unless said, Node ${process.version}, ${quick ? "quick" : "full"} run)\n`)
console.log("| metric | measured | target |")
console.log("|---|---:|---|")
for (const line of rows) console.log(line)
