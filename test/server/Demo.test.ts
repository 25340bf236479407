import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Demo from "../../src/cli/demo.js"
import { ask, serverWith } from "./support.js"

describe("the demonstration features", () => {
  it.scopedLive("serve a resource, a template with completions and a prompt", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(Demo.options())
      const client = yield* peer()
      expect((yield* ask(client, 1, "resources/read", { uri: "demo://about" })).result.contents[0].text).toContain("mcx demo server")
      expect((yield* ask(client, 2, "resources/read", { uri: "demo://echo/hi%20there" })).result.contents).toEqual([
        { uri: "demo://echo/hi%20there", mimeType: "text/plain", text: "hi there" }
      ])
      const completion = yield* ask(client, 3, "completion/complete", { ref: { type: "ref/resource", uri: "demo://echo/{text}" }, argument: { name: "text", value: "h" } })
      expect(completion.result.completion.values).toEqual(["hello", "hola"])
      const prompt = yield* ask(client, 4, "prompts/get", { name: "greet", arguments: { name: "Ada", style: "formal" } })
      expect(prompt.result.messages[0].content.text).toBe("Greet Ada in a formal way.")
      expect((yield* ask(client, 5, "prompts/get", { name: "greet", arguments: { name: "Ada", style: "rude" } })).error.code).toBe(-32602)
    }))
})
