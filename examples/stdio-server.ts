/**
 * The README's example: an MCP server over stdio with one tool.
 * Typechecked with the project; bundle it with esbuild to run it.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Schema } from "effect"
import { McpServer, Stdio, Tool } from "../src/index.js"

const Echo = Tool.make("echo", {
  description: "Echo text back",
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ text: Schema.String }),
  annotations: { readOnlyHint: true }
}, ({ text }) => Effect.succeed({ text }))

McpServer.serve(Stdio.processTransport()).pipe(
  Effect.provide(McpServer.layer({ name: "demo", version: "1.0.0" }, { tools: [Echo] })),
  NodeRuntime.runMain
)
