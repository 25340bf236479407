#!/usr/bin/env node
// Peer: the official MCP TypeScript SDK (@modelcontextprotocol/sdk: McpServer +
// StreamableHTTPServerTransport) on node:http, stateful: one McpServer and one transport per
// session (session ids from randomUUID), the SDK's documented pattern. Same `echo` tool as ours.
//   node bench/peers/sdk-http.mjs [--port P] [--json | --sse] [--tools N]
//   --json: enableJsonResponse (a POST is answered with application/json) [default]
//   --sse:  a POST carrying a request is answered with a text/event-stream
// Listens on 127.0.0.1, endpoint /mcp; prints "listening on http://127.0.0.1:P/mcp" on stderr.
import { randomUUID } from "node:crypto"
import http from "node:http"
import process from "node:process"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import { z } from "zod"
import { dummyDescription, dummyName, parsePeerArgs } from "./args.mjs"

const opts = parsePeerArgs()

const newServer = () => {
  const server = new McpServer({ name: "sdk-bench", version: "1.0.0" })
  server.registerTool(
    "echo",
    { description: "Echo the text argument", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] })
  )
  for (let i = 0; i < opts.tools; i++) {
    server.registerTool(
      dummyName(i),
      { description: dummyDescription(i), inputSchema: { value: z.string() } },
      async ({ value }) => ({ content: [{ type: "text", text: value }] })
    )
  }
  return server
}

/** Open sessions: Mcp-Session-Id → transport. */
const transports = new Map()

const readJson = (req) =>
  new Promise((resolve, reject) => {
    const chunks = []
    req.on("data", (c) => chunks.push(c))
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")))
      } catch (e) {
        reject(e)
      }
    })
    req.on("error", reject)
  })

const fail = (res, status, code, message) => {
  if (res.headersSent) return
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }))
}

const handle = async (req, res) => {
  if (new URL(req.url ?? "/", "http://localhost").pathname !== "/mcp") return fail(res, 404, -32000, "Not found")
  const sid = req.headers["mcp-session-id"]
  if (req.method === "POST") {
    let body
    try {
      body = await readJson(req)
    } catch {
      return fail(res, 400, -32700, "Parse error")
    }
    let transport = typeof sid === "string" ? transports.get(sid) : undefined
    if (transport === undefined) {
      if (sid !== undefined) return fail(res, 404, -32001, "Session not found")
      if (!isInitializeRequest(body)) return fail(res, 400, -32000, "Bad Request: no valid session id")
      const t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: opts.json,
        onsessioninitialized: (id) => {
          transports.set(id, t)
        }
      })
      t.onclose = () => {
        if (t.sessionId !== undefined) transports.delete(t.sessionId)
      }
      await newServer().connect(t)
      transport = t
    }
    return transport.handleRequest(req, res, body)
  }
  if (req.method === "GET" || req.method === "DELETE") {
    const transport = typeof sid === "string" ? transports.get(sid) : undefined
    if (transport === undefined) return fail(res, sid === undefined ? 400 : 404, -32000, "Bad Request: no valid session id")
    return transport.handleRequest(req, res)
  }
  res.setHeader("allow", "GET, POST, DELETE")
  return fail(res, 405, -32000, "Method not allowed")
}

const httpServer = http.createServer((req, res) => {
  handle(req, res).catch((e) => fail(res, 500, -32603, String(e?.message ?? e)))
})
httpServer.keepAliveTimeout = 60_000
httpServer.listen(opts.port, "127.0.0.1", () => {
  process.stderr.write(`sdk-http (${opts.json ? "json" : "sse"}): listening on http://127.0.0.1:${httpServer.address().port}/mcp\n`)
})
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0))
