#!/usr/bin/env node
// Floor: a bare-Node JSON-RPC MCP echo server over HTTP (node:http, POST /mcp answered with
// application/json, 202 for notifications). No SDK and no validation: it hands out an
// Mcp-Session-Id on initialize and keeps a small record per session (so "per session" memory has
// a floor too), but checks neither headers nor session ids. What node:http, the client and JSON
// cost on this machine.
//   node bench/peers/raw-http.mjs [--port P] [--tools N]
import { randomUUID } from "node:crypto"
import http from "node:http"
import process from "node:process"
import { parsePeerArgs } from "./args.mjs"
import { fail, makeHandler } from "./raw-rpc.mjs"

const opts = parsePeerArgs()
const sessions = new Map()
const handle = makeHandler(opts.tools)

const server = http.createServer((req, res) => {
  if (req.method === "DELETE") {
    sessions.delete(req.headers["mcp-session-id"])
    res.writeHead(200).end()
    return
  }
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "POST, DELETE" }).end()
    return
  }
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    let msg
    try {
      msg = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(fail(null, -32700, "Parse error")))
      return
    }
    const headers = { "content-type": "application/json" }
    if (msg?.method === "initialize") {
      const sid = randomUUID()
      sessions.set(sid, { protocolVersion: msg.params?.protocolVersion })
      headers["mcp-session-id"] = sid
    }
    const r = handle(msg)
    if (r === undefined) res.writeHead(202).end()
    else res.writeHead(200, headers).end(JSON.stringify(r))
  })
})
server.keepAliveTimeout = 60_000
server.listen(opts.port, "127.0.0.1", () => {
  process.stderr.write(`raw-http: listening on http://127.0.0.1:${server.address().port}/mcp\n`)
})
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0))
