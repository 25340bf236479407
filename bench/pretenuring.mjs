#!/usr/bin/env node
// What V8's allocation-site pretenuring does to a server of ours: the one-tool server of
// `bench/peers/ours-stdio.mjs` (tools/call through the pipeline) with V8's default and with
// pretenuring off (as `mcx` runs, `src/cli/gcTuning.ts`), beside `mcx serve --stdio --demo`,
// driven over stdio with 64 echo calls in flight. Per call: the server's CPU and the bytes its
// young collections promoted to the old generation (from `--trace-gc-nvp`). When a start-up
// collection got Effect's fiber-stack literal pretenured, nearly all of a call's objects are
// promoted; whether it happens depends on the code, so the first row may show it or not.
// Rounds alternate between the servers; medians. Linux only.
//   node bench/pretenuring.mjs [--n 50000] [--rounds 5]      (needs `npm run build`)
import path from "node:path"
import { fileURLToPath } from "node:url"
import { numberArg } from "./lib/args.mjs"
import { alternatingRounds } from "./lib/stdio-calls.mjs"
import { median } from "./lib/stats.mjs"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const N = numberArg("n", 50_000)
const ROUNDS = numberArg("rounds", 5)
const IN_FLIGHT = 64

const servers = [
  { label: "ours-stdio --pipeline, V8's default (pretenuring on)", args: ["bench/peers/ours-stdio.mjs", "--pipeline", "--v8-pretenuring"] },
  { label: "ours-stdio --pipeline, pretenuring off", args: ["bench/peers/ours-stdio.mjs", "--pipeline"] },
  { label: "`mcx serve --stdio --demo` (pretenuring off)", args: ["dist/mcx.js", "serve", "--stdio", "--demo", "--db", ":memory:"] }
]

const results = await alternatingRounds({ servers, cwd: ROOT, rounds: ROUNDS, n: N, inFlight: IN_FLIGHT, warm: 20_000, traceGc: true })
console.log(`| ${IN_FLIGHT} echo calls in flight over stdio (${N} calls, median of ${ROUNDS} rounds) | server CPU µs/call | promoted B/call |`)
console.log("|---|---:|---:|")
for (const { label } of servers) {
  const rounds = results.get(label)
  console.log(`| ${label} | ${median(rounds.map((r) => r.cpuUs)).toFixed(1)} | ${median(rounds.map((r) => r.promotedBytes)).toFixed(1)} |`)
}
