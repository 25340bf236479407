// The Streamable HTTP results: medians per implementation, ratios of ours to each SDK mode (JSON
// responses, SSE responses) with their interquartile range, the markdown table and the verdict on
// the HTTP targets.
import { HEAP_NOISE_BYTES_PER_CALL, heapSlope } from "./report.mjs"
import { SDK_IMPLS } from "./http-scenarios.mjs"
import { fmt, fmtRatio, median, num, quantile, round3, safe } from "./stats.mjs"

const MiB = 1024 * 1024

/** Fewer calls than this in ours' heap run: its slope is shown but gets no verdict. */
export const HEAP_VERDICT_MIN_CALLS = 50_000
const bursts = (list, k) => median((list ?? []).map((b) => b[k]))
const runsMedian = (runs, fn) => median((runs ?? []).map(fn))
const div = (a, b) => (a == null ? null : a / b)

const levelMetrics = (levels) =>
  levels.flatMap((c) => {
    const key = `c${c}`
    const what = c === 1 ? "1 connection" : `${c} connections`
    return [
      { id: `${key}_rps`, label: `tools/call, ${what} (req/s)`, value: (g, i) => bursts(g.load?.perImpl[i]?.[key]?.bursts, "rps"), pairs: (g, x) => g.load?.pairs[key]?.rps[x] },
      { id: `${key}_p50_ms`, label: `tools/call, ${what}, p50 (ms)`, value: (g, i) => bursts(g.load?.perImpl[i]?.[key]?.bursts, "p50_ms"), pairs: (g, x) => g.load?.pairs[key]?.p50_ms[x] },
      { id: `${key}_p99_ms`, label: `tools/call, ${what}, p99 (ms)`, value: (g, i) => bursts(g.load?.perImpl[i]?.[key]?.bursts, "p99_ms"), pairs: (g, x) => g.load?.pairs[key]?.p99_ms[x] }
    ]
  })

// value(agg, impl) → number | null; pairs(agg, partner) → per-burst ratios ours/partner (partner:
// "sdk-json", "sdk-sse" or "best", the better SDK mode of that burst)
export const httpMetrics = (levels) => {
  const top = Math.max(...levels)
  return [
    { id: "init_p50_ms", label: "initialize → response with session id, p50 (ms)", value: (g, i) => bursts(g.sessions?.perImpl[i]?.bursts, "p50_ms"), pairs: (g, x) => g.sessions?.pairs.init.p50_ms[x] },
    { id: "init_p99_ms", label: "initialize → response with session id, p99 (ms)", value: (g, i) => bursts(g.sessions?.perImpl[i]?.bursts, "p99_ms"), pairs: (g, x) => g.sessions?.pairs.init.p99_ms[x] },
    { id: "idle_heap_mib", label: "idle heap after GC, 16 sessions (MiB)", value: (g, i) => runsMedian(g.leak?.perImpl[i], (r) => r.idle?.heapUsed / MiB) },
    ...levelMetrics(levels),
    {
      id: `c${top}_cpu_us`,
      label: `server CPU per call, ${top} connections (µs)`,
      value: (g, i) => {
        const a = g.load?.perImpl[i]?.[`c${top}`]
        return a?.calls ? (a.cpuMs * 1000) / a.calls : null
      }
    },
    { id: "session_heap_kib", label: "heap after GC per idle session (KiB)", value: (g, i) => runsMedian(g.sessions?.perImpl[i]?.runs, (r) => div(r.heapPerSessionB, 1024)) },
    { id: "session_rss_kib", label: "RSS per idle session (KiB)", value: (g, i) => runsMedian(g.sessions?.perImpl[i]?.runs, (r) => div(r.rssPerSessionB, 1024)) },
    { id: "session_left_kib", label: "heap left per session after DELETE (KiB)", value: (g, i) => runsMedian(g.sessions?.perImpl[i]?.runs, (r) => div(r.heapLeftPerDeletedB, 1024)), noRatio: true },
    { id: "heap_per_call_b", label: "heap growth per call (B, after GC)", value: (g, i) => runsMedian(g.leak?.perImpl[i], heapSlope), noRatio: true },
    {
      id: "heap_after_mib",
      label: "heap after GC after the calls (MiB)",
      value: (g, i) => runsMedian(g.leak?.perImpl[i], (r) => r.trace.at(-1)?.heapUsed / MiB),
      // a capped run (the SDK's JSON mode) stopped earlier: its number is not comparable
      comparable: (g, i) => !(g.leak?.perImpl[i] ?? []).some((r) => r.capped || r.stoppedAt),
      note: (g, i) => {
        const runs = g.leak?.perImpl[i] ?? []
        const short = runs.filter((r) => r.capped || r.stoppedAt)
        return short.length ? ` (${Math.round(median(short.map((r) => r.calls)) / 1000)}k calls)` : ""
      }
    }
  ]
}

export const httpTargets = (levels) => {
  const mid = levels.includes(16) ? 16 : null
  const top = levels.includes(64) ? 64 : null
  return [
    {
      id: "rps16",
      metric: mid ? "c16_rps" : null,
      text: "requests/s, 16 connections ≥ 2× the better SDK mode",
      kind: "ratio",
      ok: (r) => r >= 2,
      cell: "≥ 2× better SDK"
    },
    {
      id: "p99_64",
      metric: top ? "c64_p99_ms" : null,
      text: "p99, 64 connections ≤ ½ the better SDK mode's",
      kind: "ratio",
      ok: (r) => r <= 0.5,
      cell: "≤ 0.5× better SDK"
    },
    {
      id: "heap",
      metric: "heap_per_call_b",
      // over fewer calls the warm-up still shows (the floor itself measures a few B/call over 20k)
      minCalls: HEAP_VERDICT_MIN_CALLS,
      text: `no heap growth per call (≤ ${HEAP_NOISE_BYTES_PER_CALL} B/call)`,
      kind: "absolute",
      unit: "B/call",
      ok: (v) => v <= HEAP_NOISE_BYTES_PER_CALL,
      cell: `≤ ${HEAP_NOISE_BYTES_PER_CALL} B`
    },
    { id: "session", metric: "session_heap_kib", text: "heap per idle session ≤ 20 KiB", kind: "absolute", unit: "KiB", ok: (v) => v <= 20, cell: "≤ 20 KiB" }
  ]
}


/** Ratio ours/partner: the median of per-burst pairs (with IQR) where there are pairs, else of the values. */
const ratioOf = (m, agg, values, partner) => {
  if (m.noRatio) return null
  if (m.pairs) {
    let pairs = []
    try {
      pairs = (m.pairs(agg, partner) ?? []).filter((x) => num(x) !== null)
    } catch {
      pairs = []
    }
    if (pairs.length === 0) return null
    const spread = pairs.length >= 4 ? [round3(quantile(pairs, 0.25)), round3(quantile(pairs, 0.75))] : null
    return { ratio: round3(median(pairs)), ...(spread ? { iqr: spread } : {}), pairs: pairs.length }
  }
  if (partner === "best") return null
  if (m.comparable && !(m.comparable(agg, "ours") && m.comparable(agg, partner))) return null
  return values.ours != null && values[partner] ? { ratio: round3(values.ours / values[partner]) } : null
}

/**
 * @param {{ load?, sessions?, leak? }} agg accumulators of the scenarios that ran
 * @param {string[]} impls column order ("ours", "sdk-json", "sdk-sse", "raw")
 * @param {number[]} levels connection counts of the load scenario
 */
export const summarizeHttp = (agg, impls, levels) => {
  const metrics = {}
  const partners = [...SDK_IMPLS.filter((x) => impls.includes(x)), "best"]
  for (const m of httpMetrics(levels)) {
    const values = Object.fromEntries(impls.map((i) => [i, round3(safe(() => m.value(agg, i)))]))
    if (impls.every((i) => values[i] == null)) continue
    const ratios = Object.fromEntries(partners.map((p) => [p, ratioOf(m, agg, values, p)]).filter(([, r]) => r !== null))
    const notes = m.note ? Object.fromEntries(impls.map((i) => [i, m.note(agg, i)]).filter(([, n]) => n)) : {}
    metrics[m.id] = { label: m.label, values, ratios, ...(Object.keys(notes).length ? { notes } : {}) }
  }
  const targets = httpTargets(levels).map((t) => {
    const m = t.metric ? metrics[t.metric] : null
    const r = m?.ratios.best
    const v = m ? (t.kind === "ratio" ? r?.ratio ?? null : m.values.ours) : null
    const calls = t.minCalls ? median((agg.leak?.perImpl.ours ?? []).map((x) => x.calls)) : null
    const tooFew = t.minCalls != null && v != null && (calls ?? 0) < t.minCalls
    const met = v == null || tooFew ? null : t.ok(v)
    const withinNoise = met === false && r?.iqr != null && t.kind === "ratio" && r.iqr.some((q) => t.ok(q))
    return {
      id: t.id,
      metric: t.metric,
      text: t.text,
      value: v,
      ...(t.kind === "ratio" && r?.iqr ? { iqr: r.iqr } : {}),
      met,
      ...(withinNoise ? { withinNoise } : {}),
      ...(tooFew ? { note: `${Math.round(calls / 1000)}k calls: too few for a verdict` } : {})
    }
  })
  return { metrics, targets }
}

const verdictMark = (t) => (t.met === null ? "⚪" : t.met ? "✅" : t.withinNoise ? "❌≈" : "❌")

export const HTTP_COLUMN = { ours: "ours", "sdk-json": "SDK (JSON)", "sdk-sse": "SDK (SSE)", raw: "floor" }
const RATIO_COLUMN = { "sdk-sse": "ours/SDK-SSE (IQR)", "sdk-json": "ours/SDK-JSON (IQR)" }

const ratioCell = (r) => {
  if (!r) return "–"
  const iqr = r.iqr ? ` (${fmtRatio(r.iqr[0]).slice(0, -1)}–${fmtRatio(r.iqr[1])})` : ""
  return `${fmtRatio(r.ratio)}${iqr}`
}

export const renderHttpMarkdown = (summary, impls, levels) => {
  const out = []
  const ratioCols = ["sdk-sse", "sdk-json"].filter((x) => impls.includes(x))
  const targets = httpTargets(levels)
  const verdict = new Map(summary.targets.map((t) => [t.id, t]))
  out.push(`| metric | ${impls.map((i) => HTTP_COLUMN[i] ?? i).join(" | ")} | ${ratioCols.map((x) => RATIO_COLUMN[x]).join(" | ")} | target |`)
  out.push(`|---|${impls.map(() => "---:").join("|")}|${ratioCols.map(() => "---:").join("|")}|---|`)
  for (const [id, m] of Object.entries(summary.metrics)) {
    const t = targets.find((x) => x.metric === id)
    const v = t ? verdict.get(t.id) : null
    let target = ""
    if (t) {
      target = `${t.cell} ${verdictMark(v)}`
      if (t.kind === "ratio" && v?.value != null) target += ` ${ratioCell({ ratio: v.value, iqr: v.iqr })}`
    }
    const cells = impls.map((i) => `${fmt(m.values[i])}${m.values[i] != null ? m.notes?.[i] ?? "" : ""}`)
    out.push(`| ${m.label} | ${cells.join(" | ")} | ${ratioCols.map((x) => ratioCell(m.ratios[x])).join(" | ")} | ${target} |`)
  }
  const met = summary.targets.filter((t) => t.met === true).length
  const known = summary.targets.filter((t) => t.met !== null).length
  const line = summary.targets
    .map((t) => {
      const def = targets.find((x) => x.id === t.id)
      const val = t.value == null ? "no data" : def.kind === "ratio" ? fmtRatio(t.value) : `${fmt(t.value)} ${def.unit}`
      return `${verdictMark(t)} ${t.text} (${val}${t.withinNoise ? ", within the noise" : ""}${t.note ? `, ${t.note}` : ""})`
    })
    .join(" · ")
  out.push("")
  out.push(`**Targets: ${met}/${summary.targets.length} met${known < summary.targets.length ? ` (${summary.targets.length - known} without data)` : ""}** — ${line}`)
  return out.join("\n")
}
