#!/usr/bin/env node
// machine-context benchmark: ours against the official MCP TypeScript SDK and a bare-Node floor,
// all exposing the same `echo` tool, measured in the same run on the same machine, over two
// transports (both by default, stdio first):
//   stdio: `mcx serve --stdio --demo --db :memory:` vs bench/peers/sdk-stdio.mjs vs bench/peers/raw-stdio.mjs
//   http:  `mcx serve --demo --db :memory: --port P` (Streamable HTTP) vs bench/peers/sdk-http.mjs in its JSON
//          and its SSE mode vs bench/peers/raw-http.mjs
// Rates and latencies are taken in short alternating bursts against servers that are up side by
// side (see lib/scenarios.mjs, lib/http-scenarios.mjs); the tables give medians and ours/SDK
// ratios, then the verdict on the targets. A ratio comes with the interquartile range of its
// pairs; "❌≈" marks a missed target whose threshold lies inside that range (not distinguishable
// from noise in this run). Last, bench/pipeline.mjs: the tool pipeline's cost per call, in process,
// bench/server-cpu.mjs: each stdio server's own CPU per tools/call at 64 in flight, and
// bench/pipeline-e2e.mjs: one server of ours with and without the pipeline on tools/call, and
// bench/pretenuring.mjs: that server with V8's allocation-site pretenuring on and off.
//
//   node bench/run.mjs [--transport stdio|http|stdio,http] [--quick] [--rounds N] [--check] …
//   node bench/run.mjs --help
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import process from "node:process"
import { fileURLToPath, pathToFileURL } from "node:url"
import { loadUndici } from "./lib/http.mjs"
import { renderHttpMarkdown, summarizeHttp } from "./lib/http-report.mjs"
import { httpPreflight, leakRound as httpLeakRound, loadRound, newLeakAcc as newHttpLeakAcc, newLoadAcc, newSessionsAcc, SDK_IMPLS, sessionsRound } from "./lib/http-scenarios.mjs"
import { preflight } from "./lib/preflight.mjs"
import { renderMarkdown, summarize } from "./lib/report.mjs"
import { callsRound, leakRound, listRound, newCallsAcc, newLeakAcc, newListAcc, newStartupAcc, startupRound } from "./lib/scenarios.mjs"
import { killAllServers, PROTOCOL_VERSION } from "./lib/server.mjs"
import { median } from "./lib/stats.mjs"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, "..")

const HELP = `usage: node bench/run.mjs [options]        (npm run bench builds first, then runs this)

  --transport LIST        stdio, http, store (the durable context store, bench/context-store.mjs),
                          context (bench/context.mjs: the ContextManager in memory), in that
                          order [stdio,http,store,context]
  --quick                 1 round, smaller n: a smoke run (stdio about 30 s, http about 45 s)
  --rounds N              rounds; each runs every scenario for every implementation [3]
  --scenarios LIST        stdio: startup,seq,pipe,list,leak; http: load,sessions,leak; store: store [all];
                          a transport runs the ones it knows (and is skipped if that leaves none)
  --peers LIST            peers beside ours: sdk (required, the targets are ratios to it), raw [sdk,raw];
                          for http, sdk means both SDK modes: sdk-json and sdk-sse can be picked alone
  --bursts N              bursts the calls (sessions, listings) of a round are split into, alternating [10; quick 5]
  --leak-n N              calls of the heap-growth run [100000; http quick 20000]
  --out FILE              stdio JSON results [bench/results/latest.json]; http goes beside it as
                          <FILE>-http.json; each table also goes to the same name with .md
  --check                 exit 1 when a target is missed (default: report only)
  --max-minutes M         watchdog for the whole run [30]
  --report                print the tables of existing results files (--out) and exit
  --help

stdio:
  --ours "<cmd>"          command starting our stdio server [node dist/mcx.js serve --stdio --demo --db :memory:]
                          (env MCX_BENCH_OURS); point it at a peer to try the harness alone
  --ours-list "<cmd>"     ours with the dummy tools [<ours> --tools <tools>] (env MCX_BENCH_OURS_LIST)
  --tools N               dummy tools for the tools/list scenario [1000]
  --startup-runs N        spawns per implementation and round (start-up, idle RSS) [10; quick 5]
  --n N                   sequential calls per implementation and round [10000; quick 3000]
  --pipe-n N              pipelined calls per level (16, 64 in flight), implementation and round [30000; quick 10000]
  --list-n N              timed tools/list per implementation and round [200; quick 50]

http (Streamable HTTP on 127.0.0.1, endpoint /mcp, one session per keep-alive connection):
  --ours-http "<cmd>"     command starting our HTTP server, {port} is replaced by a free port
                          [node dist/mcx.js serve --demo --db :memory: --port {port}] (env MCX_BENCH_OURS_HTTP)
  --concurrency LIST      connections of the load scenario [1,16,64]
  --http-n N              tools/call per level, implementation and round [10000; quick 3000]
                          (with 1 connection: a third of it)
  --sessions N            idle sessions opened per implementation and round (initialize time,
                          memory per session) [1000; quick 300]
  --leak-rounds N         rounds with the heap-growth run [1]
  --sdk-json-leak-n N     calls of the heap run for the SDK's JSON mode, which keeps ~5 KiB per call [20000; quick 5000]
  --client raw|undici     HTTP client: the lean built-in one, or undici from node_modules (cross-check) [raw]`

// ------------------------------------------------------------------------------------------------
// CLI
// ------------------------------------------------------------------------------------------------
const NUMERIC = [
  "rounds",
  "tools",
  "startup-runs",
  "n",
  "pipe-n",
  "bursts",
  "list-n",
  "leak-n",
  "max-minutes",
  "http-n",
  "sessions",
  "leak-rounds",
  "sdk-json-leak-n"
]
const STRINGS = ["scenarios", "peers", "ours", "ours-list", "out", "transport", "ours-http", "concurrency", "client"]
const FLAGS = ["quick", "check", "report", "help"]

const parseCli = (argv) => {
  const o = {}
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]
    if (a === "-h") a = "--help"
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a} (see --help)`)
    let key = a.slice(2)
    let value
    const eq = key.indexOf("=")
    if (eq >= 0) {
      value = key.slice(eq + 1)
      key = key.slice(0, eq)
    }
    if (FLAGS.includes(key)) {
      o[key] = value === undefined ? true : value !== "false"
      continue
    }
    if (!NUMERIC.includes(key) && !STRINGS.includes(key)) throw new Error(`unknown option --${key} (see --help)`)
    if (value === undefined) {
      value = argv[++i]
      if (value === undefined) throw new Error(`--${key} needs a value`)
    }
    if (NUMERIC.includes(key)) {
      const n = Number(value)
      if (!Number.isInteger(n) || n <= 0 || n > 10_000_000) throw new Error(`--${key} needs a positive integer`)
      o[key] = n
    } else o[key] = value
  }
  return o
}

const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`)
const NODE = shellQuote(process.execPath)
const STDIO_SCENARIOS = ["startup", "seq", "pipe", "list", "leak"]
const HTTP_SCENARIOS = ["load", "sessions", "leak"]
const STORE_SCENARIOS = ["store"]
const TRANSPORTS = ["stdio", "http", "store"]
const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean)

const buildStdioConfig = (cli, scenarios, peers) => {
  const quick = Boolean(cli.quick)
  const tools = cli.tools ?? 1000
  const oursOverride = cli.ours ?? (process.env.MCX_BENCH_OURS?.trim() || undefined)
  const oursCmd = oursOverride ?? `${NODE} dist/mcx.js serve --stdio --demo --db :memory:`
  const oursList = cli["ours-list"] ?? (process.env.MCX_BENCH_OURS_LIST?.trim() || undefined) ?? `${oursCmd} --tools ${tools}`
  const all = {
    ours: { cmd: oursCmd, listCmd: oursList },
    sdk: { cmd: `${NODE} bench/peers/sdk-stdio.mjs`, listCmd: `${NODE} bench/peers/sdk-stdio.mjs --tools ${tools}` },
    raw: { cmd: `${NODE} bench/peers/raw-stdio.mjs`, listCmd: `${NODE} bench/peers/raw-stdio.mjs --tools ${tools}` }
  }
  const want = new Set(peers.map((p) => (p.startsWith("sdk") ? "sdk" : p)))
  const order = ["ours", ...["sdk", "raw"].filter((p) => want.has(p))]
  return {
    transport: "stdio",
    quick,
    rounds: cli.rounds ?? (quick ? 1 : 3),
    scenarios,
    order,
    impls: Object.fromEntries(order.map((k) => [k, all[k]])),
    oursOverridden: oursOverride !== undefined,
    tools,
    params: {
      startupRuns: cli["startup-runs"] ?? (quick ? 5 : 10),
      n: cli.n ?? (quick ? 3000 : 10000),
      pipeN: cli["pipe-n"] ?? (quick ? 10000 : 30000),
      bursts: cli.bursts ?? (quick ? 5 : 10),
      warmup: quick ? 3000 : 5000,
      listN: cli["list-n"] ?? (quick ? 50 : 200),
      leakN: cli["leak-n"] ?? 100000,
      leakSteps: 8
    },
    out: path.resolve(ROOT, cli.out ?? path.join("bench", "results", "latest.json")),
    check: Boolean(cli.check)
  }
}

const buildHttpConfig = (cli, scenarios, peers) => {
  const quick = Boolean(cli.quick)
  const oursOverride = cli["ours-http"] ?? (process.env.MCX_BENCH_OURS_HTTP?.trim() || undefined)
  const oursCmd = oursOverride ?? `${NODE} dist/mcx.js serve --demo --db :memory: --port {port}`
  if (!oursCmd.includes("{port}")) throw new Error(`--ours-http needs {port} where the port goes: ${oursCmd}`)
  const all = {
    ours: { cmd: oursCmd },
    "sdk-json": { cmd: `${NODE} bench/peers/sdk-http.mjs --json --port {port}` },
    "sdk-sse": { cmd: `${NODE} bench/peers/sdk-http.mjs --sse --port {port}` },
    raw: { cmd: `${NODE} bench/peers/raw-http.mjs --port {port}` }
  }
  const want = new Set(peers.flatMap((p) => (p === "sdk" ? SDK_IMPLS : [p])))
  const order = ["ours", ...[...SDK_IMPLS, "raw"].filter((p) => want.has(p))]
  const levels = list(cli.concurrency ?? "1,16,64").map(Number)
  for (const c of levels) if (!Number.isInteger(c) || c < 1 || c > 1024) throw new Error(`--concurrency takes connection counts from 1 to 1024 (got ${c})`)
  const client = cli.client ?? "raw"
  if (!["raw", "undici"].includes(client)) throw new Error("--client is raw or undici")
  const rounds = cli.rounds ?? (quick ? 1 : 3)
  const httpN = cli["http-n"] ?? (quick ? 3000 : 10000)
  const base = cli.out ?? path.join("bench", "results", "latest.json")
  return {
    transport: "http",
    quick,
    rounds,
    scenarios,
    order,
    impls: Object.fromEntries(order.map((k) => [k, all[k]])),
    oursOverridden: oursOverride !== undefined,
    levels: [...new Set(levels)],
    client,
    params: {
      perLevel: (c) => (c === 1 ? Math.ceil(httpN / 3) : httpN),
      httpN,
      bursts: cli.bursts ?? (quick ? 5 : 10),
      warmup: quick ? 2000 : 5000,
      sessions: cli.sessions ?? (quick ? 300 : 1000),
      leakN: cli["leak-n"] ?? (quick ? 20000 : 100000),
      leakRounds: Math.min(rounds, cli["leak-rounds"] ?? 1),
      // the SDK's JSON mode keeps ~5 KiB per call; in --quick the peers' heap runs are shorter still
      leakCap: { "sdk-json": cli["sdk-json-leak-n"] ?? (quick ? 5000 : 20000), ...(quick ? { "sdk-sse": 10000, raw: 10000 } : {}) },
      leakSteps: 8,
      maxHeapMiB: 1024
    },
    out: path.resolve(ROOT, base.replace(/\.json$/, "") + "-http.json"),
    check: Boolean(cli.check)
  }
}

const buildConfig = (cli) => {
  const chosen = list(cli.transport ?? "stdio,http,store,context")
  // `context` is not a transport: it runs bench/context.mjs (the ContextManager in process) after them.
  const context = chosen.includes("context")
  const transports = chosen.filter((t) => t !== "context")
  for (const t of transports) if (!TRANSPORTS.includes(t)) throw new Error(`unknown transport ${t} (stdio, http, store, context)`)
  const ordered = TRANSPORTS.filter((t) => transports.includes(t))
  const scenarios = cli.scenarios ? list(cli.scenarios) : null
  for (const s of scenarios ?? []) {
    if (!STDIO_SCENARIOS.includes(s) && !HTTP_SCENARIOS.includes(s) && !STORE_SCENARIOS.includes(s)) {
      throw new Error(`unknown scenario ${s} (stdio: ${STDIO_SCENARIOS.join(", ")}; http: ${HTTP_SCENARIOS.join(", ")})`)
    }
  }
  const peers = list(cli.peers ?? "sdk,raw")
  for (const p of peers) if (!["sdk", "raw", ...SDK_IMPLS].includes(p)) throw new Error(`unknown peer ${p} (sdk, sdk-json, sdk-sse, raw)`)
  if (!peers.some((p) => p.startsWith("sdk"))) throw new Error("--peers must include sdk: the targets are ratios to the SDK")
  const pick = (known) => (scenarios ?? known).filter((s) => known.includes(s))
  const cfg = { transports: ordered, maxMinutes: cli["max-minutes"] ?? 30, skipped: [] }
  if (ordered.includes("stdio")) cfg.stdio = buildStdioConfig(cli, pick(STDIO_SCENARIOS), peers)
  if (ordered.includes("http")) cfg.http = buildHttpConfig(cli, pick(HTTP_SCENARIOS), peers)
  if (ordered.includes("store")) cfg.store = { scenarios: pick(STORE_SCENARIOS), quick: Boolean(cli.quick), check: Boolean(cli.check) }
  for (const t of ordered) {
    if (cfg[t].scenarios.length === 0) {
      cfg.skipped.push(t)
      delete cfg[t]
    }
  }
  cfg.transports = ordered.filter((t) => cfg[t])
  cfg.context = context && !cli.report
  if (cfg.transports.length === 0 && !context) throw new Error(`none of the scenarios ${scenarios?.join(", ")} belongs to ${ordered.join(" or ")}`)
  return cfg
}

// ------------------------------------------------------------------------------------------------
// Results
// ------------------------------------------------------------------------------------------------
const log = (s) => process.stderr.write(s + "\n")

/** Accumulators → plain JSON (latency recorders become their statistics). */
const toJson = (value) =>
  JSON.parse(
    JSON.stringify(value, (_k, v) =>
      v && typeof v === "object" && v.a instanceof Float64Array && typeof v.stats === "function" ? v.stats() : typeof v === "function" ? undefined : v
    )
  )

/** Echo answers that were not exact, error replies, unusable lines: any of them voids a run. */
const findProblems = (agg) => {
  const problems = []
  const look = (where, a) => {
    const c = a?.check
    if (c && (c.mismatch || c.errors)) problems.push(`${where}: ${c.mismatch} echo answers not exact, ${c.errors} error replies`)
    const w = a?.wire
    if (w && (w.unparsable || w.unmatched)) problems.push(`${where}: ${w.unparsable} unparsable lines, ${w.unmatched} answers to no request`)
  }
  for (const [name, a] of Object.entries(agg.calls?.perImpl ?? {})) look(`${name} calls`, a)
  for (const [name, a] of Object.entries(agg.list?.perImpl ?? {})) look(`${name} tools/list`, a)
  for (const [name, a] of Object.entries(agg.load?.perImpl ?? {})) look(`${name} calls`, a)
  for (const [name, a] of Object.entries(agg.sessions?.perImpl ?? {})) {
    for (const r of a.runs) {
      look(`${name} sessions run ${r.round}`, r)
      if (!r.hooked) problems.push(`${name} sessions run ${r.round}: the memory hook did not load (not a Node server?): no heap numbers`)
    }
  }
  for (const [name, runs] of Object.entries(agg.leak?.perImpl ?? {})) {
    for (const r of runs) {
      look(`${name} heap run ${r.round}`, r)
      if (!r.hooked) problems.push(`${name} heap run ${r.round}: the memory hook did not load (not a Node server?): no heap numbers`)
    }
  }
  return problems
}

const header = (transport, doc) => {
  const load = doc.loadavg
  const rounds = doc.config.roundsRun
  return (
    `${transport}, ${rounds} round${rounds === 1 ? "" : "s"}, bursts alternating between implementations; ` +
    `node ${process.version}, ${os.cpus().length} CPUs, 1-min loadavg ${load.start.toFixed(2)} at start, ${load.end.toFixed(2)} at end`
  )
}

const describeStdio = (cfg, doc) => {
  const lines = [header("stdio", doc)]
  lines.push(oursLine(cfg))
  const listed = Object.entries(doc.raw.list?.perImpl ?? {}).map(([name, a]) => `${name} ${a.tools}${a.pages > 1 ? ` in ${a.pages} pages` : ""}`)
  if (listed.length) lines.push(`tools listed: ${listed.join(", ")}`)
  if (doc.aborted) lines.push("ABORTED by the watchdog: partial results")
  for (const w of doc.warnings) lines.push(`warning: ${w}`)
  for (const p of doc.problems) lines.push(`problem: ${p}`)
  return lines.join("\n")
}

const describeHttp = (cfg, doc) => {
  const lines = [`${header("Streamable HTTP", doc)}; client: ${cfg.client === "raw" ? "lean keep-alive HTTP/1.1 (lib/http.mjs)" : "undici"}`]
  lines.push(oursLine(cfg))
  const modes = cfg.order.map((name) => {
    const p = cfg.impls[name].preflight
    return `${name} ${p?.callMode ?? "?"}${p?.listMode && p.listMode !== p.callMode ? ` (tools/list ${p.listMode})` : ""}`
  })
  lines.push(`tools/call answered as: ${modes.join(", ")}; each of ${cfg.levels.join("/")} connections on its own session`)
  const sessions = doc.raw.sessions?.perImpl?.ours?.runs?.[0]
  if (sessions) lines.push(`idle sessions: ${sessions.sessions} per implementation and round (after 50 to warm up); then DELETEd: ours answered ${JSON.stringify(sessions.deleteStatuses)}`)
  for (const [name, runs] of Object.entries(doc.raw.leak?.perImpl ?? {})) {
    const short = runs.filter((r) => r.capped || r.stoppedAt)
    if (short.length === 0) continue
    const why = short.some((r) => r.stoppedAt)
      ? `stopped: ${short.find((r) => r.stoppedAt).stoppedAt}`
      : name === "sdk-json"
        ? "capped: it keeps ~5 KiB per call"
        : "capped in --quick"
    lines.push(`${name}: heap run of ${Math.round(median(short.map((r) => r.calls)) / 1000)}k calls, not ${Math.round(cfg.params.leakN / 1000)}k (${why}); its slope is still per call`)
  }
  if (doc.aborted) lines.push("ABORTED by the watchdog: partial results")
  for (const w of doc.warnings) lines.push(`warning: ${w}`)
  for (const p of doc.problems) lines.push(`problem: ${p}`)
  return lines.join("\n")
}

// ------------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------------
let aborted = false
const tempDirs = []
let snapshotDir = null
const removeTempDirs = () => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
}
const cleanUp = () => {
  killAllServers()
  removeTempDirs()
  if (snapshotDir) fs.rmSync(snapshotDir, { recursive: true, force: true })
  snapshotDir = null
}

const DIST = path.join(ROOT, "dist", "mcx.js")

/**
 * Ours runs from a copy of dist/mcx.js and the chunks it loads (dist/chunks/) taken at the start: a rebuild
 * during the run (other work goes on in this tree) neither breaks it nor mixes two versions.
 */
const snapshotOurs = (cfg) => {
  const uses = cfg.transports.filter((t) => t !== "store" && !cfg[t].oursOverridden)
  if (uses.length === 0 || !fs.existsSync(DIST)) return
  snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), "mcx-bench-dist-"))
  const copy = path.join(snapshotDir, "mcx.js")
  fs.copyFileSync(DIST, copy)
  const chunks = path.join(path.dirname(DIST), "chunks")
  if (fs.existsSync(chunks)) fs.cpSync(chunks, path.join(snapshotDir, "chunks"), { recursive: true })
  const st = fs.statSync(copy)
  const snapshot = { of: "dist/mcx.js", builtAt: fs.statSync(DIST).mtime.toISOString(), bytes: st.size }
  for (const t of uses) {
    const ours = cfg[t].impls.ours
    ours.shownCmd = ours.cmd
    for (const k of ["cmd", "listCmd"]) if (ours[k]) ours[k] = ours[k].replace("dist/mcx.js", shellQuote(copy))
    cfg[t].snapshot = snapshot
  }
}
const oursLine = (cfg) => {
  const ours = cfg.impls.ours
  const how = cfg.oursOverridden ? " (overridden)" : cfg.snapshot ? ` (run from a copy taken at the start; built ${cfg.snapshot.builtAt.slice(11, 19)} UTC)` : ""
  return `ours: \`${ours.shownCmd ?? ours.cmd}\`${how}`
}

const newHookDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcx-bench-"))
  tempDirs.push(dir)
  return dir
}
const hookUrl = pathToFileURL(path.join(HERE, "mem-hook.mjs")).href

/** Runs one step of a round, logging its time; a failure is recorded, the run goes on. */
const stepper = (failures) => async (label, round, fn) => {
  if (aborted) return
  const t0 = performance.now()
  try {
    await fn()
    log(`  round ${round}  ${label.padEnd(8)} ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  } catch (e) {
    failures.push(`round ${round} ${label}: ${e?.message ?? e}`)
    log(`  round ${round}  ${label.padEnd(8)} FAILED: ${e?.message ?? e}`)
  }
}

const finishDoc = (cfg, doc, table) => {
  doc.table = table
  fs.mkdirSync(path.dirname(cfg.out), { recursive: true })
  fs.writeFileSync(cfg.out, JSON.stringify(doc, null, 2) + "\n")
  fs.writeFileSync(cfg.out.replace(/\.json$/, "") + ".md", doc.table + "\n")
  process.stdout.write(`\n${doc.table}\n\nresults: ${path.relative(process.cwd(), cfg.out)}\n`)
  if (aborted) return 3
  if (doc.problems.length > 0) return 2
  if (cfg.check && doc.summary.targets.some((t) => t.met !== true)) return 1
  return 0
}

const runStdio = async (cfg) => {
  if (!cfg.oursOverridden && !cfg.snapshot) {
    throw new Error('dist/mcx.js not found: build first (npm run build; npm run bench builds), or pass --ours "<cmd>"')
  }
  const startedAt = new Date().toISOString()
  const loadStart = os.loadavg()[0]

  // Preflight: every command must initialize, list its tools and echo exactly.
  log(`stdio preflight (protocol ${PROTOCOL_VERSION})`)
  const warnings = []
  const wantList = cfg.scenarios.includes("list")
  const notes = {}
  const listImpls = { ...cfg.impls }
  for (const [name, def] of Object.entries(cfg.impls)) {
    def.preflight = await preflight(def.cmd, { cwd: ROOT })
    const p = def.preflight
    if (!p.ok) throw new Error(`${name} failed the preflight: ${p.error}\n  command: ${def.cmd}`)
    log(`  ${name.padEnd(4)} ${p.serverInfo?.name ?? "?"} ${p.serverInfo?.version ?? ""}, protocol ${p.protocolVersion}, ${p.tools} tool(s), initialize ${p.initMs} ms${p.structuredContent ? ", structuredContent" : ""}`)
    if (!wantList) continue
    def.listPreflight = await preflight(def.listCmd, { cwd: ROOT })
    const l = def.listPreflight
    const want = cfg.tools + 1
    if (!l.ok || l.tools < want) {
      const why = l.ok ? `it lists ${l.tools} tools, expected ${want}` : l.error
      if (name !== "ours") throw new Error(`${name} with ${cfg.tools} dummy tools failed the preflight: ${why}\n  command: ${def.listCmd}`)
      warnings.push(`tools/list not measured for ours: \`${def.listCmd}\`: ${why} (does it take --tools N yet?)`)
      delete listImpls.ours
      notes.ours = { list_p50_ms: "n/a", list_p99_ms: "n/a", list_kib: "n/a" }
    } else {
      log(`  ${name.padEnd(4)} --tools ${cfg.tools}: ${l.tools} tools in ${l.listPages} page(s)`)
      if (l.listPages > 1) warnings.push(`${name} pages tools/list (${l.listPages} pages): one "tools/list" there is all pages, one after the other`)
    }
  }

  const hookDir = newHookDir()
  const p = cfg.params
  const agg = {}
  const has = (s) => cfg.scenarios.includes(s)
  if (has("startup")) agg.startup = newStartupAcc()
  if (has("seq") || has("pipe")) agg.calls = newCallsAcc()
  if (has("list")) agg.list = newListAcc()
  if (has("leak")) agg.leak = newLeakAcc()
  const failures = []
  const step = stepper(failures)
  let roundsRun = 0
  log(`stdio: ${cfg.rounds} round(s) of ${cfg.scenarios.join(", ")} for ${cfg.order.join(", ")}`)
  for (let round = 1; round <= cfg.rounds && !aborted; round++) {
    const common = { round, cwd: ROOT }
    if (agg.startup) await step("startup", round, () => startupRound(agg.startup, cfg.impls, { ...common, runs: p.startupRuns }))
    if (agg.calls) {
      await step("calls", round, () =>
        callsRound(agg.calls, cfg.impls, { ...common, n: p.n, pipeN: p.pipeN, bursts: p.bursts, warmup: p.warmup, doSeq: has("seq"), doPipe: has("pipe") })
      )
    }
    if (agg.list) await step("list", round, () => listRound(agg.list, listImpls, { ...common, listN: p.listN, bursts: p.bursts }))
    if (agg.leak) {
      await step("heap", round, () => leakRound(agg.leak, cfg.impls, { ...common, leakN: p.leakN, steps: p.leakSteps, warmup: p.warmup, hookDir, hookUrl }))
    }
    if (!aborted) roundsRun = round
  }

  const summary = summarize(agg, cfg.order)
  const doc = resultDoc("stdio", cfg, { startedAt, loadStart, aborted, warnings, failures, agg, summary }, { rounds: cfg.rounds, roundsRun, quick: cfg.quick, scenarios: cfg.scenarios, tools: cfg.tools, params: cfg.params, protocolVersion: PROTOCOL_VERSION })
  return finishDoc(cfg, doc, `${renderMarkdown(summary, cfg.order, notes)}\n\n${describeStdio(cfg, doc)}`)
}

/** The durable context store's benchmark, in a process of its own; it prints its table. */
const runStore = (cfg) => {
  log("store: durable commits and recovery (bench/context-store.mjs)")
  const flags = [...(cfg.quick ? ["--quick"] : []), ...(cfg.check ? ["--check"] : [])]
  const run = spawnSync(process.execPath, [path.join(HERE, "context-store.mjs"), ...flags], { cwd: ROOT, stdio: "inherit" })
  return run.status ?? 2
}

/** The JSON result of one transport's run (written to bench/results/). */
const resultDoc = (transport, cfg, run, config) => ({
  tool: "machine-context bench",
  version: 1,
  transport,
  startedAt: run.startedAt,
  finishedAt: new Date().toISOString(),
  aborted: run.aborted,
  node: process.version,
  host: { platform: process.platform, cpus: os.cpus().length, model: os.cpus()[0]?.model },
  loadavg: { start: run.loadStart, end: os.loadavg()[0] },
  config,
  impls: cfg.impls,
  oursBuild: cfg.snapshot ?? null,
  warnings: run.warnings,
  problems: [...run.failures, ...findProblems(run.agg)],
  summary: run.summary,
  table: "",
  raw: toJson(run.agg)
})

const runHttp = async (cfg) => {
  if (!cfg.oursOverridden && !cfg.snapshot) {
    throw new Error('dist/mcx.js not found: build first (npm run build; npm run bench builds), or pass --ours-http "<cmd>"')
  }
  if (cfg.client === "undici") await loadUndici()
  const startedAt = new Date().toISOString()
  const loadStart = os.loadavg()[0]

  log(`http preflight (protocol ${PROTOCOL_VERSION}, 127.0.0.1, client ${cfg.client})`)
  const warnings = []
  for (const [name, def] of Object.entries(cfg.impls)) {
    def.preflight = await httpPreflight(def.cmd, { cwd: ROOT, client: cfg.client })
    const p = def.preflight
    if (!p.ok) throw new Error(`${name} failed the HTTP preflight: ${p.error}\n  command: ${def.cmd}`)
    log(
      `  ${name.padEnd(8)} ${p.serverInfo?.name ?? "?"} ${p.serverInfo?.version ?? ""}, protocol ${p.protocolVersion}, ${p.tools} tool(s), ` +
        `listening ${p.listenMs} ms, initialize ${p.initMs} ms, tools/call as ${p.callMode}, initialized → ${p.notifyStatus}, DELETE → ${p.deleteStatus}`
    )
    if (p.protocolVersion !== PROTOCOL_VERSION) warnings.push(`${name} negotiated protocol ${p.protocolVersion}, not ${PROTOCOL_VERSION}`)
  }

  const hookDir = newHookDir()
  const p = cfg.params
  const agg = {}
  const has = (s) => cfg.scenarios.includes(s)
  if (has("load")) agg.load = newLoadAcc(cfg.levels)
  if (has("sessions")) agg.sessions = newSessionsAcc()
  if (has("leak")) agg.leak = newHttpLeakAcc()
  const failures = []
  const step = stepper(failures)
  let roundsRun = 0
  log(`http: ${cfg.rounds} round(s) of ${cfg.scenarios.join(", ")} for ${cfg.order.join(", ")}${agg.leak && p.leakRounds < cfg.rounds ? ` (heap run in ${p.leakRounds})` : ""}`)
  for (let round = 1; round <= cfg.rounds && !aborted; round++) {
    const common = { round, cwd: ROOT, client: cfg.client }
    if (agg.load) {
      await step("load", round, () => loadRound(agg.load, cfg.impls, { ...common, levels: cfg.levels, perLevel: p.perLevel, bursts: p.bursts, warmup: p.warmup }))
    }
    if (agg.sessions) await step("sessions", round, () => sessionsRound(agg.sessions, cfg.impls, { ...common, sessions: p.sessions, bursts: p.bursts, hookDir, hookUrl }))
    if (agg.leak && round <= p.leakRounds) {
      await step("heap", round, () =>
        httpLeakRound(agg.leak, cfg.impls, { ...common, leakN: p.leakN, leakCap: p.leakCap, steps: p.leakSteps, warmup: p.warmup, hookDir, hookUrl, maxHeapMiB: p.maxHeapMiB })
      )
    }
    if (!aborted) roundsRun = round
  }

  const summary = summarizeHttp(agg, cfg.order, cfg.levels)
  const doc = resultDoc("http", cfg, { startedAt, loadStart, aborted, warnings, failures, agg, summary }, { rounds: cfg.rounds, roundsRun, quick: cfg.quick, scenarios: cfg.scenarios, levels: cfg.levels, client: cfg.client, params: toJson(cfg.params), protocolVersion: PROTOCOL_VERSION })
  return finishDoc(cfg, doc, `${renderHttpMarkdown(summary, cfg.order, cfg.levels)}\n\n${describeHttp(cfg, doc)}`)
}

const main = async () => {
  const cli = parseCli(process.argv.slice(2))
  if (cli.help) {
    process.stdout.write(HELP + "\n")
    return 0
  }
  const cfg = buildConfig(cli)
  for (const t of cfg.skipped) log(`${t} skipped: none of the chosen scenarios belongs to it`)
  if (cli.report) {
    const found = cfg.transports.filter((t) => fs.existsSync(cfg[t].out))
    if (found.length === 0) throw new Error(`no results at ${cfg.transports.map((t) => cfg[t].out).join(" or ")}: run the bench first`)
    for (const t of cfg.transports) if (!found.includes(t)) log(`no ${t} results at ${path.relative(process.cwd(), cfg[t].out)}`)
    for (const t of found) process.stdout.write(JSON.parse(fs.readFileSync(cfg[t].out, "utf8")).table + "\n\n")
    return 0
  }

  const watchdog = setTimeout(() => {
    log(`watchdog: --max-minutes ${cfg.maxMinutes} exceeded; stopping the servers this run started`)
    aborted = true
    killAllServers()
  }, cfg.maxMinutes * 60_000)
  watchdog.unref()

  const codes = []
  try {
    snapshotOurs(cfg)
    for (const t of cfg.transports) {
      if (aborted) break
      try {
        codes.push(t === "stdio" ? await runStdio(cfg.stdio) : t === "http" ? await runHttp(cfg.http) : runStore(cfg.store))
      } catch (e) {
        // one transport failing (ours without HTTP yet, say) does not void the other
        log(`bench (${t}): ${e?.message ?? e}`)
        codes.push(cfg.transports.length > 1 ? 2 : 1)
      } finally {
        removeTempDirs()
      }
    }
    // The tool pipeline's own cost, in process (no transport): bench/pipeline.mjs prints its tables.
    if (!aborted) {
      const pipeline = spawnSync(process.execPath, [path.join(HERE, "pipeline.mjs"), ...(cli.quick ? ["--n", "50000", "--rounds", "2"] : [])], { stdio: "inherit" })
      codes.push(pipeline.status === 0 ? 0 : 2)
      // The same calls in a server: its own CPU per tools/call beside the SDK's and the floor's.
      const serverCpu = spawnSync(process.execPath, [path.join(HERE, "server-cpu.mjs"), ...(cli.quick ? ["--n", "20000", "--rounds", "2"] : [])], { stdio: "inherit" })
      codes.push(serverCpu.status === 0 ? 0 : 2)
      // One server of ours with tools/call through the pipeline and straight to the handler.
      const endToEnd = spawnSync(process.execPath, [path.join(HERE, "pipeline-e2e.mjs"), ...(cli.quick ? ["--n", "20000", "--rounds", "2"] : [])], { stdio: "inherit" })
      codes.push(endToEnd.status === 0 ? 0 : 2)
      // What V8's allocation-site pretenuring costs that server, and `mcx` with it off.
      const pretenuring = spawnSync(process.execPath, [path.join(HERE, "pretenuring.mjs"), ...(cli.quick ? ["--n", "20000", "--rounds", "2"] : [])], { stdio: "inherit" })
      codes.push(pretenuring.status === 0 ? 0 : 2)
    }
    if (cfg.context && !aborted) {
      const run = spawnSync(process.execPath, [path.join(HERE, "context.mjs"), ...(cli.quick ? ["--quick"] : [])], { stdio: "inherit" })
      codes.push(run.status === 0 ? 0 : 2)
    }
  } finally {
    clearTimeout(watchdog)
    cleanUp()
  }
  // the worst outcome: watchdog 3, problems 2, missed targets (with --check) 1
  if (aborted) return 3
  return codes.includes(2) ? 2 : codes.includes(1) ? 1 : 0
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    log(`\n${sig}: stopping the servers this run started`)
    cleanUp()
    process.exit(130)
  })
}
process.on("exit", cleanUp)

main().then(
  (code) => {
    process.exitCode = code
  },
  (e) => {
    log(`bench: ${e?.message ?? e}`)
    cleanUp()
    process.exitCode = 1
  }
)
