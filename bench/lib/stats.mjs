// Small statistics helpers for the benchmark summary.

const finite = (x) => typeof x === "number" && Number.isFinite(x)

/** Median of the finite numbers in `xs`, or null when there are none. */
export const median = (xs) => {
  const s = xs.filter(finite).sort((a, b) => a - b)
  if (s.length === 0) return null
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Quantile (0…1) of the finite numbers in `xs` by linear interpolation, or null. */
export const quantile = (xs, q) => {
  const s = xs.filter(finite).sort((a, b) => a - b)
  if (s.length === 0) return null
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo] + (s[hi] - s[lo]) * (pos - lo)
}

/**
 * Theil–Sen slope: the median of the slopes between every pair of points. Robust to one noisy
 * sample, which matters for "heap after GC" (single snapshots wobble by a few hundred KiB).
 * points: [x, y][]; returns null with fewer than two distinct x.
 */
export const theilSen = (points) => {
  const p = points.filter(([x, y]) => finite(x) && finite(y))
  const slopes = []
  for (let i = 0; i < p.length; i++) {
    for (let j = i + 1; j < p.length; j++) {
      const dx = p[j][0] - p[i][0]
      if (dx !== 0) slopes.push((p[j][1] - p[i][1]) / dx)
    }
  }
  return median(slopes)
}

/** Number for a table cell: 3 significant-ish digits, thousands separators above 1,000. */
export const fmt = (x) => {
  if (!finite(x)) return "–"
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString("en-US")
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  if (a >= 1) return x.toFixed(2)
  return x.toFixed(3)
}

/** Ratio for a table cell. */
export const fmtRatio = (x) => (finite(x) ? `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×` : "–")

export const round3 = (x) => (finite(x) ? Math.round(x * 1000) / 1000 : null)

/** Latency recorder (ms): a growable Float64Array, percentiles by sorting once. */
export class Rec {
  constructor(capacity = 1024) {
    this.a = new Float64Array(Math.max(16, capacity))
    this.n = 0
  }
  add(ms) {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2)
      b.set(this.a)
      this.a = b
    }
    this.a[this.n++] = ms
  }
  addAll(other) {
    for (let i = 0; i < other.n; i++) this.add(other.a[i])
  }
  stats() {
    if (this.n === 0) return { count: 0 }
    const s = this.a.slice(0, this.n).sort()
    const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]
    let sum = 0
    for (const x of s) sum += x
    return {
      count: this.n,
      mean_ms: round3(sum / this.n),
      p50_ms: round3(q(0.5)),
      p90_ms: round3(q(0.9)),
      p99_ms: round3(q(0.99)),
      p999_ms: round3(q(0.999)),
      max_ms: round3(s[s.length - 1])
    }
  }
}

/** `xs` rotated left by `by` (the running order of a round or burst). */
export const rotate = (xs, by) => {
  const r = ((by % xs.length) + xs.length) % xs.length
  return [...xs.slice(r), ...xs.slice(0, r)]
}

/** A finite number, or null. */
export const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null)

/** The finite number `fn` computes, or null when it throws or gives anything else. */
export const safe = (fn) => {
  try {
    return num(fn())
  } catch {
    return null
  }
}
