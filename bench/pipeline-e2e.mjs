#!/usr/bin/env node
// What the tool pipeline costs a server end to end: the same server of ours (built from the
// public API, one `echo` tool; `bench/peers/ours-stdio.mjs`) with `tools/call` through the
// `ToolManager` pipeline and with a route that runs the handler directly, driven over stdio with
// 64 calls in flight, next to the official SDK's server. Rounds alternate between the servers;
// medians. Calls/s follow the whole machine (the driver shares it); the server's own CPU per call
// is read from /proc. Linux only.
//   node bench/pipeline-e2e.mjs [--n 50000] [--rounds 5]      (needs `npm run build`)
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
  { label: "ours, tools/call → handler directly (`Tool.run`)", args: ["bench/peers/ours-stdio.mjs", "--bare"] },
  { label: "ours, tools/call → `ToolManager` pipeline", args: ["bench/peers/ours-stdio.mjs", "--pipeline"] },
  { label: "official SDK", args: ["bench/peers/sdk-stdio.mjs"] }
]

const results = await alternatingRounds({ servers, cwd: ROOT, rounds: ROUNDS, n: N, inFlight: IN_FLIGHT })
const [bare, piped] = servers.map(({ label }) => results.get(label))
// Back to back in each round: the throughput the pipeline loses against the direct route.
const lost = piped.map((result, round) => 1 - result.perSecond / bare[round].perSecond)
const cpuOf = (rounds) => median(rounds.map((result) => result.cpuUs))
console.log(`| ${IN_FLIGHT} echo calls in flight over stdio (${N} calls, median of ${ROUNDS} rounds) | calls/s | server CPU µs/call | throughput lost |`)
console.log("|---|---:|---:|---:|")
for (const { label } of servers) {
  const rounds = results.get(label)
  const lostText = rounds === piped ? `${(100 * median(lost)).toFixed(1)} %` : ""
  console.log(`| ${label} | ${Math.round(median(rounds.map((result) => result.perSecond)))} | ${cpuOf(rounds).toFixed(1)} | ${lostText} |`)
}
console.log("")
console.log(`Pipeline's server CPU per call: ${(cpuOf(piped) - cpuOf(bare)).toFixed(1)} µs`)
