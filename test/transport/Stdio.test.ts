import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { PassThrough } from "node:stream"
import * as McpServer from "../../src/server/McpServer.js"
import * as Tool from "../../src/server/Tool.js"
import * as Stdio from "../../src/transport/Stdio.js"

const lines = (output: PassThrough) => {
  const received: Array<any> = []
  let buffered = ""
  output.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8")
    let newline = buffered.indexOf("\n")
    while (newline >= 0) {
      received.push(JSON.parse(buffered.slice(0, newline)))
      buffered = buffered.slice(newline + 1)
      newline = buffered.indexOf("\n")
    }
  })
  return received
}

const waitFor = (condition: () => boolean, ms = 2000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + ms
    while (!condition()) {
      if (Date.now() > deadline) return yield* Effect.fail(`condition not met within ${ms} ms`)
      yield* Effect.sleep(5)
    }
  })

const init = { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }

describe("Stdio transport", () => {
  it.live("a failing input ends the connection with a TransportError and releases what handlers held", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const Hold = Tool.make("hold", { input: Schema.Struct({}) }, () =>
        Effect.acquireRelease(Effect.void, () => Ref.set(released, true)).pipe(Effect.zipRight(Effect.never), Effect.scoped))
      const input = new PassThrough()
      const output = new PassThrough()
      const received = lines(output)
      const fiber = yield* McpServer.serve(Stdio.make({ input, output })).pipe(
        Effect.provide(McpServer.layer({ name: "t", version: "1" }, { tools: [Hold] })),
        Effect.fork
      )
      input.write(JSON.stringify(init) + "\n")
      input.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "hold", arguments: {} } }) + "\n")
      yield* waitFor(() => received.some((m) => m.id === 0))
      yield* Effect.sleep(20)
      input.destroy(new Error("pipe broke"))
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(JSON.stringify(exit)).toContain("TransportError")
      expect(yield* Ref.get(released)).toBe(true)
    }))

  it.live("pauses reading while the output pushes back, and answers everything once it drains", () =>
    Effect.gen(function*() {
      const input = new PassThrough()
      const output = new PassThrough({ highWaterMark: 1024 })
      const Big = Tool.make("big", { input: Schema.Struct({ n: Schema.Int }) }, ({ n }) => Effect.succeed("x".repeat(4096) + n))
      const fiber = yield* McpServer.serve(Stdio.make({ input, output })).pipe(
        Effect.provide(McpServer.layer({ name: "t", version: "1" }, { tools: [Big] })),
        Effect.fork
      )
      input.write(JSON.stringify(init) + "\n")
      for (let i = 1; i <= 50; i++) {
        input.write(JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "big", arguments: { n: i } } }) + "\n")
      }
      // Nobody reads the output: the transport stops reading its input.
      yield* waitFor(() => input.isPaused())
      const received = lines(output)
      yield* waitFor(() => received.filter((m) => typeof m.id === "number" && m.id > 0).length === 50, 5000)
      expect(new Set(received.map((m) => m.id)).size).toBe(51)
      input.end()
      yield* Fiber.join(fiber)
    }))
})
