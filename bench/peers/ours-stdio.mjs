#!/usr/bin/env node
// Ours, built from the public API, with one `echo` tool (as `mcx serve --demo` has it), over
// stdio: `--pipeline` serves `tools/call` as the library does (through the `ToolManager`
// pipeline); `--bare` replaces that route with one that decodes the arguments and runs the
// handler directly (`Tool.run`: the handler and its result mapping, nothing else). Bench only:
// the pair shows what the pipeline costs a server end to end (`bench/pipeline-e2e.mjs`).
// Like `mcx`, it turns V8's allocation-site pretenuring off before building the server
// (`src/cli/gcTuning.ts`); `--v8-pretenuring` keeps V8's default (`bench/pretenuring.mjs`).
//   node bench/peers/ours-stdio.mjs --pipeline | --bare [--v8-pretenuring]      (needs `npm run build`)
import v8 from "node:v8"
import { NodeRuntime } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpError, McpSchema, McpServer, Router, Stdio, Tool } from "../../dist/index.js"

const Echo = Tool.make("echo", {
  description: "Echo the text argument back",
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ text: Schema.String }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  render: ({ text }) => text
}, (input) => Effect.succeed(input))

if (!process.argv.includes("--v8-pretenuring")) v8.setFlagsFromString("--no-allocation-site-pretenuring")

const bare = process.argv.includes("--bare")
if (!bare && !process.argv.includes("--pipeline")) {
  process.stderr.write("usage: ours-stdio.mjs --pipeline | --bare\n")
  process.exit(2)
}

const direct = Router.request("tools/call", McpSchema.CallToolRequestParams, (params) => {
  if (params.name !== Echo.name) return Effect.fail(McpError.invalidParams(`Unknown tool: ${params.name}`))
  const input = Echo.decodeInput(params.arguments ?? {})
  return input._tag === "Left" ? Effect.fail(McpError.invalidParams("Invalid arguments for tool echo")) : Tool.run(Echo, input.right)
})

const program = Effect.gen(function*() {
  const server = yield* McpServer.McpServer
  if (bare) server.router.add(direct)
  yield* McpServer.serve(Stdio.processTransport())
}).pipe(Effect.provide(McpServer.layer({ name: "ours-stdio", version: "0.0.0" }, { tools: [Echo] })))

NodeRuntime.runMain(program, { disableErrorReporting: true })
