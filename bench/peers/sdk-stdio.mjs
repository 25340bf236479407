#!/usr/bin/env node
// Peer: the official MCP TypeScript SDK (@modelcontextprotocol/sdk, McpServer + StdioServerTransport)
// exposing the same `echo` tool as ours, plus `--tools N` dummy tools. Uses the project's node_modules.
//   node bench/peers/sdk-stdio.mjs [--tools N]
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { z } from "zod"
import { dummyDescription, dummyName, parsePeerArgs } from "./args.mjs"

const { tools } = parsePeerArgs()
const server = new McpServer({ name: "sdk-bench", version: "1.0.0" })

server.registerTool(
  "echo",
  { description: "Echo the text argument", inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: "text", text }] })
)
for (let i = 0; i < tools; i++) {
  server.registerTool(
    dummyName(i),
    { description: dummyDescription(i), inputSchema: { value: z.string() } },
    async ({ value }) => ({ content: [{ type: "text", text: value }] })
  )
}

await server.connect(new StdioServerTransport())
