/**
 * Call timeouts on one timer: calls register their deadline, and one sleeping fiber per `Clock`
 * wakes at the earliest one, fires what is due and sleeps until the next. A call that ends in
 * time only drops its entry, so a call costs no timer, no fiber and no `setTimeout`. The sleep
 * is the `Clock`'s, so `TestClock` drives it.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"

/** A registered deadline. */
export interface Deadline {
  readonly at: number
  readonly fire: () => void
}

class Timer {
  private readonly deadlines = new Set<Deadline>()
  private sleeper: Fiber.RuntimeFiber<void> | undefined
  private wakeAt = Number.POSITIVE_INFINITY

  constructor(private readonly clock: Clock.Clock) {}

  add(deadline: Deadline): void {
    this.deadlines.add(deadline)
    if (deadline.at < this.wakeAt) this.sleepUntil(deadline.at)
  }

  remove(deadline: Deadline): void {
    this.deadlines.delete(deadline)
  }

  private sleepUntil(at: number): void {
    this.sleeper?.unsafeInterruptAsFork(FiberId.none)
    this.wakeAt = at
    const wait = Math.max(0, at - this.clock.unsafeCurrentTimeMillis())
    this.sleeper = Runtime.runFork(Runtime.defaultRuntime, Effect.map(this.clock.sleep(Duration.millis(wait)), () => this.wake()))
  }

  private wake(): void {
    const now = this.clock.unsafeCurrentTimeMillis()
    this.sleeper = undefined
    this.wakeAt = Number.POSITIVE_INFINITY
    let next = Number.POSITIVE_INFINITY
    for (const deadline of this.deadlines) {
      if (deadline.at <= now) {
        this.deadlines.delete(deadline)
        deadline.fire()
      } else if (deadline.at < next) {
        next = deadline.at
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.sleepUntil(next)
  }
}

const timers = new WeakMap<Clock.Clock, Timer>()

/** Calls `fire` at `at` (on `clock`) unless the returned deadline is removed first; `remove` drops it. */
export const schedule = (clock: Clock.Clock, at: number, fire: () => void): { readonly remove: () => void } => {
  let timer = timers.get(clock)
  if (timer === undefined) {
    timer = new Timer(clock)
    timers.set(clock, timer)
  }
  const deadline: Deadline = { at, fire }
  timer.add(deadline)
  const owner = timer
  return { remove: () => owner.remove(deadline) }
}
