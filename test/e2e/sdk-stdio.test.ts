/**
 * End-to-end test with the official MCP TypeScript SDK as a real client: it spawns
 * `node dist/mcx.js serve --stdio --demo` and talks to it over stdio.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js"
import { type JSONRPCMessage, McpError, type Progress } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { delay, killIfRunning, projectRoot, serverArgs } from "./support/server.js"

/**
 * Delegates to the SDK's stdio transport and records every message, both ways.
 *
 * Incoming messages are handed to the SDK one per event-loop turn, in order. The SDK runs
 * notification handlers a microtask later but handles responses at once, so a last
 * `notifications/progress` read in the same chunk as its response is dropped by the SDK
 * (modelcontextprotocol/typescript-sdk#2580), a race the server cannot avoid. Delivering one
 * message per turn lets each progress handler run before the next message.
 */
class RecordingTransport implements Transport {
  readonly received: Array<JSONRPCMessage> = []
  readonly sent: Array<JSONRPCMessage> = []
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  onmessage?: (<T extends JSONRPCMessage>(message: T) => void) | undefined

  constructor(readonly inner: StdioClientTransport) {}

  start(): Promise<void> {
    this.inner.onmessage = (message) => {
      this.received.push(message)
      setImmediate(() => this.onmessage?.(message))
    }
    this.inner.onclose = () => this.onclose?.()
    this.inner.onerror = (error) => this.onerror?.(error)
    return this.inner.start()
  }

  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    this.sent.push(message)
    return this.inner.send(message)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}

const isResponseTo = (id: string | number) => (message: JSONRPCMessage): boolean =>
  "id" in message && message.id === id && ("result" in message || "error" in message)

describe("the MCP TypeScript SDK over stdio", () => {
  let client: Client
  let transport: RecordingTransport
  let stderr = ""

  beforeAll(async () => {
    const inner = new StdioClientTransport({
      command: process.execPath,
      args: serverArgs(),
      cwd: projectRoot,
      stderr: "pipe"
    })
    inner.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString("utf8")
    })
    transport = new RecordingTransport(inner)
    client = new Client({ name: "e2e-sdk", version: "1.0.0" }, { capabilities: {} })
    await client.connect(transport)
  })

  afterAll(async () => {
    const pid = transport?.inner.pid ?? null
    await client?.close()
    // The SDK ends the child itself; make sure (by its PID) that it is gone.
    killIfRunning(pid)
  })

  it("initializes: server info, negotiated version and capabilities", async () => {
    expect(client.getServerVersion()).toEqual({ name: "mcx", version: "0.1.0" })
    const capabilities = client.getServerCapabilities()
    expect(capabilities?.tools).toBeDefined()
    const initialize = transport.sent.find((m) => "method" in m && m.method === "initialize")
    expect(initialize).toBeDefined()
    const requested = (initialize as unknown as { params: { protocolVersion: string } }).params.protocolVersion
    expect(requested).toBe("2025-11-25")
    const answer = transport.received.find(isResponseTo((initialize as { id: string | number }).id))
    expect(answer).toBeDefined()
    expect((answer as unknown as { result: { protocolVersion: string } }).result.protocolVersion).toBe(requested)
    expect(transport.sent.some((m) => "method" in m && m.method === "notifications/initialized")).toBe(true)
    // The banner goes to stderr (its own pipe, so it may still be on its way).
    for (let i = 0; i < 50 && !stderr.includes("serving MCP"); i++) await delay(100)
    expect(stderr).toMatch(/serving MCP on stdio \(23 tools\)/)
  })

  it("lists the 8 demo tools and the 15 context tools with JSON-Schema object schemas", async () => {
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "add", "ask", "context_create", "context_delete", "context_diff", "context_export", "context_get", "context_history", "context_import", "context_lease_acquire", "context_lease_release", "context_lease_renew", "context_list", "context_restore", "context_transaction", "context_update", "context_verify", "echo", "fail", "increment", "report", "sleep", "summarize"
    ])
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object")
      expect(typeof tool.description).toBe("string")
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool]))
    const echo = byName.get("echo")!
    expect(echo.inputSchema.properties).toMatchObject({ text: { type: "string" } })
    expect(echo.inputSchema.required).toEqual(["text"])
    expect(echo.outputSchema?.type).toBe("object")
    expect(echo.outputSchema?.properties).toMatchObject({ text: { type: "string" } })
    expect(byName.get("add")!.inputSchema.properties).toMatchObject({ a: { type: "number" }, b: { type: "number" } })
    expect(byName.get("sleep")!.inputSchema.properties).toMatchObject({ ms: { type: "integer" } })
    expect(byName.get("fail")!.inputSchema.required ?? []).toEqual([])
  })

  it("calls echo: the text content and the structured content equal the input", async () => {
    const text = "hello, MCP — ünïcödé 🌍"
    const result = await client.callTool({ name: "echo", arguments: { text } })
    expect(result.isError ?? false).toBe(false)
    expect(result.content).toEqual([{ type: "text", text }])
    expect(result.structuredContent).toEqual({ text })
  })

  it("calls add", async () => {
    const result = await client.callTool({ name: "add", arguments: { a: 2.5, b: -7 } })
    expect(result.structuredContent).toEqual({ sum: -4.5 })
    expect(result.content).toEqual([{ type: "text", text: "-4.5" }])
  })

  it("reports the progress of sleep: 10 increasing updates, then the result", async () => {
    const updates: Array<Progress> = []
    const result = await client.callTool({ name: "sleep", arguments: { ms: 300 } }, undefined, {
      onprogress: (progress) => {
        updates.push(progress)
      }
    })
    expect(result.structuredContent).toEqual({ slept: 300 })
    expect(updates).toHaveLength(10)
    updates.forEach((update, i) => {
      expect(update.progress).toBe(i + 1)
      expect(update.total).toBe(10)
      if (i > 0) expect(update.progress).toBeGreaterThan(updates[i - 1]!.progress)
    })
    expect(updates[9]!.message).toMatch(/300 of 300 ms/)
    // On the wire: the 10 notifications carry the request's token and all precede the response.
    const request = transport.sent.filter((m) => "method" in m && m.method === "tools/call").at(-1) as
      | { id: string | number; params: { _meta?: { progressToken?: string | number } } }
      | undefined
    const token = request?.params._meta?.progressToken
    expect(token).toBeDefined()
    const responseAt = transport.received.findIndex(isResponseTo(request!.id))
    const progressAt = transport.received.flatMap((m, i) =>
      "method" in m && m.method === "notifications/progress" && m.params?.progressToken === token ? [i] : []
    )
    expect(progressAt).toHaveLength(10)
    expect(Math.max(...progressAt)).toBeLessThan(responseAt)
  })

  it("cancels sleep through an AbortSignal: the call rejects, the server keeps serving", async () => {
    const controller = new AbortController()
    const before = transport.sent.length
    let progressed = 0
    const call = client.callTool({ name: "sleep", arguments: { ms: 3000 } }, undefined, {
      signal: controller.signal,
      onprogress: () => {
        progressed++
        // Abort once the server reports that the tool runs.
        if (progressed === 1) controller.abort("the test gave up")
      }
    })
    await expect(call).rejects.toThrow()
    expect(progressed).toBeGreaterThanOrEqual(1)
    const request = transport.sent.slice(before).find((m) => "method" in m && m.method === "tools/call")
    expect(request).toBeDefined()
    const id = (request as { id: string | number }).id
    const cancelled = transport.sent.slice(before).find((m) => "method" in m && m.method === "notifications/cancelled")
    expect(cancelled).toBeDefined()
    expect((cancelled as unknown as { params: { requestId: string | number } }).params.requestId).toBe(id)

    const after = await client.callTool({ name: "echo", arguments: { text: "after cancel" } })
    expect(after.structuredContent).toEqual({ text: "after cancel" })
    // Past the time the sleep would have taken (3 s from its start, aborted after ~0.3 s):
    // the server never answers the cancelled id. The raw tests check this more tightly.
    await delay(3000)
    expect(transport.received.filter(isResponseTo(id))).toEqual([])
  })

  it("reports a typed failure as an isError result with the message", async () => {
    const result = await client.callTool({ name: "fail", arguments: { message: "no luck" } })
    expect(result.isError).toBe(true)
    expect(result.content).toEqual([{ type: "text", text: "no luck" }])
    expect(result.structuredContent).toEqual({ _tag: "DemoFailure", message: "no luck" })

    const byDefault = await client.callTool({ name: "fail", arguments: {} })
    expect(byDefault.isError).toBe(true)
    expect(byDefault.content).toEqual([{ type: "text", text: "failed on purpose" }])
  })

  it("rejects an unknown tool with McpError -32602", async () => {
    const error = await client.callTool({ name: "no_such_tool", arguments: {} }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(McpError)
    expect((error as McpError).code).toBe(-32602)
    expect((error as McpError).message).toMatch(/no_such_tool/)
  })

  it("reports invalid arguments under 2025-11-25 as an isError result", async () => {
    // `add` declares an outputSchema ({ sum: number }): the SDK validates any structuredContent
    // of the result against it, error results included.
    const result = await client.callTool({ name: "add", arguments: { a: "one", b: 2 } })
    expect(result.isError).toBe(true)
    expect(result.content).toEqual([{ type: "text", text: expect.stringMatching(/Invalid arguments for tool add: a/) }])
  })

  it("answers ping", async () => {
    await expect(client.ping()).resolves.toEqual({})
  })

  it("still serves calls after all of these, also concurrent ones", async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `again ${i}`)
    const results = await Promise.all(texts.map((text) => client.callTool({ name: "echo", arguments: { text } })))
    results.forEach((result, i) => expect(result.structuredContent).toEqual({ text: texts[i] }))
    const sum = await client.callTool({ name: "add", arguments: { a: 40, b: 2 } })
    expect(sum.structuredContent).toEqual({ sum: 42 })
    // The SDK raised no transport error and saw no malformed message.
    expect(transport.received.every((m) => m.jsonrpc === "2.0")).toBe(true)
  })
})
