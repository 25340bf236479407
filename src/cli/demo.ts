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
import { ToolContext } from "../server/ToolContext.js"

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

/**
 * `sleep`: waits `ms` milliseconds, reporting progress ten times; cancellable. With `poll`
 * (Streamable HTTP), it first closes its response stream: the client resumes it with
 * `Last-Event-ID` (SEP-1699 polling).
 */
export const Sleep = Tool.make("sleep", {
  description: "Sleep for ms milliseconds, reporting progress; cancel it with notifications/cancelled. poll: close the HTTP stream first (the client resumes it)",
  input: Schema.Struct({ ms: Schema.Int.pipe(Schema.between(0, 600_000)), poll: Schema.optional(Schema.Boolean) }),
  output: Schema.Struct({ slept: Schema.Int }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  render: ({ slept }) => `slept ${slept} ms`
}, ({ ms, poll }) =>
  Effect.gen(function*() {
    const request = yield* RequestContext
    if (poll === true) yield* request.closeStream
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

/** `ask`: asks the user for their name (elicitation) and greets them. */
export const Ask = Tool.make("ask", {
  description: "Ask the user for their name (elicitation) and greet them",
  input: Schema.Struct({})
}, () =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    const answer = yield* context.elicit("What is your name?", Schema.Struct({ name: Schema.String.annotations({ description: "Your name" }) }))
    return answer.action === "accept" ? `Hello, ${answer.content.name}!` : `No name given (${answer.action}).`
  }))

/** `summarize`: asks the client's model (sampling) to summarize a text. */
export const Summarize = Tool.make("summarize", {
  description: "Summarize a text with the client's model (sampling)",
  input: Schema.Struct({ text: Schema.String })
}, ({ text }) =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    const result = yield* context.sample({
      messages: [{ role: "user", content: { type: "text", text: `Summarize in one sentence:\n\n${text}` } }],
      maxTokens: 200
    })
    const blocks: ReadonlyArray<{ readonly type: string; readonly text?: string }> = Array.isArray(result.content) ? result.content : [result.content]
    return blocks.map((block) => block.type === "text" && block.text !== undefined ? block.text : `[${block.type}]`).join("\n")
  }))

/**
 * `report`: prepares a report for `ms` milliseconds. It may run as a task: when the client asks
 * for one (2025-11-25) or declares the tasks extension (2026-07-28).
 */
export const Report = Tool.make("report", {
  description: "Prepare a report in ms milliseconds; runs as a task where the client supports tasks",
  input: Schema.Struct({ ms: Schema.Int.pipe(Schema.between(0, 600_000)) }),
  execution: { taskSupport: "optional" }
}, ({ ms }) => Effect.as(Effect.sleep(ms), `report ready after ${ms} ms`))

/** Every demonstration tool. */
export const tools = [Echo, Add, Sleep, Fail, Ask, Summarize, Report] as const

/**
 * `demo://counter` and `increment`: a resource whose value the tool raises, notifying the
 * resource's subscribers. Each call makes a counter of its own (one per server).
 */
export const counter = () => {
  let value = 0
  const resource = Resource.make({
    uri: "demo://counter",
    name: "counter",
    description: "A number that the increment tool raises; subscribe to hear of changes",
    mimeType: "text/plain"
  }, Effect.sync(() => String(value)))
  const increment = Tool.make("increment", {
    description: "Raise demo://counter by one (its subscribers get notifications/resources/updated)",
    input: Schema.Struct({}),
    output: Schema.Struct({ value: Schema.Int }),
    render: ({ value }) => String(value)
  }, () =>
    Effect.gen(function*() {
      value++
      const context = yield* ToolContext
      yield* context.notifyResourceUpdated("demo://counter")
      return { value }
    }))
  return { resource, tool: increment } as const
}

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
}, Effect.succeed("mcx demo server: tools echo, add, sleep, fail, ask, summarize, report, increment; resources demo://about, demo://counter; template demo://echo/{text}; prompt greet."))

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

/** The demonstration server's options: every tool, resource, template and prompt (a counter of its own). */
export const options = () => {
  const { resource, tool } = counter()
  return {
    tools: [...tools, tool],
    resources: [About, resource],
    resourceTemplates: [EchoResource],
    prompts: [Greet]
  } as const
}
