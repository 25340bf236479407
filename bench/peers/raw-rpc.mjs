// The bare-Node floor's JSON-RPC answers, shared by raw-stdio.mjs and raw-http.mjs: `echo`
// plus `extra` dummy tools, no validation beyond what is needed to answer.
import { dummyDescription, dummyName } from "./args.mjs"

const stringArg = (key) => ({ type: "object", properties: { [key]: { type: "string" } }, required: [key] })

export const fail = (id, code, message) => ({ jsonrpc: "2.0", id, error: { code, message } })
const reply = (id, result) => ({ jsonrpc: "2.0", id, result })

/** A handler: a parsed message → the answer object, or undefined for notifications and responses. */
export const makeHandler = (extra) => {
  const tools = [{ name: "echo", description: "Echo the text argument", inputSchema: stringArg("text") }]
  for (let i = 0; i < extra; i++) tools.push({ name: dummyName(i), description: dummyDescription(i), inputSchema: stringArg("value") })
  const known = new Set(tools.map((t) => t.name))
  return (msg) => {
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
        return reply(msg.id, { content: [{ type: "text", text: String(name === "echo" ? args.text ?? "" : args.value ?? "") }] })
      }
      default:
        return fail(msg.id, -32601, "Method not found")
    }
  }
}
