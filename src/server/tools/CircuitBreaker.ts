/**
 * A circuit breaker per tool: `closed` lets calls through and counts consecutive failures;
 * after `failures` of them it is `open` and refuses calls for `cooldownMs`; then it is
 * `half-open` and lets one probe through: success closes it, failure opens it again.
 * Time comes from the caller (Effect's `Clock`), so `TestClock` drives it.
 *
 * @since 0.1.0
 */

/** The breaker's states, as shown in discovery. */
export type BreakerState = "closed" | "open" | "half-open"

/** What the breaker says about a call. */
export type Admission =
  | { readonly _tag: "Admitted"; readonly probe: boolean }
  | { readonly _tag: "Rejected"; readonly retryAfterMs: number }

/** The defaults: open after 5 consecutive failures, probe after 30 s. */
export const defaults = { failures: 5, cooldownMs: 30_000 } as const

const admitted: Admission = { _tag: "Admitted", probe: false }
const probe: Admission = { _tag: "Admitted", probe: true }

/** One tool's breaker. */
export class CircuitBreaker {
  private failures = 0
  private openedAt = 0
  private probing = false
  private current: BreakerState = "closed"

  constructor(
    private readonly threshold: number = defaults.failures,
    private readonly cooldownMs: number = defaults.cooldownMs
  ) {}

  /** The state at `now` (an open breaker past its cool-down reads as half-open). */
  state(now: number): BreakerState {
    return this.current === "open" && now - this.openedAt >= this.cooldownMs ? "half-open" : this.current
  }

  /** Whether a call may run at `now`; a half-open breaker admits one probe at a time. */
  admit(now: number): Admission {
    if (this.current === "closed") return admitted
    const state = this.state(now)
    if (state === "half-open" && !this.probing) {
      this.current = "half-open"
      this.probing = true
      return probe
    }
    return { _tag: "Rejected", retryAfterMs: state === "open" ? this.cooldownMs - (now - this.openedAt) : this.cooldownMs }
  }

  /** Records a call's outcome (`probe` as admitted); returns whether the state changed. */
  record(success: boolean, isProbe: boolean, now: number): boolean {
    const before = this.current
    if (isProbe) this.probing = false
    if (success) {
      this.failures = 0
      if (isProbe) this.current = "closed"
    } else if (isProbe || ++this.failures >= this.threshold) {
      this.current = "open"
      this.openedAt = now
      this.failures = 0
    }
    return before !== this.current
  }

  /** A probe that ended without an outcome (interrupted): the next call may probe. */
  release(isProbe: boolean): void {
    if (isProbe) this.probing = false
  }
}
