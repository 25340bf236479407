// Drives a stdio MCP server with echo `tools/call`s, `inFlight` at a time, and reads the server
// process's own CPU time from /proc/<pid>/stat (Linux only), so CPU per call holds on a busy
// machine where calls/s do not.
import { spawn } from "node:child_process"
import fs from "node:fs"
import process from "node:process"

/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on Linux). */
const TICKS = 100

/**
 * Starts `node ...args` in `cwd` and initializes a session with it. `calls(total, inFlight)`
 * resolves with `{ cpuUs, perSecond }`: the server's CPU µs per call and the calls per second.
 * With `traceGc`, node runs with `--trace-gc-nvp` (its lines share stdout with the protocol and
 * are told apart by their first character) and `calls` also gives `promotedBytes`: bytes the
 * young collections moved to the old generation, per call.
 */
export const startStdioServer = async ({ label, args, cwd, traceGc = false }) => {
  const child = spawn(process.execPath, traceGc ? ["--trace-gc-nvp", ...args] : args, { cwd, stdio: ["pipe", "pipe", "ignore"] })
  const waiting = new Map()
  let buffer = ""
  let id = 0
  let promoted = 0
  child.stdout.setEncoding("utf8")
  child.stdout.on("data", (data) => {
    buffer += data
    let nl
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      if (!line.startsWith("{")) {
        const bytes = /promoted=(\d+)/.exec(line)
        if (bytes !== null) promoted += Number(bytes[1])
        continue
      }
      const message = JSON.parse(line)
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
  const calls = (total, inFlight) =>
    new Promise((resolve, reject) => {
      const before = cpu()
      const promotedBefore = promoted
      const start = performance.now()
      let started = 0
      let done = 0
      const next = () => {
        if (started === total) return
        started++
        request("tools/call", { name: "echo", arguments: { text: "hello" } }).then((message) => {
          if (message.error !== undefined || message.result?.isError === true) reject(new Error(`${label}: ${JSON.stringify(message)}`))
          else if (++done === total) {
            resolve({ cpuUs: (cpu() - before) / total, perSecond: total / ((performance.now() - start) / 1000), promotedBytes: (promoted - promotedBefore) / total })
          }
          else next()
        })
      }
      for (let i = 0; i < inFlight; i++) next()
    })
  return { label, calls, stop: () => child.kill() }
}

/**
 * Starts `servers` (`{ label, args }`) in `cwd`, warms each with `warm` calls, then runs
 * `rounds` rounds of `n` calls with `inFlight` in flight, the servers one after another in each
 * round, and stops them. Resolves with each label's results (`calls`' answers), one per round.
 */
export const alternatingRounds = async ({ servers, cwd, rounds, n, inFlight, warm = 10_000, traceGc = false }) => {
  const running = []
  try {
    for (const server of servers) running.push(await startStdioServer({ ...server, cwd, traceGc }))
    for (const server of running) await server.calls(warm, inFlight)
    const results = new Map(running.map((server) => [server.label, []]))
    for (let round = 0; round < rounds; round++) {
      for (const server of running) results.get(server.label).push(await server.calls(n, inFlight))
    }
    return results
  } finally {
    for (const server of running) server.stop()
  }
}
