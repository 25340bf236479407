#!/usr/bin/env node
// The durable ContextStore (SqliteStore, built library in dist/): durable commits per second with
// 1, 16 and 64 concurrent writers (group commit: WAL, synchronous=FULL, each commit acknowledged
// once synced), plain, encrypted, and with synchronous=NORMAL (no sync per transaction); and the
// time to open a store of 100k contexts and scan every head (the ContextManager's recovery).
// Prints a markdown table and the verdict on the targets.
//   node bench/context-store.mjs [--quick] [--contexts N] [--check]
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { ContextStore, SqliteStore } from "../dist/index.js"

const args = process.argv.slice(2)
const quick = args.includes("--quick")
const check = args.includes("--check")
const contextsArg = args.indexOf("--contexts")
const CONTEXTS = contextsArg >= 0 ? Number(args[contextsArg + 1]) : quick ? 20_000 : 100_000
const LEVELS = [1, 16, 64]
/** Commits per writer level: one writer waits for each sync, so it gets fewer. */
const commitsAt = (writers) => (writers === 1 ? (quick ? 500 : 2000) : quick ? 10_000 : 40_000)
const TARGET_COMMITS = 20_000
const TARGET_SCAN_MS = 2000

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcx-bench-store-"))
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = () => path.join(dir, `store-${files++}.db`)
const key = Redacted.make(randomBytes(32))

const put = (id, version, value, previousHash) => {
  const hash = `${id}:${version}:${previousHash.length}`
  const at = 1_700_000_000_000 + version
  return {
    _tag: "Put",
    record: { id, value, version, hash, labels: { bench: "store" }, createdAt: at, updatedAt: at },
    entry: { id, version, value, patch: [{ op: "replace", path: "/n", value: version }], at, hash, previousHash },
    keepHistory: 100
  }
}

const withStore = (options, body) => Effect.flatMap(ContextStore.ContextStore, body).pipe(Effect.provide(SqliteStore.layer(options)))

/** `writers` fibers, each taking its own context through versions until `total` commits are done. */
const commits = (options, writers, total) =>
  withStore(options, (store) =>
    Effect.gen(function*() {
      const before = yield* Metric.value(SqliteStore.commitsPerTransaction)
      const perWriter = Math.ceil(total / writers)
      const writer = (w) =>
        Effect.gen(function*() {
          let previous = ""
          for (let version = 1; version <= perWriter; version++) {
            const write = put(`writer-${w}`, version, { n: version, text: "x".repeat(100) }, previous)
            yield* store.commit([write])
            previous = write.record.hash
          }
        })
      const start = performance.now()
      const cpu = process.cpuUsage()
      yield* Effect.forEach(Array.from({ length: writers }, (_, w) => w), writer, { concurrency: "unbounded", discard: true })
      const seconds = (performance.now() - start) / 1000
      const { system, user } = process.cpuUsage(cpu)
      const after = yield* Metric.value(SqliteStore.commitsPerTransaction)
      return {
        perSecond: (perWriter * writers) / seconds,
        cpuMicros: (user + system) / (perWriter * writers),
        perTransaction: (after.sum - before.sum) / Math.max(1, after.count - before.count)
      }
    }))

/** Fills a store with `n` contexts, then opens it again and scans every head. */
const recovery = (options, n) =>
  Effect.gen(function*() {
    yield* withStore(options, (store) =>
      Effect.forEach(Array.from({ length: Math.ceil(n / 1000) }, (_, b) => b), (b) =>
        store.commit(Array.from({ length: Math.min(1000, n - b * 1000) }, (_, i) => {
          const id = `ctx-${String(b * 1000 + i).padStart(7, "0")}`
          return put(id, 1, { id, owner: "bench", tags: ["a", "b"], text: "y".repeat(100) }, "")
        })), { discard: true }))
    const start = performance.now()
    const scanned = yield* withStore(options, (store) => {
      const opened = performance.now()
      return Effect.map(Stream.runCount(store.scan), (count) => ({ count, openMs: opened - start }))
    })
    const totalMs = performance.now() - start
    if (scanned.count !== n) throw new Error(`scanned ${scanned.count} heads, expected ${n}`)
    return { openMs: scanned.openMs, totalMs }
  })

const fmt = (x) => Math.round(x).toLocaleString("en-US")

const program = Effect.gen(function*() {
  const rows = []
  const variants = [
    { name: "plain", options: {} },
    { name: "encrypted (AES-256-GCM)", options: { encryptionKey: key } },
    { name: "plain, synchronous=NORMAL", options: { synchronous: "normal" } }
  ]
  for (const variant of variants) {
    for (const writers of LEVELS) {
      const r = yield* commits({ filename: newFile(), ...variant.options }, writers, commitsAt(writers))
      rows.push({ variant: variant.name, writers, ...r })
      process.stderr.write(`  ${variant.name}, ${writers} writer(s): ${fmt(r.perSecond)} commits/s\n`)
    }
  }
  const scans = []
  for (const encrypted of [false, true]) {
    const options = encrypted ? { filename: newFile(), encryptionKey: key } : { filename: newFile() }
    scans.push({ encrypted, ...(yield* recovery(options, CONTEXTS)) })
  }
  return { rows, scans }
})

process.stderr.write(`context store: SQLite, WAL, synchronous=FULL, files in ${os.tmpdir()}\n`)
const { rows, scans } = await Effect.runPromise(program)
const lines = [
  "| durable commits (group commit) | writers | commits/s | commits per transaction | CPU µs per commit |",
  "|---|---:|---:|---:|---:|",
  ...rows.map((r) =>
    `| ${r.variant} | ${r.writers} | ${fmt(r.perSecond)} | ${r.perTransaction.toFixed(1)} | ${fmt(r.cpuMicros)} |`
  ),
  "",
  `| recovery of ${fmt(CONTEXTS)} contexts | open (ms) | open + scan every head (ms) |`,
  "|---|---:|---:|",
  ...scans.map((s) => `| ${s.encrypted ? "encrypted" : "plain"} | ${fmt(s.openMs)} | ${fmt(s.totalMs)} |`)
]
const at64 = rows.find((r) => r.variant === "plain" && r.writers === 64).perSecond
const scanMs = scans.find((s) => !s.encrypted).totalMs
const targets = [
  { what: `≥ ${fmt(TARGET_COMMITS)} durable commits/s at 64 writers`, met: at64 >= TARGET_COMMITS, got: `${fmt(at64)}/s` },
  ...(CONTEXTS === 100_000 ? [{ what: `recovery of 100k contexts < ${TARGET_SCAN_MS} ms`, met: scanMs < TARGET_SCAN_MS, got: `${fmt(scanMs)} ms` }] : [])
]
lines.push("", `node ${process.version}, ${os.cpus().length} CPUs, 1-min loadavg ${os.loadavg()[0].toFixed(2)}`)
for (const t of targets) lines.push(`${t.met ? "✅" : "❌"} ${t.what}: ${t.got}`)
process.stdout.write(lines.join("\n") + "\n")
if (check && targets.some((t) => !t.met)) process.exitCode = 1
