/**
 * End-to-end test with the official MCP TypeScript SDK as a real client over Streamable HTTP:
 * it spawns `node dist/mcx.js serve --demo --port 0` (the server prints the URL it listens on)
 * and talks to it with `Client` + `StreamableHTTPClientTransport`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  McpError,
  type Progress,
  ResourceUpdatedNotificationSchema
} from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { delay, type HttpServer, spawnHttpServer } from "./support/server.js"

describe("the MCP TypeScript SDK over Streamable HTTP", () => {
  let server: HttpServer
  let client: Client
  let transport: StreamableHTTPClientTransport
  const errors: Array<Error> = []
  const statuses: Array<string> = []
  const updated: Array<string> = []

  beforeAll(async () => {
    server = await spawnHttpServer()
    // Records every HTTP exchange the SDK makes (method, status, resumption header).
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      const headers = new Headers(init?.headers)
      statuses.push(`${init?.method ?? "GET"} ${response.status}${headers.has("last-event-id") ? " resume" : ""}`)
      return response
    }
    transport = new StreamableHTTPClientTransport(server.url, { fetch: recordingFetch })
    client = new Client({ name: "e2e-http", version: "1.0.0" }, { capabilities: { elicitation: {}, sampling: {} } })
    client.onerror = (error) => errors.push(error)
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      expect(request.params.message).toBe("What is your name?")
      return { action: "accept", content: { name: "Ada" } }
    })
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      const first = request.params.messages[0]!.content
      const text = !Array.isArray(first) && first.type === "text" ? first.text : ""
      return { role: "assistant", content: { type: "text", text: `summary of ${text.length} characters` }, model: "test-model" }
    })
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updated.push(notification.params.uri)
    })
    await client.connect(transport)
  })

  afterAll(async () => {
    await client?.close()
    const pid = server?.child.pid
    if (pid !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // Already gone.
      }
    }
  })

  it("initializes a session over HTTP", () => {
    expect(client.getServerVersion()).toMatchObject({ name: "mcx" })
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(transport.protocolVersion).toBe("2025-11-25")
  })

  it("lists the demo tools and calls echo", async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["echo", "add", "sleep", "fail"]))
    const result = await client.callTool({ name: "echo", arguments: { text: "over http" } })
    expect(result).toMatchObject({ content: [{ type: "text", text: "over http" }], structuredContent: { text: "over http" } })
  })

  it("receives progress on the call's stream", async () => {
    const updates: Array<Progress> = []
    const result = await client.callTool({ name: "sleep", arguments: { ms: 200 } }, undefined, { onprogress: (p) => updates.push(p) })
    expect(result).toMatchObject({ structuredContent: { slept: 200 } })
    expect(updates.length).toBeGreaterThanOrEqual(9)
    expect(updates.map((u) => u.progress)).toEqual([...updates.map((u) => u.progress)].sort((a, b) => a - b))
    expect(updates[0]).toMatchObject({ total: 10 })
  })

  it("cancels a call: the SDK rejects at once and the server keeps serving", async () => {
    const controller = new AbortController()
    const started = Date.now()
    const call = client.callTool({ name: "sleep", arguments: { ms: 10_000 } }, undefined, { signal: controller.signal })
    setTimeout(() => controller.abort("changed my mind"), 100)
    await expect(call).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(5_000)
    const echo = await client.callTool({ name: "echo", arguments: { text: "after cancel" } })
    expect(echo).toMatchObject({ structuredContent: { text: "after cancel" } })
    // The cancelled call's stream ended without an answer; the SDK resumes it once (after the
    // 1 s retry delay) and is told with 204 that there is nothing left.
    for (let waited = 0; waited < 6_000 && !statuses.includes("GET 204 resume"); waited += 100) await delay(100)
    expect(statuses).toContain("GET 204 resume")
  })

  it("lists and reads resources and templates, gets prompts, completes arguments", async () => {
    const { resources } = await client.listResources()
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(["demo://about", "demo://counter"]))
    expect((await client.readResource({ uri: "demo://about" })).contents[0]).toMatchObject({ text: expect.stringContaining("mcx demo server") })
    const { resourceTemplates } = await client.listResourceTemplates()
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(["demo://echo/{text}", "context://{id}"])
    expect((await client.readResource({ uri: "demo://echo/over%20http" })).contents[0]).toMatchObject({ text: "over http" })
    const { prompts } = await client.listPrompts()
    expect(prompts.map((p) => p.name)).toEqual(["greet"])
    const prompt = await client.getPrompt({ name: "greet", arguments: { name: "Ada", style: "formal" } })
    expect(prompt.messages[0]!.content).toEqual({ type: "text", text: "Greet Ada in a formal way." })
    const completed = await client.complete({ ref: { type: "ref/prompt", name: "greet" }, argument: { name: "style", value: "f" } })
    expect(completed.completion.values).toEqual(["formal"])
  })

  it("delivers resources/updated to a subscriber when a tool changes the resource, and none after unsubscribing", async () => {
    await client.subscribeResource({ uri: "demo://counter" })
    const raised = await client.callTool({ name: "increment", arguments: {} })
    for (let waited = 0; waited < 5_000 && !updated.includes("demo://counter"); waited += 20) await delay(20)
    expect(updated).toEqual(["demo://counter"])
    const value = (raised.structuredContent as { value: number }).value
    expect((await client.readResource({ uri: "demo://counter" })).contents[0]).toMatchObject({ text: String(value) })
    await client.unsubscribeResource({ uri: "demo://counter" })
    await client.callTool({ name: "increment", arguments: {} })
    await delay(200)
    expect(updated).toEqual(["demo://counter"])
  })

  it("serves elicitation and sampling through the client's handlers, on the call's stream", async () => {
    expect(await client.callTool({ name: "ask", arguments: {} })).toMatchObject({ content: [{ type: "text", text: "Hello, Ada!" }] })
    expect(await client.callTool({ name: "summarize", arguments: { text: "abcde" } }))
      .toMatchObject({ content: [{ type: "text", text: expect.stringMatching(/^summary of \d+ characters$/) }] })
  })

  it("resumes a call whose stream the server closed (SEP-1699 polling), with Last-Event-ID", async () => {
    const resumedBefore = statuses.filter((s) => s === "GET 200 resume").length
    const updates: Array<Progress> = []
    const result = await client.callTool({ name: "sleep", arguments: { ms: 1_500, poll: true } }, undefined, { onprogress: (p) => updates.push(p) })
    expect(result).toMatchObject({ structuredContent: { slept: 1_500 } })
    expect(statuses.filter((s) => s === "GET 200 resume").length).toBeGreaterThan(resumedBefore)
    expect(updates.length).toBeGreaterThanOrEqual(1)
  })

  it("runs report as a task (2025-11-25): created, polled, its result fetched", async () => {
    const messages: Array<string> = []
    let text = ""
    for await (const message of client.experimental.tasks.callToolStream({ name: "report", arguments: { ms: 100 } }, CallToolResultSchema, { task: { ttl: 60_000 } })) {
      messages.push(message.type)
      if (message.type === "result") text = (message.result.content[0] as { text: string }).text
    }
    expect(messages[0]).toBe("taskCreated")
    expect(messages.at(-1)).toBe("result")
    expect(text).toBe("report ready after 100 ms")
  })

  it("reports a typed failure as an error result", async () => {
    const result = await client.callTool({ name: "fail", arguments: { message: "nope" } })
    expect(result).toMatchObject({ isError: true, content: [{ type: "text", text: expect.stringContaining("nope") }] })
  })

  it("answers an unknown tool with a JSON-RPC error", async () => {
    await expect(client.callTool({ name: "missing", arguments: {} })).rejects.toBeInstanceOf(McpError)
  })

  it("had no transport errors, and the standalone GET stream was opened", () => {
    expect(statuses).toContain("GET 200")
    expect(errors.filter((e) => !/abort/i.test(String(e)))).toEqual([])
  })

  it("stops on SIGTERM with exit code 0, with a client still connected", async () => {
    server.child.kill("SIGTERM")
    const exit = await Promise.race([server.exited, delay(10_000).then(() => "timeout" as const)])
    expect(exit).toEqual({ code: 0, signal: null })
  })
})

describe("the MCP TypeScript SDK, an HTTP session that expires", () => {
  it("is closed after --session-idle-ms: the next request gets 404 and a new session is served", async () => {
    const server = await spawnHttpServer(["--demo", "--session-idle-ms", "300"])
    try {
      const statuses: Array<number> = []
      const recording: typeof fetch = async (input, init) => {
        const response = await fetch(input, init)
        if ((init?.method ?? "GET") === "POST") statuses.push(response.status)
        return response
      }
      const first = new Client({ name: "e2e-expiry", version: "1.0.0" })
      const transport = new StreamableHTTPClientTransport(server.url, { fetch: recording })
      await first.connect(transport)
      expect((await first.listTools()).tools.length).toBeGreaterThan(0)
      const sessionId = transport.sessionId!
      const ping = () =>
        fetch(server.url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
        })
      expect((await ping()).status).toBe(200)
      // Closing the client drops its standalone stream (it sends no DELETE): the session idles out.
      await first.close()
      // Each ping counts as activity: wait well past the idle time between them.
      let status = 200
      for (let waited = 0; waited < 10_000 && status !== 404; waited += 1_000) {
        await delay(1_000)
        status = (await ping()).status
      }
      expect(status).toBe(404)
      expect(statuses.every((s) => s < 300)).toBe(true)
      const second = new Client({ name: "e2e-expiry", version: "1.0.0" })
      await second.connect(new StreamableHTTPClientTransport(server.url))
      expect((await second.callTool({ name: "echo", arguments: { text: "new session" } })).content).toEqual([{ type: "text", text: "new session" }])
      await second.close()
    } finally {
      server.child.kill("SIGTERM")
      await server.exited
    }
  })
})
