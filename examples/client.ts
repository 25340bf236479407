/**
 * The client example of `docs/client.md`: spawns the demo server over stdio, lists its tools,
 * calls `echo` as a typed tool and `sleep` as a stream of progress, then reads a resource.
 *
 *   npm run build && node dist/client-example.js
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Demo from "../src/cli/demo.js"
import * as Elicitor from "../src/client/Elicitor.js"
import * as McpClient from "../src/client/McpClient.js"

const program = Effect.gen(function*() {
  const client = yield* McpClient.McpClient
  console.log("connected in", yield* client.protocolVersion)
  for (const tool of yield* client.listTools) console.log("tool", tool.name)

  // Typed: the input and output types come from the server's own `Tool` definition.
  const echo = client.tool(Demo.Echo)
  console.log(yield* echo({ text: "hello" })) // { text: "hello" }

  // A call as a Stream: progress reports, then the result. Interrupting it cancels the call.
  yield* client.callToolStream("sleep", { ms: 200 }).pipe(
    Stream.runForEach((event) =>
      Effect.sync(() => console.log(event._tag === "Progress" ? `${event.progress.progress}/${event.progress.total}` : "done"))
    )
  )
  const about = yield* client.readResource("demo://about")
  console.log(about.contents[0])
})

const Client = McpClient.layerStdio({ command: process.execPath, args: ["dist/mcx.js", "serve", "--stdio", "--demo"] }).pipe(
  // Answers the server's elicitations (unused by the demo server, shown for the shape).
  Layer.provide(Elicitor.layerAcceptDefaults())
)

program.pipe(Effect.provide(Client), NodeRuntime.runMain)
