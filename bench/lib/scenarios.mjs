// The measured scenarios. Each takes the implementations of the run ({ name: { cmd, listCmd } })
// and adds one round to an accumulator. Wherever the number is a rate or a latency, the
// implementations are measured in short alternating bursts (ours, SDK, floor, ours, …, the order
// rotating each burst) against servers that are all up at once, so that the noise of a shared
// machine falls on every implementation alike; a ratio is the median of per-burst ratios.
// Every loop is bounded by a count and by a deadline.
//
// Per burst: a rate and its own percentiles. A metric's value is the median over all bursts of all
// rounds (so a p99 is "the p99 of a typical burst": a stall of the shared machine that hits one
// burst does not decide it), and ours/SDK is the median of the ratios of bursts run back to back.
import process from "node:process"
import { setTimeout as delay } from "node:timers/promises"
import { listAll } from "./preflight.mjs"
import { Rec, rotate } from "./stats.mjs"
import { heapSnapshot, Server, treeCpuMs, treeRssKiB } from "./server.mjs"

export const ECHO_TEXT = "hello world"
const ECHO_TAIL = `,"method":"tools/call","params":{"name":"echo","arguments":{"text":${JSON.stringify(ECHO_TEXT)}}}}`
const BURST_DEADLINE_MS = 60_000

const newCheck = () => ({ exact: 0, mismatch: 0, errors: 0 })
const checkEcho = (msg, check) => {
  if (msg.error) check.errors++
  else if (msg.result?.content?.[0]?.text === ECHO_TEXT) check.exact++
  else check.mismatch++
}

/** n sequential echo calls; latencies into rec. */
const seqBurst = async (server, n, rec, check) => {
  const t0 = performance.now()
  const end = t0 + BURST_DEADLINE_MS
  let i = 0
  for (; i < n && performance.now() < end; i++) {
    const s = performance.now()
    const m = await server.requestRaw("tools/call", ECHO_TAIL)
    rec?.add(performance.now() - s)
    checkEcho(m, check)
  }
  return { count: i, ms: performance.now() - t0 }
}

/** n echo calls with k in flight (a new one leaves as soon as one comes back). */
const pipeBurst = (server, n, k, rec, check) =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const end = t0 + BURST_DEADLINE_MS
    let sent = 0
    let done = 0
    let failed = null
    const finish = () => (failed ? reject(failed) : resolve({ count: done, ms: performance.now() - t0 }))
    const launch = () => {
      if (failed || sent >= n || performance.now() > end) {
        if (done === sent) finish()
        return
      }
      sent++
      const s = performance.now()
      server.requestRaw("tools/call", ECHO_TAIL).then(
        (m) => {
          rec?.add(performance.now() - s)
          checkEcho(m, check)
          done++
          launch()
        },
        (e) => {
          failed ??= e
          done++
          if (done === sent) finish()
        }
      )
    }
    for (let j = 0; j < k; j++) launch()
  })

const startAll = async (names, cmdOf, opts) => {
  const servers = {}
  try {
    for (const name of names) {
      servers[name] = new Server(cmdOf(name), opts)
      await servers[name].initialize()
    }
  } catch (e) {
    await stopAll(servers)
    throw e
  }
  return servers
}
const stopAll = async (servers) => {
  await Promise.all(Object.values(servers).map((s) => s.stop()))
}

/** Lines the client could not use: unparsable, or answering no request of ours. */
const noteWire = (a, s) => {
  a.wire ??= { unparsable: 0, unmatched: 0 }
  a.wire.unparsable += s.unparsable
  a.wire.unmatched += s.unmatched
}

const warm = async (server, calls, check) => {
  await pipeBurst(server, calls, 8, null, check)
  await seqBurst(server, Math.min(500, calls), null, check)
}

const pairRatio = (a, b) => (a != null && b ? a / b : null)

// ------------------------------------------------------------------------------------------------
// start-up: spawn → initialize response, then idle RSS 200 ms later; one server at a time
// ------------------------------------------------------------------------------------------------
export const startupRound = async (acc, impls, { runs, round, cwd }) => {
  const names = Object.keys(impls)
  for (let i = 0; i < runs; i++) {
    const sample = {}
    for (const name of rotate(names, round + i)) {
      const s = new Server(impls[name].cmd, { cwd })
      try {
        const { initMs } = await s.initialize()
        await delay(200)
        sample[name] = { initMs, rssKiB: treeRssKiB(s.pid) }
      } finally {
        await s.stop()
      }
    }
    for (const name of names) {
      const a = (acc.perImpl[name] ??= { initMs: [], rssKiB: [] })
      a.initMs.push(sample[name].initMs)
      a.rssKiB.push(sample[name].rssKiB)
    }
    acc.pairs.initMs.push(pairRatio(sample.ours?.initMs, sample.sdk?.initMs))
  }
}
export const newStartupAcc = () => ({ perImpl: {}, pairs: { initMs: [] } })

// ------------------------------------------------------------------------------------------------
// calls: sequential, then pipelined with 16 and 64 in flight; servers up side by side
// ------------------------------------------------------------------------------------------------
export const LEVELS = [16, 64]
const CALL_KEYS = ["seq", ...LEVELS.map((k) => `k${k}`)]
const newPairs = () => ({ rps: [], p50_ms: [], p99_ms: [] })
export const newCallsAcc = () => ({ perImpl: {}, pairs: Object.fromEntries(CALL_KEYS.map((k) => [k, newPairs()])) })

/** Per-burst numbers: each burst has its own rate and percentiles, each pair of bursts its ratios. */
const burstStats = (rec, count, ms) => {
  const st = rec.stats()
  return { count, rps: (count / ms) * 1000, p50_ms: st.p50_ms, p99_ms: st.p99_ms }
}
const pushPairs = (pairs, got) => {
  for (const k of Object.keys(pairs)) pairs[k].push(pairRatio(got.ours?.[k], got.sdk?.[k]))
}

export const callsRound = async (acc, impls, { n, pipeN, bursts, warmup, round, cwd, doSeq = true, doPipe = true }) => {
  const names = Object.keys(impls)
  const servers = await startAll(names, (x) => impls[x].cmd, { cwd })
  try {
    for (const name of names) {
      const a = (acc.perImpl[name] ??= { check: newCheck(), ...Object.fromEntries(CALL_KEYS.map((k) => [k, { pooled: new Rec(), bursts: [], calls: 0, cpuMs: 0 }])) })
      await warm(servers[name], warmup, a.check)
    }
    const runBursts = async (key, perBurst, burst) => {
      for (let b = 0; b < bursts; b++) {
        const got = {}
        for (const name of rotate(names, round + b)) {
          const a = acc.perImpl[name]
          const rec = new Rec(perBurst)
          const cpu0 = treeCpuMs(servers[name].pid)
          const r = await burst(servers[name], perBurst, rec, a.check)
          a[key].cpuMs += treeCpuMs(servers[name].pid) - cpu0
          a[key].calls += r.count
          got[name] = burstStats(rec, r.count, r.ms)
          a[key].bursts.push({ round, ...got[name] })
          a[key].pooled.addAll(rec)
        }
        pushPairs(acc.pairs[key], got)
      }
    }
    if (doSeq) await runBursts("seq", Math.ceil(n / bursts), seqBurst)
    if (doPipe) for (const k of LEVELS) await runBursts(`k${k}`, Math.ceil(pipeN / bursts), (s, m, rec, c) => pipeBurst(s, m, k, rec, c))
    for (const name of names) noteWire(acc.perImpl[name], servers[name])
  } finally {
    await stopAll(servers)
  }
}

// ------------------------------------------------------------------------------------------------
// tools/list with the dummy tools: every page, sequentially, alternating in bursts
// ------------------------------------------------------------------------------------------------
export const newListAcc = () => ({ perImpl: {}, pairs: { p50_ms: [] } })

export const listRound = async (acc, impls, { listN, bursts, round, cwd }) => {
  const names = Object.keys(impls)
  const servers = await startAll(names, (x) => impls[x].listCmd, { cwd })
  try {
    for (const name of names) {
      const s = servers[name]
      const before = s.bytesIn
      const first = await listAll(s)
      const a = (acc.perImpl[name] ??= { pooled: new Rec(listN), bursts: [], tools: first.tools.length, pages: first.pages, responseBytes: 0 })
      a.responseBytes = s.bytesIn - before
      for (let i = 0; i < 20; i++) await listAll(s) // warm-up
    }
    const perBurst = Math.ceil(listN / bursts)
    for (let b = 0; b < bursts; b++) {
      const got = {}
      for (const name of rotate(names, round + b)) {
        const a = acc.perImpl[name]
        const rec = new Rec(perBurst)
        const end = performance.now() + BURST_DEADLINE_MS
        for (let i = 0; i < perBurst && performance.now() < end; i++) {
          const t0 = performance.now()
          const r = await listAll(servers[name])
          rec.add(performance.now() - t0)
          if (r.tools.length !== a.tools) throw new Error(`${name}: tools/list length changed (${a.tools} → ${r.tools.length})`)
        }
        got[name] = { p50_ms: rec.stats().p50_ms }
        a.bursts.push({ round, ...got[name] })
        a.pooled.addAll(rec)
      }
      pushPairs(acc.pairs, got)
    }
    for (const name of names) noteWire(acc.perImpl[name], servers[name])
  } finally {
    await stopAll(servers)
  }
}

// ------------------------------------------------------------------------------------------------
// heap growth: N calls, 16 in flight, in steps; heap after GC (preloaded hook) after each step
// ------------------------------------------------------------------------------------------------
export const newLeakAcc = () => ({ perImpl: {} })

export const leakRound = async (acc, impls, { leakN, steps, warmup, round, cwd, hookDir, hookUrl }) => {
  const names = Object.keys(impls)
  const env = {
    ...process.env,
    MCX_BENCH_HOOK_DIR: hookDir,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc --import ${hookUrl}`.trim()
  }
  for (const name of rotate(names, round)) {
    const s = new Server(impls[name].cmd, { cwd, env })
    try {
      await s.initialize()
      const check = newCheck()
      await warm(s, warmup, check)
      await delay(300)
      const idle = await heapSnapshot(s.pid, hookDir)
      const trace = []
      let calls = 0
      let ms = 0
      const per = Math.ceil(leakN / steps)
      for (let i = 0; i < steps; i++) {
        const r = await pipeBurst(s, per, 16, null, check)
        calls += r.count
        ms += r.ms
        const m = await heapSnapshot(s.pid, hookDir)
        trace.push({ calls, heapUsed: m?.heapUsed ?? null, rssKiB: m?.rssKiB ?? treeRssKiB(s.pid) })
      }
      const wire = { unparsable: s.unparsable, unmatched: s.unmatched }
      ;(acc.perImpl[name] ??= []).push({ round, idle, trace, calls, rps: Math.round((calls / ms) * 1000), check, wire, hooked: idle !== null })
    } finally {
      await s.stop()
    }
  }
}
