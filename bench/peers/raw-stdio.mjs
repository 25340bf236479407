#!/usr/bin/env node
// Floor: a bare-Node JSON-RPC MCP echo server over newline-delimited stdio. No SDK, no validation
// beyond what is needed to answer: one JSON.parse, one JSON.stringify, one write per input chunk.
// It shows what the pipe, the client and JSON themselves cost on this machine.
//   node bench/peers/raw-stdio.mjs [--tools N]
import process from "node:process"
import { dummyDescription, dummyName, parsePeerArgs } from "./args.mjs"

const { tools: extra } = parsePeerArgs()
const stringArg = (key) => ({ type: "object", properties: { [key]: { type: "string" } }, required: [key] })
const tools = [{ name: "echo", description: "Echo the text argument", inputSchema: stringArg("text") }]
for (let i = 0; i < extra; i++) tools.push({ name: dummyName(i), description: dummyDescription(i), inputSchema: stringArg("value") })
const known = new Set(tools.map((t) => t.name))

const reply = (id, result) => ({ jsonrpc: "2.0", id, result })
const fail = (id, code, message) => ({ jsonrpc: "2.0", id, error: { code, message } })

const handle = (msg) => {
  if (msg === null || typeof msg !== "object" || Array.isArray(msg)) return fail(null, -32600, "Invalid Request")
  if (msg.id === undefined || msg.id === null) return undefined // notification (or a response): no answer
  switch (msg.method) {
    case "initialize":
      return reply(msg.id, {
        protocolVersion: msg.params?.protocolVersion ?? "2025-11-25",
        capabilities: { tools: {} },
        serverInfo: { name: "raw-bench", version: "1.0.0" }
      })
    case "ping":
      return reply(msg.id, {})
    case "tools/list":
      return reply(msg.id, { tools })
    case "tools/call": {
      const name = msg.params?.name
      if (!known.has(name)) return fail(msg.id, -32602, `Unknown tool: ${name}`)
      const args = msg.params.arguments ?? {}
      const text = String(name === "echo" ? args.text ?? "" : args.value ?? "")
      return reply(msg.id, { content: [{ type: "text", text }] })
    }
    default:
      return fail(msg.id, -32601, "Method not found")
  }
}

// Framing on Buffers: only the new chunk is scanned for "\n"; a partial line waits in `parts`.
let parts = []
process.stdin.on("data", (chunk) => {
  let start = 0
  let nl
  let out = ""
  while ((nl = chunk.indexOf(10, start)) !== -1) {
    let line
    if (parts.length > 0) {
      parts.push(chunk.subarray(start, nl))
      line = Buffer.concat(parts).toString("utf8")
      parts = []
    } else {
      line = chunk.toString("utf8", start, nl)
    }
    start = nl + 1
    if (line.trim().length === 0) continue
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      out += JSON.stringify(fail(null, -32700, "Parse error")) + "\n"
      continue
    }
    const r = handle(msg)
    if (r !== undefined) out += JSON.stringify(r) + "\n"
  }
  if (start < chunk.length) parts.push(chunk.subarray(start))
  if (out.length > 0) process.stdout.write(out)
})
process.stdin.on("end", () => process.exit(0))
