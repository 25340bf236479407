import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Completion from "../../src/server/Completion.js"
import * as Prompt from "../../src/server/Prompt.js"
import * as Resource from "../../src/server/Resource.js"
import * as ResourceTemplate from "../../src/server/ResourceTemplate.js"
import { ask, listAll, serverWith } from "./support.js"

const Simple = Prompt.make({ name: "test_simple_prompt", description: "A simple prompt" }, () =>
  Effect.succeed("This is a simple prompt for testing."))

const WithArgs = Prompt.make({
  name: "test_prompt_with_arguments",
  title: "With arguments",
  description: "A prompt with arguments",
  args: Schema.Struct({
    arg1: Schema.String.annotations({ description: "First test argument" }),
    arg2: Schema.String.annotations({ description: "Second test argument", title: "Second" }),
    count: Schema.optional(Schema.NumberFromString.annotations({ description: "How many" }))
  }),
  complete: {
    arg1: Completion.fromValues(["test", "testing", "other"]),
    arg2: (value, context) => Effect.succeed([`${context.arguments.arg1 ?? "?"}-${value}`])
  }
}, ({ arg1, arg2, count }) =>
  Effect.succeed({
    description: "with args",
    messages: [{ role: "user" as const, content: { type: "text" as const, text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}', count=${count ?? "none"}` } }]
  }))

class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { message: Schema.String }) {}

const Broken = Prompt.make({ name: "broken", description: "Always fails" }, () => Effect.fail(new Unavailable({ message: "no model today" })))

const Items = ResourceTemplate.make({
  uriTemplate: "test://items/{id}",
  name: "items",
  params: Schema.Struct({ id: Schema.String }),
  complete: { id: (value) => Effect.succeed(Array.from({ length: 150 }, (_, i) => `${value}${i}`)) }
}, ({ id }) => Effect.succeed(id))

const Plain = ResourceTemplate.make({ uriTemplate: "test://plain/{x}", name: "plain", params: Schema.Struct({ x: Schema.String }) }, ({ x }) => Effect.succeed(x))

const Static = Resource.make({ uri: "test://static", name: "static" }, Effect.succeed("s"))

const options = { prompts: [Simple, WithArgs, Broken], resourceTemplates: [Items, Plain], resources: [Static] }

describe("prompts", () => {
  it.scopedLive("lists prompts with arguments derived from the schema", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(options)
      const client = yield* peer()
      const { prompts } = (yield* ask(client, 1, "prompts/list")).result
      expect(prompts[0]).toEqual({ name: "test_simple_prompt", description: "A simple prompt" })
      expect(prompts[1]).toEqual({
        name: "test_prompt_with_arguments",
        title: "With arguments",
        description: "A prompt with arguments",
        arguments: [
          { name: "arg1", description: "First test argument", required: true },
          { name: "arg2", title: "Second", description: "Second test argument", required: true },
          { name: "count", description: "How many", required: false }
        ]
      })
    }))

  it.scopedLive("gets prompts with and without arguments, and refuses invalid ones", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(options)
      const client = yield* peer()
      // Arguments absent: treated as {}.
      expect((yield* ask(client, 1, "prompts/get", { name: "test_simple_prompt" })).result).toEqual({
        messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }]
      })
      const got = (yield* ask(client, 2, "prompts/get", { name: "test_prompt_with_arguments", arguments: { arg1: "testValue1", arg2: "testValue2", count: "3" } })).result
      expect(got.description).toBe("with args")
      expect(got.messages[0].content.text).toBe("Prompt with arguments: arg1='testValue1', arg2='testValue2', count=3")
      const missing = yield* ask(client, 3, "prompts/get", { name: "test_prompt_with_arguments", arguments: { arg1: "only" } })
      expect(missing.error.code).toBe(-32602)
      expect(missing.error.data.issues).toEqual([{ path: "arg2", message: "is missing" }])
      const badNumber = yield* ask(client, 4, "prompts/get", { name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b", count: "many" } })
      expect(badNumber.error.code).toBe(-32602)
      expect(badNumber.error.data.issues[0].path).toBe("count")
      expect((yield* ask(client, 5, "prompts/get", { name: "nope" })).error.code).toBe(-32602)
      const broken = yield* ask(client, 6, "prompts/get", { name: "broken" })
      expect(broken.error).toEqual({ code: -32603, message: "Prompt broken failed: no model today" })
    }))

  it.scopedLive("notifies prompt list changes", () =>
    Effect.gen(function*() {
      const { peer, server } = yield* serverWith(options)
      const client = yield* peer()
      yield* server.addPrompt(Prompt.make({ name: "extra", description: "Extra" }, () => Effect.succeed("extra")))
      expect((yield* client.next()).method).toBe("notifications/prompts/list_changed")
      expect((yield* ask(client, 1, "prompts/get", { name: "extra" })).result.messages[0].content.text).toBe("extra")
      expect(yield* server.removePrompt("extra")).toBe(true)
      expect((yield* client.next()).method).toBe("notifications/prompts/list_changed")
      expect(yield* server.removePrompt("extra")).toBe(false)
      expect((yield* server.prompts).map((p) => p.name)).toEqual(["test_simple_prompt", "test_prompt_with_arguments", "broken"])
    }))

  it.scopedLive("pages prompts/list", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith({ ...options, pageSize: 2 })
      const client = yield* peer()
      const all = yield* listAll(client, "prompts/list", "prompts")
      expect(all.pages).toBe(2)
      expect(all.items.map((p) => p.name)).toEqual(["test_simple_prompt", "test_prompt_with_arguments", "broken"])
    }))

  it("refuses arguments that are not a struct, and completers of unknown arguments", () => {
    // Typechecked: arguments arrive as strings, so a field must decode from a string.
    // @ts-expect-error a number field is not a prompt argument
    Prompt.make({ name: "n", description: "n", args: Schema.Struct({ n: Schema.Number }) }, () => Effect.succeed(""))
    expect(() =>
      // @ts-expect-error a completer must name an argument
      Prompt.make({ name: "c", description: "c", args: Schema.Struct({ a: Schema.String }), complete: { b: Completion.fromValues([]) } }, () => Effect.succeed(""))
    ).toThrow(/unknown arguments: b/)
    expect(() => Prompt.make({ name: "x", description: "x", args: Schema.String as any }, () => Effect.succeed(""))).toThrow(Prompt.PromptDefinitionError)
    expect(() =>
      Prompt.make({ name: "x", description: "x", args: Schema.Struct({ a: Schema.String }), complete: { b: () => Effect.succeed([]) } as any }, () => Effect.succeed(""))
    ).toThrow(/unknown arguments: b/)
  })
})

describe("completion/complete", () => {
  it.scopedLive("completes prompt arguments and template parameters, at most 100 values", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(options)
      const client = yield* peer()
      const prompt = { type: "ref/prompt", name: "test_prompt_with_arguments" }
      expect((yield* ask(client, 1, "completion/complete", { ref: prompt, argument: { name: "arg1", value: "test" } })).result).toEqual({
        completion: { values: ["test", "testing"], total: 2, hasMore: false }
      })
      // The context's arguments reach the completer.
      const withContext = yield* ask(client, 2, "completion/complete", { ref: prompt, argument: { name: "arg2", value: "v" }, context: { arguments: { arg1: "a" } } })
      expect(withContext.result.completion.values).toEqual(["a-v"])
      const items = (yield* ask(client, 3, "completion/complete", { ref: { type: "ref/resource", uri: "test://items/{id}" }, argument: { name: "id", value: "x" } })).result
      expect(items.completion.values).toHaveLength(100)
      expect(items.completion.values[0]).toBe("x0")
      expect(items.completion.total).toBe(150)
      expect(items.completion.hasMore).toBe(true)
    }))

  it.scopedLive("answers no values without a completer, and -32602 for unknown references", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(options)
      const client = yield* peer()
      const empty = { completion: { values: [], total: 0, hasMore: false } }
      expect((yield* ask(client, 1, "completion/complete", { ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "count", value: "" } })).result).toEqual(empty)
      expect((yield* ask(client, 2, "completion/complete", { ref: { type: "ref/resource", uri: "test://plain/{x}" }, argument: { name: "x", value: "" } })).result).toEqual(empty)
      expect((yield* ask(client, 3, "completion/complete", { ref: { type: "ref/resource", uri: "test://static" }, argument: { name: "x", value: "" } })).result).toEqual(empty)
      expect((yield* ask(client, 4, "completion/complete", { ref: { type: "ref/prompt", name: "nope" }, argument: { name: "a", value: "" } })).error.code).toBe(-32602)
      expect((yield* ask(client, 5, "completion/complete", { ref: { type: "ref/resource", uri: "test://nope/{x}" }, argument: { name: "x", value: "" } })).error.code).toBe(-32602)
    }))
})
