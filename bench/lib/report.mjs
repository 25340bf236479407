// Turns the scenario accumulators into medians, ours/SDK ratios, a markdown table and the verdict
// on the project's performance targets.
import { fmt, fmtRatio, median, num, quantile, round3, safe, theilSen } from "./stats.mjs"

/** Heap-after-GC growth per call we treat as none: snapshots of a leak-free server wobble by a few KiB per 10k calls. */
export const HEAP_NOISE_BYTES_PER_CALL = 1

/**
 * Heap-after-GC growth per call of a leak run: the Theil–Sen slope through the snapshots of its
 * second half (the last steps/2 steps, 50k calls of 100k). The first calls still warm a server up
 * (compiled code, feedback, lazily built caches), which a leak-free server stops doing, while a
 * real leak keeps the same slope over every step.
 */
export const heapSlope = (run) => {
  const trace = (run?.trace ?? []).filter((t) => t.heapUsed != null).map((t) => [t.calls, t.heapUsed])
  const points = trace.slice(Math.floor((trace.length - 1) / 2))
  return points.length >= 2 ? theilSen(points) : null
}

const MiB = 1024 * 1024
const leakMedian = (runs, fn) => median((runs ?? []).map(fn))

// CPU time the server used during the bursts (all its threads), per call: much less moved by other
// tenants' load than the wall-clock rates
const cpuPerCall = (a) => (a?.calls ? (a.cpuMs * 1000) / a.calls : null)
const div = (a, b) => (a == null ? null : a / b)
const bursts = (a, k) => median((a?.bursts ?? []).map((b) => b[k]))

// value(agg, impl) → number | null; pairs(agg) → the per-burst (per-spawn) ratios ours/SDK, whose
// median is the ratio; without pairs the ratio is value(ours) / value(sdk).
// Burst-measured numbers: value = median over bursts, ratio = median of per-burst ratios (two
// bursts run back to back); start-up: median of spawns, ratio = median of per-spawn ratios.
export const METRICS = [
  { id: "startup_ms", label: "spawn → initialize response (ms)", value: (g, i) => median(g.startup?.perImpl[i]?.initMs ?? []), pairs: (g) => g.startup?.pairs.initMs },
  { id: "idle_rss_mib", label: "idle RSS after initialize (MiB)", value: (g, i) => div(median(g.startup?.perImpl[i]?.rssKiB ?? []), 1024) },
  { id: "idle_heap_mib", label: "idle heap after GC (MiB)", value: (g, i) => leakMedian(g.leak?.perImpl[i], (r) => r.idle?.heapUsed / MiB) },
  { id: "seq_p50_ms", label: "sequential tools/call p50 (ms)", value: (g, i) => bursts(g.calls?.perImpl[i]?.seq, "p50_ms"), pairs: (g) => g.calls?.pairs.seq.p50_ms },
  { id: "seq_p99_ms", label: "sequential tools/call p99 (ms)", value: (g, i) => bursts(g.calls?.perImpl[i]?.seq, "p99_ms"), pairs: (g) => g.calls?.pairs.seq.p99_ms },
  { id: "seq_rps", label: "sequential throughput (msg/s)", value: (g, i) => bursts(g.calls?.perImpl[i]?.seq, "rps"), pairs: (g) => g.calls?.pairs.seq.rps },
  { id: "pipe16_rps", label: "pipelined, 16 in flight (msg/s)", value: (g, i) => bursts(g.calls?.perImpl[i]?.k16, "rps"), pairs: (g) => g.calls?.pairs.k16.rps },
  { id: "pipe64_rps", label: "pipelined, 64 in flight (msg/s)", value: (g, i) => bursts(g.calls?.perImpl[i]?.k64, "rps"), pairs: (g) => g.calls?.pairs.k64.rps },
  { id: "pipe64_cpu_us", label: "server CPU per call, 64 in flight (µs)", value: (g, i) => cpuPerCall(g.calls?.perImpl[i]?.k64) },
  { id: "pipe64_p99_ms", label: "pipelined, 64 in flight, p99 (ms)", value: (g, i) => bursts(g.calls?.perImpl[i]?.k64, "p99_ms"), pairs: (g) => g.calls?.pairs.k64.p99_ms },
  { id: "list_p50_ms", label: "tools/list, 1,000 tools, p50 (ms)", value: (g, i) => bursts(g.list?.perImpl[i], "p50_ms"), pairs: (g) => g.list?.pairs.p50_ms },
  { id: "list_kib", label: "tools/list response (KiB)", value: (g, i) => div(g.list?.perImpl[i]?.responseBytes, 1024) },
  { id: "heap_per_call_b", label: "heap growth per call (B, after GC)", value: (g, i) => leakMedian(g.leak?.perImpl[i], heapSlope), noRatio: true },
  { id: "heap_after_mib", label: "heap after GC after the calls (MiB)", value: (g, i) => leakMedian(g.leak?.perImpl[i], (r) => r.trace.at(-1)?.heapUsed / MiB) }
]

export const TARGETS = [
  { id: "throughput", metric: "pipe64_rps", text: "pipelined throughput (64 in flight) ≥ 1.5× SDK", kind: "ratio", ok: (r) => r >= 1.5, cell: "≥ 1.5×" },
  { id: "seq_p50", metric: "seq_p50_ms", text: "sequential p50 ≤ SDK", kind: "ratio", ok: (r) => r <= 1, cell: "≤ 1×" },
  { id: "seq_p99", metric: "seq_p99_ms", text: "sequential p99 ≤ SDK", kind: "ratio", ok: (r) => r <= 1, cell: "≤ 1×" },
  { id: "startup", metric: "startup_ms", text: "start-up ≤ SDK", kind: "ratio", ok: (r) => r <= 1, cell: "≤ 1×" },
  {
    id: "heap",
    metric: "heap_per_call_b",
    text: `no heap growth per call (≤ ${HEAP_NOISE_BYTES_PER_CALL} B/call)`,
    kind: "absolute",
    ok: (v) => v <= HEAP_NOISE_BYTES_PER_CALL,
    cell: `≤ ${HEAP_NOISE_BYTES_PER_CALL} B`
  }
]


/**
 * @param {{ startup?, calls?, list?, leak? }} agg accumulators of the scenarios that ran
 * @param {string[]} impls column order; "ours" and "sdk" are the ratio pair
 */
export const summarize = (agg, impls) => {
  const metrics = {}
  for (const m of METRICS) {
    const values = Object.fromEntries(impls.map((i) => [i, round3(safe(() => m.value(agg, i)))]))
    if (impls.every((i) => values[i] == null)) continue
    let pairs = null
    if (m.pairs) {
      try {
        pairs = (m.pairs(agg) ?? []).filter((x) => num(x) !== null)
      } catch {
        pairs = []
      }
    }
    const ratio = m.noRatio ? null : pairs ? median(pairs) : values.ours != null && values.sdk ? values.ours / values.sdk : null
    const spread = pairs && pairs.length >= 4 ? [round3(quantile(pairs, 0.25)), round3(quantile(pairs, 0.75))] : null
    metrics[m.id] = { label: m.label, values, ours_over_sdk: round3(ratio), ...(spread ? { ratio_iqr: spread, pairs: pairs.length } : {}) }
  }
  const targets = TARGETS.map((t) => {
    const m = metrics[t.metric]
    const v = m ? (t.kind === "ratio" ? m.ours_over_sdk : m.values.ours) : null
    const met = v == null ? null : t.ok(v)
    // missed, but the other side of the threshold is inside the interquartile range of the pairs
    const withinNoise = met === false && m?.ratio_iqr != null && m.ratio_iqr.some((q) => t.ok(q))
    return { id: t.id, text: t.text, value: v, met, ...(withinNoise ? { withinNoise } : {}) }
  })
  return { metrics, targets }
}

const verdictMark = (t) => (t.met === null ? "⚪" : t.met ? "✅" : t.withinNoise ? "❌≈" : "❌")

const COLUMN = { ours: "ours", sdk: "SDK 1.32.2", raw: "bare-Node floor" }

export const renderMarkdown = (summary, impls, notes = {}) => {
  const out = []
  const targetCell = new Map(TARGETS.map((t) => [t.metric, t]))
  const verdict = new Map(summary.targets.map((t) => [t.id, t]))
  out.push(`| metric | ${impls.map((i) => COLUMN[i] ?? i).join(" | ")} | ours/SDK (IQR) | target |`)
  out.push(`|---|${impls.map(() => "---:").join("|")}|---:|---|`)
  for (const [id, m] of Object.entries(summary.metrics)) {
    const t = targetCell.get(id)
    const v = t ? verdict.get(t.id) : null
    const mark = v ? ` ${verdictMark(v)}` : ""
    const cells = impls.map((i) => (m.values[i] == null && notes[i]?.[id] ? notes[i][id] : fmt(m.values[i])))
    const iqr = m.ratio_iqr ? ` (${fmtRatio(m.ratio_iqr[0]).slice(0, -1)}–${fmtRatio(m.ratio_iqr[1])})` : ""
    out.push(`| ${m.label} | ${cells.join(" | ")} | ${fmtRatio(m.ours_over_sdk)}${iqr} | ${t ? t.cell + mark : ""} |`)
  }
  const met = summary.targets.filter((t) => t.met === true).length
  const known = summary.targets.filter((t) => t.met !== null).length
  const line = summary.targets
    .map((t) => {
      const val = t.value == null ? "no data" : TARGETS.find((x) => x.id === t.id).kind === "ratio" ? fmtRatio(t.value) : `${fmt(t.value)} B/call`
      return `${verdictMark(t)} ${t.text} (${val}${t.withinNoise ? ", within the noise" : ""})`
    })
    .join(" · ")
  out.push("")
  out.push(`**Targets: ${met}/${summary.targets.length} met${known < summary.targets.length ? ` (${summary.targets.length - known} without data)` : ""}** — ${line}`)
  return out.join("\n")
}
