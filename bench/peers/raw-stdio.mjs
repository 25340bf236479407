#!/usr/bin/env node
// Floor: a bare-Node JSON-RPC MCP echo server over newline-delimited stdio. No SDK, no validation
// beyond what is needed to answer: one JSON.parse, one JSON.stringify, one write per input chunk.
// It shows what the pipe, the client and JSON themselves cost on this machine.
//   node bench/peers/raw-stdio.mjs [--tools N]
import process from "node:process"
import { parsePeerArgs } from "./args.mjs"
import { fail, makeHandler } from "./raw-rpc.mjs"

const { tools: extra } = parsePeerArgs()
const handle = makeHandler(extra)

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
