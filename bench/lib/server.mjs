// A stdio MCP server under test, seen from the client side: spawned through /bin/sh in its own
// process group (stopped by PID, nothing else), spoken to in newline-delimited JSON-RPC.
// The client is lean on purpose (pre-serialized requests, one write per event-loop turn, Buffer
// framing) so that it is not what limits the throughput numbers.
import { execFileSync, spawn } from "node:child_process"
import fs from "node:fs"
import process from "node:process"
import { clearInterval, setInterval } from "node:timers"
import { setTimeout as delay } from "node:timers/promises"

export const PROTOCOL_VERSION = "2025-11-25"

/** Every server this process started and has not seen exit. */
export const liveServers = new Set()

export const killGroup = (child, signal) => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {
      // already gone
    }
  }
}

let stopping = false

/** True once killAllServers ran: no server may be started any more. */
export const isStopping = () => stopping

/** Kill every server still running and refuse to start new ones (watchdog, signals, exit). */
export const killAllServers = () => {
  stopping = true
  for (const s of liveServers) killGroup(s.child, "SIGKILL")
}

/** The telling part of a stderr tail: the first line naming an error, else the last lines. */
export const stderrGist = (text) => {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean)
  const err = lines.find((l) => /error|exception|cannot|not found/i.test(l))
  return err ?? lines.slice(-3).join(" | ")
}

export class Server {
  /**
   * @param {string} cmd shell command (run as `exec <cmd>`)
   * @param {{ cwd?: string, env?: Record<string, string>, timeoutMs?: number }} [opts]
   */
  constructor(cmd, { cwd, env, timeoutMs = 15_000 } = {}) {
    if (stopping) throw new Error("the run is stopping: no new servers")
    this.cmd = cmd
    this.timeoutMs = timeoutMs
    this.pending = new Map()
    this.nextId = 1
    this.parts = []
    this.out = ""
    this.flushing = false
    this.bytesIn = 0
    this.unmatched = 0
    this.unparsable = 0
    this.stderrTail = ""
    this.dead = null
    this.t0 = performance.now()
    const child = spawn("/bin/sh", ["-c", `exec ${cmd}`], { cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true })
    this.child = child
    liveServers.add(this)
    child.stdin.on("error", () => {})
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (d) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000)
    })
    child.stdout.on("data", (chunk) => this.onData(chunk))
    this.exited = new Promise((resolve) => {
      child.on("error", (e) => {
        this.fail(`spawn error: ${e.message}`)
        resolve()
      })
      child.on("exit", (code, signal) => {
        liveServers.delete(this)
        this.fail(`server exited (code ${code}${signal ? `, signal ${signal}` : ""})${this.stderrTail ? `; stderr: ${stderrGist(this.stderrTail)}` : ""}`)
        resolve()
      })
    })
    this.sweep = setInterval(() => {
      const now = performance.now()
      for (const [id, p] of this.pending) {
        if (now - p.t0 > this.timeoutMs) {
          this.pending.delete(id)
          p.reject(new Error(`no answer within ${this.timeoutMs} ms (${p.method}, id ${id})`))
        }
      }
    }, 250)
    this.sweep.unref()
  }

  get pid() {
    return this.child.pid
  }

  fail(reason) {
    if (this.dead) return
    this.dead = reason
    for (const p of this.pending.values()) p.reject(new Error(reason))
    this.pending.clear()
  }

  onData(chunk) {
    this.bytesIn += chunk.length
    let start = 0
    let nl
    while ((nl = chunk.indexOf(10, start)) !== -1) {
      let line
      if (this.parts.length > 0) {
        this.parts.push(chunk.subarray(start, nl))
        line = Buffer.concat(this.parts).toString("utf8")
        this.parts = []
      } else {
        line = chunk.toString("utf8", start, nl)
      }
      start = nl + 1
      if (line.length > 1) this.onLine(line)
    }
    if (start < chunk.length) this.parts.push(chunk.subarray(start))
  }

  onLine(line) {
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      this.unparsable++
      return
    }
    if (msg.method !== undefined) {
      // server→client request (ping, roots/list, …): answer empty so the server is never blocked
      if (msg.id !== undefined && msg.id !== null) this.send(JSON.stringify({ jsonrpc: "2.0", id: msg.id, result: {} }) + "\n")
      return
    }
    const p = this.pending.get(msg.id)
    if (p === undefined) {
      this.unmatched++
      return
    }
    this.pending.delete(msg.id)
    p.resolve(msg)
  }

  /** Queue a serialized line; everything queued in one event-loop turn goes out in one write. */
  send(line) {
    this.out += line
    if (!this.flushing) {
      this.flushing = true
      process.nextTick(() => {
        this.flushing = false
        const s = this.out
        this.out = ""
        if (!this.dead) this.child.stdin.write(s)
      })
    }
  }

  /** Send `{"jsonrpc":"2.0","id":<id><tail>` + "\n"; `tail` is the pre-serialized rest of the request. */
  requestRaw(method, tail) {
    if (this.dead) return Promise.reject(new Error(this.dead))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, t0: performance.now(), method })
      this.send(`{"jsonrpc":"2.0","id":${id}${tail}\n`)
    })
  }

  request(method, params) {
    return this.requestRaw(method, `,"method":${JSON.stringify(method)}${params === undefined ? "" : `,"params":${JSON.stringify(params)}`}}`)
  }

  notify(method, params) {
    this.send(JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) }) + "\n")
  }

  /** initialize + notifications/initialized; returns the initialize response and ms since spawn. */
  async initialize() {
    const init = await this.request("initialize", {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "mcx-bench", version: "1.0.0" }
    })
    const initMs = performance.now() - this.t0
    if (init.error) throw new Error(`initialize failed: ${JSON.stringify(init.error)}`)
    this.notify("notifications/initialized")
    this.initResult = init.result
    return { initMs, result: init.result }
  }

  /** Close stdin and wait for the exit; then SIGTERM, then SIGKILL, to its process group only. */
  async stop({ graceMs = 1500 } = {}) {
    clearInterval(this.sweep)
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    try {
      this.child.stdin.end()
    } catch {
      // ignore
    }
    const gone = (ms) => Promise.race([this.exited.then(() => true), delay(ms, false)])
    if (await gone(graceMs)) return
    killGroup(this.child, "SIGTERM")
    if (await gone(1000)) return
    killGroup(this.child, "SIGKILL")
    await gone(1000)
  }
}

// ------------------------------------------------------------------------------------------------
// Memory, from outside (/proc) and from inside (the preloaded mem-hook.cjs)
// ------------------------------------------------------------------------------------------------
const rssKiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1])
  } catch {
    return 0
  }
}

/** The process and its descendants (a server may be a wrapper around the real one). */
const processTree = (root) => {
  const children = new Map()
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8")
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      if (!children.has(ppid)) children.set(ppid, [])
      children.get(ppid).push(Number(d))
    } catch {
      // raced with an exit
    }
  }
  const out = [root]
  for (let i = 0; i < out.length; i++) for (const c of children.get(out[i]) ?? []) out.push(c)
  return out
}

export const treeRssKiB = (pid) => processTree(pid).reduce((a, p) => a + rssKiB(p), 0)

let clockTicks = null
const ticksPerSecond = () => {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 5000 }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

/**
 * CPU time (ms) used so far by the process and its descendants, every thread (V8's GC helpers
 * too): from /proc/<pid>/task/<tid>/schedstat (nanoseconds) where the kernel has it, else from
 * /proc/<pid>/stat (user + system, in 10 ms ticks).
 */
export const treeCpuMs = (pid) => {
  let ms = 0
  for (const p of processTree(pid)) {
    try {
      let ns = 0
      for (const tid of fs.readdirSync(`/proc/${p}/task`)) ns += Number(fs.readFileSync(`/proc/${p}/task/${tid}/schedstat`, "utf8").split(" ")[0])
      if (Number.isFinite(ns)) {
        ms += ns / 1e6
        continue
      }
    } catch {
      // no schedstat: fall back to ticks
    }
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8")
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      ms += ((Number(f[11]) + Number(f[12])) * 1000) / ticksPerSecond() // utime, stime
    } catch {
      // exited
    }
  }
  return ms
}

/**
 * Heap after a full GC, asked of every hooked process of the tree (SIGUSR2 → the hook runs gc()
 * twice and writes process.memoryUsage() to hookDir/mem-<pid>.json). Null when nothing is hooked.
 */
export const heapSnapshot = async (pid, hookDir, timeoutMs = 5000) => {
  const hooked = processTree(pid).filter((p) => fs.existsSync(`${hookDir}/ready-${p}`))
  if (hooked.length === 0) return null
  for (const p of hooked) {
    fs.rmSync(`${hookDir}/mem-${p}.json`, { force: true })
    try {
      process.kill(p, "SIGUSR2")
    } catch {
      // gone
    }
  }
  const deadline = performance.now() + timeoutMs
  const got = []
  for (const p of hooked) {
    while (performance.now() < deadline) {
      try {
        got.push(JSON.parse(fs.readFileSync(`${hookDir}/mem-${p}.json`, "utf8")))
        break
      } catch {
        await delay(5)
      }
    }
  }
  if (got.length === 0) return null
  const sum = (k) => got.reduce((a, m) => a + (m[k] ?? 0), 0)
  return { heapUsed: sum("heapUsed"), heapTotal: sum("heapTotal"), external: sum("external"), rssKiB: treeRssKiB(pid) }
}
