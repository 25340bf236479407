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
import { startStdioServer } from "./lib/stdio-calls.mjs"
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

const running = []
try {
  for (const server of servers) running.push(await startStdioServer({ ...server, cwd: ROOT }))
  for (const server of running) await server.calls(10_000, IN_FLIGHT)
  const samples = new Map(running.map((server) => [server.label, { cpuUs: [], perSecond: [], lost: [] }]))
  for (let round = 0; round < ROUNDS; round++) {
    const rates = []
    for (const server of running) {
      const { cpuUs, perSecond } = await server.calls(N, IN_FLIGHT)
      samples.get(server.label).cpuUs.push(cpuUs)
      samples.get(server.label).perSecond.push(perSecond)
      rates.push(perSecond)
    }
    // Back to back in one round: the throughput the pipeline loses against the direct route.
    samples.get(servers[1].label).lost.push(1 - rates[1] / rates[0])
  }
  const bare = samples.get(servers[0].label)
  console.log(`| ${IN_FLIGHT} echo calls in flight over stdio (${N} calls, median of ${ROUNDS} rounds) | calls/s | server CPU µs/call | throughput lost |`)
  console.log("|---|---:|---:|---:|")
  for (const server of running) {
    const { cpuUs, perSecond, lost } = samples.get(server.label)
    const lostText = lost.length === 0 ? "" : `${(100 * median(lost)).toFixed(1)} %`
    console.log(`| ${server.label} | ${Math.round(median(perSecond))} | ${median(cpuUs).toFixed(1)} | ${lostText} |`)
  }
  console.log("")
  console.log(`Pipeline's server CPU per call: ${(median(samples.get(servers[1].label).cpuUs) - median(bare.cpuUs)).toFixed(1)} µs`)
} finally {
  for (const server of running) server.stop()
}
