#!/usr/bin/env node
// machine-context benchmark: ours (`mcx serve --stdio --demo`) against the official MCP TypeScript
// SDK (bench/peers/sdk-stdio.mjs) and a bare-Node floor (bench/peers/raw-stdio.mjs), all exposing
// the same `echo` tool, measured in the same run on the same machine. Rates and latencies are
// taken in short alternating bursts against servers that are up side by side (see
// lib/scenarios.mjs); the table gives medians and ours/SDK ratios, then the verdict on the targets.
// A ratio comes with the interquartile range of its pairs; "❌≈" marks a missed target whose
// threshold lies inside that range (not distinguishable from noise in this run).
//
//   node bench/run.mjs [--quick] [--rounds N] [--scenarios startup,seq,pipe,list,leak]
//                      [--peers sdk,raw] [--ours "<cmd>"] [--ours-list "<cmd>"] [--check] …
//   node bench/run.mjs --help
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import process from "node:process"
import { fileURLToPath, pathToFileURL } from "node:url"
import { preflight } from "./lib/preflight.mjs"
import { renderMarkdown, summarize } from "./lib/report.mjs"
import { callsRound, leakRound, listRound, newCallsAcc, newLeakAcc, newListAcc, newStartupAcc, startupRound } from "./lib/scenarios.mjs"
import { killAllServers, PROTOCOL_VERSION } from "./lib/server.mjs"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, "..")

const HELP = `usage: node bench/run.mjs [options]        (npm run bench builds first, then runs this)

  --quick                 1 round, smaller n: a smoke run of about a minute
  --rounds N              rounds; each runs every scenario for every implementation [3]
  --scenarios LIST        any of startup,seq,pipe,list,leak [all]
  --peers LIST            peers beside ours: sdk (required, the targets are ratios to it), raw [sdk,raw]
  --ours "<cmd>"          command starting our stdio server [node dist/mcx.js serve --stdio --demo]
                          (env MCX_BENCH_OURS); point it at a peer to try the harness alone
  --ours-list "<cmd>"     ours with the dummy tools [<ours> --tools <tools>] (env MCX_BENCH_OURS_LIST)
  --tools N               dummy tools for the tools/list scenario [1000]
  --startup-runs N        spawns per implementation and round (start-up, idle RSS) [10; quick 5]
  --n N                   sequential calls per implementation and round [10000; quick 3000]
  --pipe-n N              pipelined calls per level (16, 64 in flight), implementation and round [30000; quick 10000]
  --bursts N              bursts the calls and lists of a round are split into, alternating [10; quick 5]
  --list-n N              timed tools/list per implementation and round [200; quick 50]
  --leak-n N              calls of the heap-growth run, 16 in flight [100000]
  --out FILE              JSON results [bench/results/latest.json]; the table also goes to latest.md
  --check                 exit 1 when a target is missed (default: report only)
  --max-minutes M         watchdog for the whole run [30]
  --report                print the table of an existing results file (--out) and exit
  --help`

// ------------------------------------------------------------------------------------------------
// CLI
// ------------------------------------------------------------------------------------------------
const NUMERIC = ["rounds", "tools", "startup-runs", "n", "pipe-n", "bursts", "list-n", "leak-n", "max-minutes"]
const STRINGS = ["scenarios", "peers", "ours", "ours-list", "out"]
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
const SCENARIOS = ["startup", "seq", "pipe", "list", "leak"]

const buildConfig = (cli) => {
  const quick = Boolean(cli.quick)
  const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean)
  const scenarios = cli.scenarios ? list(cli.scenarios) : SCENARIOS
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (one of ${SCENARIOS.join(", ")})`)
  const peers = list(cli.peers ?? "sdk,raw")
  for (const p of peers) if (!["sdk", "raw"].includes(p)) throw new Error(`unknown peer ${p} (sdk, raw)`)
  if (!peers.includes("sdk")) throw new Error("--peers must include sdk: the targets are ratios to the SDK")
  const tools = cli.tools ?? 1000
  const oursOverride = cli.ours ?? (process.env.MCX_BENCH_OURS?.trim() || undefined)
  const oursCmd = oursOverride ?? `${NODE} dist/mcx.js serve --stdio --demo`
  const oursList = cli["ours-list"] ?? (process.env.MCX_BENCH_OURS_LIST?.trim() || undefined) ?? `${oursCmd} --tools ${tools}`
  const all = {
    ours: { cmd: oursCmd, listCmd: oursList },
    sdk: { cmd: `${NODE} bench/peers/sdk-stdio.mjs`, listCmd: `${NODE} bench/peers/sdk-stdio.mjs --tools ${tools}` },
    raw: { cmd: `${NODE} bench/peers/raw-stdio.mjs`, listCmd: `${NODE} bench/peers/raw-stdio.mjs --tools ${tools}` }
  }
  const order = ["ours", ...["sdk", "raw"].filter((p) => peers.includes(p))]
  return {
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
    check: Boolean(cli.check),
    maxMinutes: cli["max-minutes"] ?? 30
  }
}

// ------------------------------------------------------------------------------------------------
// Results
// ------------------------------------------------------------------------------------------------
const log = (s) => process.stderr.write(s + "\n")

/** Accumulators → plain JSON (latency recorders become their statistics). */
const toJson = (value) =>
  JSON.parse(
    JSON.stringify(value, (_k, v) => (v && typeof v === "object" && v.a instanceof Float64Array && typeof v.stats === "function" ? v.stats() : v))
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
  for (const [name, runs] of Object.entries(agg.leak?.perImpl ?? {})) {
    for (const r of runs) {
      look(`${name} heap run ${r.round}`, r)
      if (!r.hooked) problems.push(`${name} heap run ${r.round}: the memory hook did not load (not a Node server?): no heap numbers`)
    }
  }
  return problems
}

const describe = (cfg, doc) => {
  const lines = []
  const load = doc.loadavg
  lines.push(
    `stdio, ${doc.config.roundsRun} round${doc.config.roundsRun === 1 ? "" : "s"}, bursts alternating between implementations; ` +
      `node ${process.version}, ${os.cpus().length} CPUs, 1-min loadavg ${load.start.toFixed(2)} at start, ${load.end.toFixed(2)} at end`
  )
  lines.push(`ours: \`${cfg.impls.ours.cmd}\`${cfg.oursOverridden ? " (overridden)" : ""}`)
  const listed = Object.entries(doc.raw.list?.perImpl ?? {}).map(([name, a]) => `${name} ${a.tools}${a.pages > 1 ? ` in ${a.pages} pages` : ""}`)
  if (listed.length) lines.push(`tools listed: ${listed.join(", ")}`)
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
const cleanUp = () => {
  killAllServers()
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
}

const main = async () => {
  const cli = parseCli(process.argv.slice(2))
  if (cli.help) {
    process.stdout.write(HELP + "\n")
    return 0
  }
  const cfg = buildConfig(cli)
  if (cli.report) {
    if (!fs.existsSync(cfg.out)) throw new Error(`no results at ${cfg.out}: run the bench first`)
    process.stdout.write(JSON.parse(fs.readFileSync(cfg.out, "utf8")).table + "\n")
    return 0
  }
  if (!cfg.oursOverridden && !fs.existsSync(path.join(ROOT, "dist", "mcx.js"))) {
    throw new Error('dist/mcx.js not found: build first (npm run build; npm run bench builds), or pass --ours "<cmd>"')
  }

  const startedAt = new Date().toISOString()
  const loadStart = os.loadavg()[0]
  const watchdog = setTimeout(() => {
    log(`watchdog: --max-minutes ${cfg.maxMinutes} exceeded; stopping the servers this run started`)
    aborted = true
    killAllServers()
  }, cfg.maxMinutes * 60_000)
  watchdog.unref()

  // Preflight: every command must initialize, list its tools and echo exactly.
  log(`preflight (protocol ${PROTOCOL_VERSION})`)
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

  const hookDir = fs.mkdtempSync(path.join(os.tmpdir(), "mcx-bench-"))
  tempDirs.push(hookDir)
  const hookUrl = pathToFileURL(path.join(HERE, "mem-hook.mjs")).href
  const p = cfg.params
  const agg = {}
  const has = (s) => cfg.scenarios.includes(s)
  if (has("startup")) agg.startup = newStartupAcc()
  if (has("seq") || has("pipe")) agg.calls = newCallsAcc()
  if (has("list")) agg.list = newListAcc()
  if (has("leak")) agg.leak = newLeakAcc()
  const failures = []
  let roundsRun = 0
  const step = async (label, round, fn) => {
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
  log(`${cfg.rounds} round(s) of ${cfg.scenarios.join(", ")} for ${cfg.order.join(", ")}`)
  try {
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
  } finally {
    clearTimeout(watchdog)
    cleanUp()
  }

  const summary = summarize(agg, cfg.order)
  const doc = {
    tool: "machine-context bench",
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    aborted,
    node: process.version,
    host: { platform: process.platform, cpus: os.cpus().length, model: os.cpus()[0]?.model },
    loadavg: { start: loadStart, end: os.loadavg()[0] },
    config: { rounds: cfg.rounds, roundsRun, quick: cfg.quick, scenarios: cfg.scenarios, tools: cfg.tools, params: cfg.params, protocolVersion: PROTOCOL_VERSION },
    impls: cfg.impls,
    warnings,
    problems: [...failures, ...findProblems(agg)],
    summary,
    table: "",
    raw: toJson(agg)
  }
  doc.table = `${renderMarkdown(summary, cfg.order, notes)}\n\n${describe(cfg, doc)}`
  fs.mkdirSync(path.dirname(cfg.out), { recursive: true })
  fs.writeFileSync(cfg.out, JSON.stringify(doc, null, 2) + "\n")
  fs.writeFileSync(cfg.out.replace(/\.json$/, "") + ".md", doc.table + "\n")
  process.stdout.write(`\n${doc.table}\n\nresults: ${path.relative(process.cwd(), cfg.out)}\n`)
  if (aborted) return 3
  if (doc.problems.length > 0) return 2
  if (cfg.check && summary.targets.some((t) => t.met !== true)) return 1
  return 0
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
