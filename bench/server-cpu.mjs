#!/usr/bin/env node
// The server's own CPU per `tools/call` (echo) with 64 calls in flight over stdio: ours
// (`mcx serve --stdio --demo`, every call through the tool pipeline), the official SDK and the
// bare-Node floor, side by side. CPU time is read from /proc/<pid>/stat of the server process
// alone, so it holds on a busy machine where calls/s do not (the driver and other work share the
// cores). Rounds alternate between the servers; medians. Linux only (reads /proc).
// `MCX_BENCH_BASELINE=<path of another build's mcx.js>` adds that build as a row, to compare two
// versions of ours in the same run.
//   node bench/server-cpu.mjs [--n 50000] [--rounds 3]      (needs `npm run build`)
import path from "node:path"
import process from "node:process"
import { fileURLToPath } from "node:url"
import { numberArg } from "./lib/args.mjs"
import { alternatingRounds } from "./lib/stdio-calls.mjs"
import { median } from "./lib/stats.mjs"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const N = numberArg("n", 50_000)
const ROUNDS = numberArg("rounds", 3)
const IN_FLIGHT = 64
const servers = [
  { label: "machine-context", args: ["dist/mcx.js", "serve", "--stdio", "--demo", "--db", ":memory:"] },
  { label: "official SDK", args: ["bench/peers/sdk-stdio.mjs"] },
  { label: "bare Node floor", args: ["bench/peers/raw-stdio.mjs"] },
  ...(process.env.MCX_BENCH_BASELINE ? [{ label: "baseline build", args: [path.resolve(process.env.MCX_BENCH_BASELINE), "serve", "--stdio", "--demo", "--db", ":memory:"] }] : [])
]

const results = await alternatingRounds({ servers, cwd: ROOT, rounds: ROUNDS, n: N, inFlight: IN_FLIGHT })
const cpuOf = (label) => median(results.get(label).map((result) => result.cpuUs))
const sdk = cpuOf("official SDK")
console.log(`| server CPU per tools/call, ${IN_FLIGHT} in flight over stdio (${N} calls, median of ${ROUNDS} rounds) | µs/call | vs SDK |`)
console.log("|---|---:|---:|")
for (const { label } of servers) {
  const value = cpuOf(label)
  console.log(`| ${label} | ${value.toFixed(1)} | ${(value / sdk).toFixed(2)}× |`)
}
