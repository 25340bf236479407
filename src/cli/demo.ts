/**
 * Demonstration tools of `mcx serve --demo`, used by the examples and the benchmarks.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { RequestContext } from "../protocol/RequestContext.js"
import * as Tool from "../server/Tool.js"

/** `echo`: answers with the same text, as text content and as `structuredContent`. */
export const Echo = Tool.make("echo", {
  description: "Echo the text argument back",
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ text: Schema.String }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  render: ({ text }) => text
}, (input) => Effect.succeed(input))

/** `add`: the sum of two numbers. */
export const Add = Tool.make("add", {
  description: "Add two numbers",
  input: Schema.Struct({ a: Schema.Finite, b: Schema.Finite }),
  output: Schema.Struct({ sum: Schema.Finite }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  render: ({ sum }) => String(sum)
}, ({ a, b }) => Effect.succeed({ sum: a + b }))

/** `sleep`: waits `ms` milliseconds, reporting progress ten times; cancellable. */
export const Sleep = Tool.make("sleep", {
  description: "Sleep for ms milliseconds, reporting progress; cancel it with notifications/cancelled",
  input: Schema.Struct({ ms: Schema.Int.pipe(Schema.between(0, 600_000)) }),
  output: Schema.Struct({ slept: Schema.Int }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  render: ({ slept }) => `slept ${slept} ms`
}, ({ ms }) =>
  Effect.gen(function*() {
    const request = yield* RequestContext
    const steps = 10
    for (let step = 1; step <= steps; step++) {
      yield* Effect.sleep(ms / steps)
      yield* request.progress(step, steps, `${Math.round((ms * step) / steps)} of ${ms} ms`)
    }
    return { slept: ms }
  }))

/** The typed failure of `fail`. */
export class DemoFailure extends Schema.TaggedError<DemoFailure>()("DemoFailure", {
  message: Schema.String
}) {}

/** `fail`: always fails with a typed `DemoFailure`, reported as an error result. */
export const Fail = Tool.make("fail", {
  description: "Always fail with a typed error (an isError result)",
  input: Schema.Struct({ message: Schema.optional(Schema.String) }),
  failure: DemoFailure
}, ({ message }) => Effect.fail(new DemoFailure({ message: message ?? "failed on purpose" })))

/** Every demonstration tool. */
export const tools = [Echo, Add, Sleep, Fail] as const

/** `count` extra tools named `dummy_0000`…, for measuring `tools/list` at scale. */
export const dummies = (count: number): ReadonlyArray<Tool.Tool<{ readonly value: string }, Tool.Content, never, never>> =>
  Array.from({ length: count }, (_, i) =>
    Tool.make(`dummy_${String(i).padStart(4, "0")}`, {
      description: `Dummy tool number ${i}; takes a string value and does nothing useful.`,
      input: Schema.Struct({ value: Schema.String })
    }, ({ value }) => Effect.succeed(value)))
