// The Streamable HTTP scenarios. Same design as the stdio ones (lib/scenarios.mjs): the servers
// are up side by side, rates and latencies are taken in short bursts alternating between them (the
// order rotating each burst), a number is the median over bursts and a ratio the median of the
// per-burst ratios. Every loop is bounded by a count and a deadline.
//
// Each connection carries its own session: initialize (→ Mcp-Session-Id), notifications/initialized,
// then every call on that connection with that session id. Loopback only.
import process from "node:process"
import { setTimeout as delay } from "node:timers/promises"
import { closeSessions, connect, McpSession, openSessions, startHttpServer } from "./http.mjs"
import { heapSnapshot, treeCpuMs } from "./server.mjs"
import { listAll } from "./preflight.mjs"
import { Rec, rotate } from "./stats.mjs"

export const ECHO_TEXT = "hello world"
const ECHO_TAIL = `,"method":"tools/call","params":{"name":"echo","arguments":{"text":${JSON.stringify(ECHO_TEXT)}}}}`
const PREFLIGHT_TEXT = "preflight \"quoted\" ünïcødé ✓"
const BURST_DEADLINE_MS = 60_000

/** The SDK implementations of an HTTP run (the ratio partners), in column order. */
export const SDK_IMPLS = ["sdk-json", "sdk-sse"]

const newCheck = () => ({ exact: 0, mismatch: 0, errors: 0 })
const checkEcho = (msg, check) => {
  if (msg.error) check.errors++
  else if (msg.result?.content?.[0]?.text === ECHO_TEXT) check.exact++
  else check.mismatch++
}

const hookEnv = (hookDir, hookUrl) => ({
  ...process.env,
  MCX_BENCH_HOOK_DIR: hookDir,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc --import ${hookUrl}`.trim()
})

/** What the responses looked like: SSE or JSON bodies, HTTP statuses. */
const noteWire = (a, sessions) => {
  a.wire ??= { sse: 0, json: 0, statuses: {}, connects: 0 }
  for (const s of sessions) {
    a.wire.sse += s.sse
    a.wire.json += s.json
    a.wire.connects += s.conn.connects ?? 0
    for (const [k, v] of Object.entries(s.statuses)) a.wire.statuses[k] = (a.wire.statuses[k] ?? 0) + v
    s.sse = 0
    s.json = 0
    s.statuses = {}
    s.conn.connects = 0
  }
}

/**
 * n echo calls over the given sessions, one worker per session (= per connection), each sending
 * its next call when its answer is in: `sessions.length` calls in flight.
 */
const callBurst = async (sessions, n, rec, check) => {
  const t0 = performance.now()
  const end = t0 + BURST_DEADLINE_MS
  let started = 0
  let done = 0
  let failed = null
  const worker = async (s) => {
    while (failed === null && started < n && performance.now() < end) {
      started++
      const st = performance.now()
      try {
        const m = await s.requestRaw(ECHO_TAIL)
        rec?.add(performance.now() - st)
        checkEcho(m, check)
        done++
      } catch (e) {
        failed ??= e
        check.errors++
      }
    }
  }
  await Promise.all(sessions.map(worker))
  if (failed) throw failed
  return { count: done, ms: performance.now() - t0 }
}

const warm = async (sessions, calls, check) => {
  await callBurst(sessions.slice(0, 16), calls, null, check)
  await callBurst(sessions.slice(0, 1), Math.min(500, calls), null, check)
}

const startAll = async (names, impls, opts) => {
  const servers = {}
  try {
    for (const name of names) servers[name] = await startHttpServer(impls[name].cmd, opts)
  } catch (e) {
    await stopAll(servers)
    throw e
  }
  return servers
}
const stopAll = (servers) => Promise.all(Object.values(servers).map((s) => s.stop()))

const pairRatio = (a, b) => (a != null && b ? a / b : null)

/**
 * Ratios of one burst (or sample): ours over each SDK mode, and ours over the better SDK mode
 * ("best": the higher rate, the lower latency).
 */
const pushPairs = (pairs, got, higherIsBetter) => {
  for (const [k, sink] of Object.entries(pairs)) {
    for (const sdk of SDK_IMPLS) (sink[sdk] ??= []).push(pairRatio(got.ours?.[k], got[sdk]?.[k]))
    const sdkValues = SDK_IMPLS.map((x) => got[x]?.[k]).filter((v) => v != null)
    const best = sdkValues.length ? (higherIsBetter(k) ? Math.max(...sdkValues) : Math.min(...sdkValues)) : null
    ;(sink.best ??= []).push(pairRatio(got.ours?.[k], best))
  }
}
const rpsHigher = (k) => k === "rps"

// ------------------------------------------------------------------------------------------------
// preflight: initialize (session id), initialized, tools/list has echo, echo comes back exactly
// ------------------------------------------------------------------------------------------------
export const httpPreflight = async (cmd, { cwd, client }) => {
  const out = { cmd, ok: false }
  let server
  let session
  try {
    server = await startHttpServer(cmd, { cwd })
    out.listenMs = Math.round(server.listenMs)
    session = new McpSession(connect(server.port, client), server.port)
    const init = await session.initialize()
    out.initMs = Math.round(init.initMs * 10) / 10
    out.protocolVersion = init.result?.protocolVersion
    out.serverInfo = init.result?.serverInfo
    out.sessionId = init.sid !== null
    out.notifyStatus = init.notifyStatus
    if (!init.sid) throw new Error("initialize answered without an Mcp-Session-Id header: the scenarios need stateful sessions")
    const { tools, pages } = await listAll(session)
    out.tools = tools.length
    out.listPages = pages
    out.listMode = session.sse ? "sse" : "json"
    if (!tools.some((t) => t.name === "echo")) throw new Error("tools/list has no `echo` tool")
    session.sse = 0
    session.json = 0
    const call = await session.request("tools/call", { name: "echo", arguments: { text: PREFLIGHT_TEXT } })
    out.callMode = session.sse ? "sse" : "json"
    if (call.error) throw new Error(`tools/call echo failed: ${JSON.stringify(call.error)}`)
    if (call.result?.content?.[0]?.text !== PREFLIGHT_TEXT) throw new Error(`echo returned ${JSON.stringify(call.result).slice(0, 200)}`)
    out.structuredContent = call.result?.structuredContent?.text === PREFLIGHT_TEXT
    out.deleteStatus = await session.terminate()
    out.ok = true
  } catch (e) {
    out.error = `${e?.message ?? e}${server?.stderrTail ? `; server output: ${server.stderrTail.trim().split("\n").slice(-2).join(" | ")}` : ""}`
  } finally {
    session?.conn.close()
    await server?.stop()
  }
  return out
}

// ------------------------------------------------------------------------------------------------
// load: tools/call echo at 1, 16, 64 concurrent keep-alive connections (one session each)
// ------------------------------------------------------------------------------------------------
const newPairs = () => ({ rps: {}, p50_ms: {}, p99_ms: {} })
export const newLoadAcc = (levels) => ({ levels, perImpl: {}, pairs: Object.fromEntries(levels.map((c) => [`c${c}`, newPairs()])) })

export const loadRound = async (acc, impls, { levels, perLevel, bursts, warmup, round, cwd, client }) => {
  const names = Object.keys(impls)
  const servers = await startAll(names, impls, { cwd })
  const sessions = {}
  try {
    const maxC = Math.max(16, ...levels)
    for (const name of names) {
      sessions[name] = await openSessions(servers[name].port, maxC, client)
      const a = (acc.perImpl[name] ??= { check: newCheck(), ...Object.fromEntries(levels.map((c) => [`c${c}`, { bursts: [], calls: 0, cpuMs: 0 }])) })
      await warm(sessions[name], warmup, a.check)
    }
    for (const c of levels) {
      const key = `c${c}`
      const perBurst = Math.ceil(perLevel(c) / bursts)
      for (let b = 0; b < bursts; b++) {
        const got = {}
        for (const name of rotate(names, round + b)) {
          const a = acc.perImpl[name]
          const use = sessions[name].slice(0, c)
          await Promise.all(use.map((s) => s.conn.ensure())) // reconnect what the server closed as idle, outside the timing
          const rec = new Rec(perBurst)
          const cpu0 = treeCpuMs(servers[name].pid)
          const client0 = process.cpuUsage()
          const r = await callBurst(use, perBurst, rec, a.check)
          const client = process.cpuUsage(client0)
          a[key].cpuMs += treeCpuMs(servers[name].pid) - cpu0
          a[key].clientCpuMs = (a[key].clientCpuMs ?? 0) + (client.user + client.system) / 1000
          a[key].calls += r.count
          const st = rec.stats()
          got[name] = { rps: (r.count / r.ms) * 1000, p50_ms: st.p50_ms, p99_ms: st.p99_ms }
          a[key].bursts.push({ round, count: r.count, ...got[name] })
        }
        pushPairs(acc.pairs[key], got, rpsHigher)
      }
    }
    for (const name of names) noteWire(acc.perImpl[name], sessions[name])
  } finally {
    for (const list of Object.values(sessions)) closeSessions(list)
    await stopAll(servers)
  }
}

// ------------------------------------------------------------------------------------------------
// sessions: initialize latency, and heap/RSS per idle session (N sessions opened, none closed)
// ------------------------------------------------------------------------------------------------
export const newSessionsAcc = () => ({ perImpl: {}, pairs: { init: { p50_ms: {}, p99_ms: {} } } })

/** Open `n` sessions one after the other on one keep-alive connection; initialize latencies into rec. */
const openOnConn = async (conn, port, n, rec, out) => {
  const end = performance.now() + BURST_DEADLINE_MS
  for (let i = 0; i < n && performance.now() < end; i++) {
    const s = new McpSession(conn, port)
    const r = await s.initialize()
    rec?.add(r.initMs)
    out.push(s)
  }
}

export const sessionsRound = async (acc, impls, { sessions: n, bursts, round, cwd, client, hookDir, hookUrl }) => {
  const names = Object.keys(impls)
  const servers = await startAll(names, impls, { cwd, env: hookEnv(hookDir, hookUrl) })
  const conns = {}
  try {
    const state = {}
    for (const name of names) {
      const port = servers[name].port
      conns[name] = connect(port, client)
      // warm the initialize path first (and keep those sessions: nothing is closed before "after")
      const warmSessions = []
      await openOnConn(conns[name], port, 50, null, warmSessions)
      state[name] = { check: newCheck() }
      for (let i = 0; i < 200; i++) checkEcho(await warmSessions[0].requestRaw(ECHO_TAIL), state[name].check)
    }
    await delay(300)
    for (const name of names) {
      state[name].before = await heapSnapshot(servers[name].pid, hookDir)
      state[name].opened = []
      state[name].rec = new Rec(n)
    }
    const perBurst = Math.ceil(n / bursts)
    for (let b = 0; b < bursts; b++) {
      const got = {}
      for (const name of rotate(names, round + b)) {
        const st = state[name]
        const rec = new Rec(perBurst)
        const want = Math.min(perBurst, n - st.opened.length)
        if (want <= 0) continue
        await conns[name].ensure()
        await openOnConn(conns[name], servers[name].port, want, rec, st.opened)
        st.rec.addAll(rec)
        const s = rec.stats()
        got[name] = { p50_ms: s.p50_ms, p99_ms: s.p99_ms }
        ;(st.bursts ??= []).push({ round, count: rec.n, ...got[name] })
      }
      pushPairs(acc.pairs.init, got, () => false)
    }
    await delay(300)
    for (const name of names) {
      const st = state[name]
      st.after = await heapSnapshot(servers[name].pid, hookDir)
      // the newest and the oldest of them still answer
      for (const s of [st.opened[0], st.opened.at(-1)]) {
        await conns[name].ensure()
        checkEcho(await s.requestRaw(ECHO_TAIL), st.check)
      }
    }
    // then DELETE them all: what is left per session once they are closed
    for (const name of names) {
      const st = state[name]
      st.deleteStatuses = {}
      const end = performance.now() + BURST_DEADLINE_MS
      for (const s of st.opened) {
        if (performance.now() > end) break
        await conns[name].ensure()
        const code = await s.terminate()
        st.deleteStatuses[code] = (st.deleteStatuses[code] ?? 0) + 1
      }
    }
    await delay(300)
    for (const name of names) {
      const st = state[name]
      st.afterDelete = await heapSnapshot(servers[name].pid, hookDir)
      const count = st.opened.length
      const per = (a, b, k, scale = 1) => (a?.[k] != null && b?.[k] != null && count > 0 ? ((b[k] - a[k]) * scale) / count : null)
      ;(acc.perImpl[name] ??= { runs: [], bursts: [] }).runs.push({
        round,
        sessions: count,
        init: st.rec.stats(),
        heapPerSessionB: per(st.before, st.after, "heapUsed"),
        rssPerSessionB: per(st.before, st.after, "rssKiB", 1024),
        heapLeftPerDeletedB: per(st.before, st.afterDelete, "heapUsed"),
        deleteStatuses: st.deleteStatuses,
        before: st.before,
        after: st.after,
        afterDelete: st.afterDelete,
        check: st.check,
        hooked: st.before !== null
      })
      acc.perImpl[name].bursts.push(...(st.bursts ?? []))
    }
  } finally {
    for (const c of Object.values(conns)) c.close()
    await stopAll(servers)
  }
}

// ------------------------------------------------------------------------------------------------
// heap growth: N calls with 16 connections (one session each), in steps; heap after GC after each
// ------------------------------------------------------------------------------------------------
export const newLeakAcc = () => ({ perImpl: {} })

export const leakRound = async (acc, impls, { leakN, leakCap, steps, warmup, round, cwd, client, hookDir, hookUrl, maxHeapMiB }) => {
  const names = Object.keys(impls)
  for (const name of rotate(names, round)) {
    const server = await startHttpServer(impls[name].cmd, { cwd, env: hookEnv(hookDir, hookUrl) })
    let sessions = []
    try {
      sessions = await openSessions(server.port, 16, client)
      const check = newCheck()
      await warm(sessions, warmup, check)
      await delay(300)
      const idle = await heapSnapshot(server.pid, hookDir)
      const n = Math.min(leakN, leakCap?.[name] ?? leakN)
      const per = Math.ceil(n / steps)
      const trace = []
      let calls = 0
      let ms = 0
      let stoppedAt = null
      for (let i = 0; i < steps; i++) {
        await Promise.all(sessions.map((s) => s.conn.ensure()))
        const r = await callBurst(sessions, per, null, check)
        calls += r.count
        ms += r.ms
        const m = await heapSnapshot(server.pid, hookDir)
        trace.push({ calls, heapUsed: m?.heapUsed ?? null, rssKiB: m?.rssKiB ?? null })
        if (m?.heapUsed != null && m.heapUsed > maxHeapMiB * 1024 * 1024) {
          stoppedAt = `heap after GC above ${maxHeapMiB} MiB`
          break
        }
      }
      const a = (acc.perImpl[name] ??= [])
      const wire = {}
      noteWire(wire, sessions)
      a.push({ round, idle, trace, calls, planned: n, capped: n < leakN, stoppedAt, rps: Math.round((calls / ms) * 1000), check, wire: wire.wire, hooked: idle !== null })
    } finally {
      closeSessions(sessions)
      await server.stop()
    }
  }
}
