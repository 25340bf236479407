#!/usr/bin/env node
// The server's own CPU per `tools/call` (echo) with 64 calls in flight over stdio: ours
// (`mcx serve --stdio --demo`, every call through the tool pipeline), the official SDK and the
// bare-Node floor, side by side. CPU time is read from /proc/<pid>/stat of the server process
// alone, so it holds on a busy machine where calls/s do not (the driver and other work share the
// cores). Rounds alternate between the servers; medians. Linux only (reads /proc).
// `MCX_BENCH_BASELINE=<path of another build's mcx.js>` adds that build as a row, to compare two
// versions of ours in the same run.
//   node bench/server-cpu.mjs [--n 50000] [--rounds 3]      (needs `npm run build`)
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import process from "node:process"
import { fileURLToPath } from "node:url"
import { numberArg } from "./lib/args.mjs"
import { median } from "./lib/stats.mjs"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const N = numberArg("n", 50_000)
const ROUNDS = numberArg("rounds", 3)
const IN_FLIGHT = 64
/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on Linux). */
const TICKS = 100

const servers = [
  { label: "machine-context", args: ["dist/mcx.js", "serve", "--stdio", "--demo", "--db", ":memory:"] },
  { label: "official SDK", args: ["bench/peers/sdk-stdio.mjs"] },
  { label: "bare Node floor", args: ["bench/peers/raw-stdio.mjs"] },
  ...(process.env.MCX_BENCH_BASELINE ? [{ label: "baseline build", args: [path.resolve(process.env.MCX_BENCH_BASELINE), "serve", "--stdio", "--demo", "--db", ":memory:"] }] : [])
]

/** Starts a server and initializes a session with it. */
const start = async ({ label, args }) => {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["pipe", "pipe", "ignore"] })
  const waiting = new Map()
  let buffer = ""
  let id = 0
  child.stdout.setEncoding("utf8")
  child.stdout.on("data", (data) => {
    buffer += data
    let nl
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const message = JSON.parse(buffer.slice(0, nl))
      buffer = buffer.slice(nl + 1)
      const resolve = waiting.get(message.id)
      if (resolve !== undefined) {
        waiting.delete(message.id)
        resolve(message)
      }
    }
  })
  const request = (method, params) =>
    new Promise((resolve) => {
      const key = ++id
      waiting.set(key, resolve)
      child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: key, method, params }) + "\n")
    })
  const init = await request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } })
  if (init.error !== undefined) throw new Error(`${label}: initialize failed: ${JSON.stringify(init.error)}`)
  child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n")
  /** The server process's CPU time so far, in µs. */
  const cpu = () => {
    const fields = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ")
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS
  }
  /** `total` echo calls, `IN_FLIGHT` at a time; resolves with the server's CPU µs per call. */
  const calls = (total) =>
    new Promise((resolve, reject) => {
      const before = cpu()
      let started = 0
      let done = 0
      const next = () => {
        if (started === total) return
        started++
        request("tools/call", { name: "echo", arguments: { text: "hello" } }).then((message) => {
          if (message.error !== undefined || message.result?.isError === true) reject(new Error(`${label}: ${JSON.stringify(message)}`))
          else if (++done === total) resolve((cpu() - before) / total)
          else next()
        })
      }
      for (let i = 0; i < IN_FLIGHT; i++) next()
    })
  return { label, calls, stop: () => child.kill() }
}

const running = []
try {
  for (const server of servers) running.push(await start(server))
  for (const server of running) await server.calls(10_000)
  const samples = new Map(running.map((server) => [server.label, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of running) samples.get(server.label).push(await server.calls(N))
  }
  const sdk = median(samples.get("official SDK"))
  console.log(`| server CPU per tools/call, ${IN_FLIGHT} in flight over stdio (${N} calls, median of ${ROUNDS} rounds) | µs/call | vs SDK |`)
  console.log("|---|---:|---:|")
  for (const server of running) {
    const value = median(samples.get(server.label))
    console.log(`| ${server.label} | ${value.toFixed(1)} | ${(value / sdk).toFixed(2)}× |`)
  }
} finally {
  for (const server of running) server.stop()
}
