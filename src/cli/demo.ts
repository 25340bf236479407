/**
 * Demonstration tools, resources and prompts of `mcx serve --demo`, used by the examples and
 * the benchmarks.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { RequestContext } from "../protocol/RequestContext.js"
import * as Completion from "../server/Completion.js"
import * as Prompt from "../server/Prompt.js"
import * as Resource from "../server/Resource.js"
import * as ResourceTemplate from "../server/ResourceTemplate.js"
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

/** `demo://about`: a text resource that says what this server is. */
export const About = Resource.make({
  uri: "demo://about",
  name: "about",
  title: "About this server",
  description: "What the demonstration server offers",
  mimeType: "text/plain"
}, Effect.succeed("mcx demo server: tools echo, add, sleep, fail; resource demo://about; template demo://echo/{text}; prompt greet."))

/** `demo://echo/{text}`: a template whose contents are its own parameter. */
export const EchoResource = ResourceTemplate.make({
  uriTemplate: "demo://echo/{text}",
  name: "echo",
  description: "A resource whose content is the text in its URI",
  mimeType: "text/plain",
  params: Schema.Struct({ text: Schema.String }),
  complete: { text: Completion.fromValues(["hello", "hola", "bonjour"]) }
}, ({ text }) => Effect.succeed(text))

/** `greet`: a prompt asking to greet someone, in an optional style. */
export const Greet = Prompt.make({
  name: "greet",
  title: "Greet someone",
  description: "Ask the model to greet someone",
  args: Schema.Struct({
    name: Schema.String.annotations({ description: "Who to greet" }),
    style: Schema.optional(Schema.Literal("formal", "casual").annotations({ description: "formal or casual" }))
  }),
  complete: { style: Completion.fromValues(["formal", "casual"]) }
}, ({ name, style }) => Effect.succeed(`Greet ${name} in a ${style ?? "casual"} way.`))

/** The demonstration resources, templates and prompts, as server options. */
export const features = {
  resources: [About],
  resourceTemplates: [EchoResource],
  prompts: [Greet]
} as const
