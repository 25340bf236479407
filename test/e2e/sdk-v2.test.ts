/**
 * Interop with the official MCP TypeScript SDK v2 client (`@modelcontextprotocol/client`) over
 * Streamable HTTP: `node dist/mcx.js serve --demo --port 0` as a child process on 127.0.0.1,
 * talked to in the stateless 2026-07-28 era (negotiated through `server/discover`) and in the
 * stateful 2025-11-25 era (the plain `initialize` handshake), including the demo's `ask`
 * (elicitation) and `summarize` (sampling) in both eras. The detailed input-required rounds run
 * against an in-process server on 127.0.0.1 (`test/transport/http/support.ts`) with a tool
 * added at runtime.
 */
import { Client, type Progress, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { start, type TestServer } from "../transport/http/support.js"
import { type HttpServer, killIfRunning, spawnHttpServer } from "./support/server.js"

/** Kills the spawned server by its own PID. */
const killServer = (server: HttpServer | undefined): void => killIfRunning(server?.child.pid)

interface Exchange {
  readonly method: string
  readonly status: number
  readonly headers: Headers
  readonly body: any
}

/** A `fetch` that records every request the SDK makes (headers and parsed JSON body). */
const recordingFetch = (exchanges: Array<Exchange>): typeof fetch => async (input, init) => {
  const response = await fetch(input, init)
  let body: any = undefined
  if (typeof init?.body === "string") {
    try {
      body = JSON.parse(init.body)
    } catch {
      body = init.body
    }
  }
  exchanges.push({ method: init?.method ?? "GET", status: response.status, headers: new Headers(init?.headers), body })
  return response
}

const posted = (exchanges: ReadonlyArray<Exchange>, method: string) => exchanges.filter((e) => e.method === "POST" && e.body?.method === method)

describe("the MCP SDK v2 client, 2026-07-28 over Streamable HTTP", () => {
  let server: HttpServer
  let client: Client
  let transport: StreamableHTTPClientTransport
  const exchanges: Array<Exchange> = []
  const errors: Array<Error> = []

  beforeAll(async () => {
    server = await spawnHttpServer()
    transport = new StreamableHTTPClientTransport(server.url, { fetch: recordingFetch(exchanges) })
    client = new Client({ name: "e2e-sdk-v2", version: "1.0.0" }, {
      capabilities: {},
      versionNegotiation: { mode: { pin: "2026-07-28" } }
    })
    client.onerror = (error) => errors.push(error)
    await client.connect(transport, { timeout: 10_000 })
  })

  afterAll(async () => {
    await client?.close().catch(() => undefined)
    killServer(server)
  })

  it("negotiates 2026-07-28 through server/discover, without initialize or a session", () => {
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28")
    expect(client.getProtocolEra()).toBe("modern")
    expect(client.getDiscoverResult()?.supportedVersions[0]).toBe("2026-07-28")
    expect(client.getServerVersion()).toMatchObject({ name: "mcx" })
    expect(posted(exchanges, "server/discover").length).toBe(1)
    expect(posted(exchanges, "initialize")).toEqual([])
    expect(transport.sessionId).toBeUndefined()
  })

  it("lists the demo tools, with the per-request _meta and headers of the era", async () => {
    const before = exchanges.length
    const { tools } = await client.listTools(undefined, { timeout: 10_000 })
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["echo", "add", "sleep", "fail"]))
    expect(tools.find((t) => t.name === "echo")?.outputSchema).toMatchObject({ type: "object", properties: { text: { type: "string" } } })
    const list = exchanges.slice(before).find((e) => e.body?.method === "tools/list")!
    expect(list.status).toBe(200)
    expect(list.body.params._meta["io.modelcontextprotocol/protocolVersion"]).toBe("2026-07-28")
    expect(list.headers.get("mcp-protocol-version")).toBe("2026-07-28")
    expect(list.headers.get("mcp-method")).toBe("tools/list")
    expect(list.headers.get("mcp-session-id")).toBeNull()
  })

  it("calls echo (structuredContent) and add", async () => {
    const echo = await client.callTool({ name: "echo", arguments: { text: "v2 over http" } }, { timeout: 10_000 })
    expect(echo).toMatchObject({ content: [{ type: "text", text: "v2 over http" }], structuredContent: { text: "v2 over http" } })
    expect(echo.isError).not.toBe(true)
    const add = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } }, { timeout: 10_000 })
    expect(add).toMatchObject({ content: [{ type: "text", text: "42" }], structuredContent: { sum: 42 } })
    const call = posted(exchanges, "tools/call").at(-1)!
    expect(call.status).toBe(200)
    expect(call.headers.get("mcp-name")).toBe("add")
  })

  it("receives progress of sleep", async () => {
    const updates: Array<Progress> = []
    const result = await client.callTool({ name: "sleep", arguments: { ms: 200 } }, {
      timeout: 10_000,
      onprogress: (p) => updates.push(p)
    })
    expect(result).toMatchObject({ structuredContent: { slept: 200 } })
    expect(updates.length).toBe(10)
    expect(updates.map((u) => u.progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(updates[0]).toMatchObject({ total: 10 })
  })

  it("cancels sleep through an AbortSignal: the call rejects at once, the server keeps serving", async () => {
    const controller = new AbortController()
    const started = Date.now()
    const call = client.callTool({ name: "sleep", arguments: { ms: 10_000 } }, { timeout: 20_000, signal: controller.signal })
    setTimeout(() => controller.abort("changed my mind"), 100)
    await expect(call).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await client.callTool({ name: "echo", arguments: { text: "after cancel" } }, { timeout: 10_000 })).toMatchObject({ structuredContent: { text: "after cancel" } })
  })

  it("reports the typed failure of fail as an error result", async () => {
    const result = await client.callTool({ name: "fail", arguments: { message: "nope" } }, { timeout: 10_000 })
    expect(result).toMatchObject({ isError: true, content: [{ type: "text", text: expect.stringContaining("nope") }] })
  })

  it("rejects an unknown tool", async () => {
    await expect(client.callTool({ name: "missing", arguments: {} }, { timeout: 10_000 })).rejects.toThrow()
  })

  it("lists and reads resources", async () => {
    const { resources } = await client.listResources(undefined, { timeout: 10_000 })
    expect(resources).toEqual(expect.arrayContaining([expect.objectContaining({ uri: "demo://about", name: "about", mimeType: "text/plain" })]))
    const { resourceTemplates } = await client.listResourceTemplates(undefined, { timeout: 10_000 })
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("demo://echo/{text}")
    const about = await client.readResource({ uri: "demo://about" }, { timeout: 10_000 })
    expect(about.contents).toEqual([
      expect.objectContaining({ uri: "demo://about", mimeType: "text/plain", text: expect.stringContaining("mcx demo server") })
    ])
    const echoed = await client.readResource({ uri: "demo://echo/hola" }, { timeout: 10_000 })
    expect(echoed.contents).toEqual([expect.objectContaining({ uri: "demo://echo/hola", text: "hola" })])
    const read = posted(exchanges, "resources/read").at(-1)!
    expect(read.headers.get("mcp-name")).toBe("demo://echo/hola")
  })

  it("lists and gets prompts", async () => {
    const { prompts } = await client.listPrompts(undefined, { timeout: 10_000 })
    const greet = prompts.find((p) => p.name === "greet")
    expect(greet?.arguments).toEqual(expect.arrayContaining([expect.objectContaining({ name: "name", required: true })]))
    const got = await client.getPrompt({ name: "greet", arguments: { name: "Ada" } }, { timeout: 10_000 })
    expect(got.messages).toEqual([{ role: "user", content: { type: "text", text: "Greet Ada in a casual way." } }])
  })

  it("completes a prompt argument", async () => {
    const result = await client.complete({ ref: { type: "ref/prompt", name: "greet" }, argument: { name: "style", value: "f" } }, { timeout: 10_000 })
    expect(result.completion.values).toEqual(["formal"])
  })

  it("made no session and had no transport errors", () => {
    expect(exchanges.every((e) => e.headers.get("mcp-session-id") === null)).toBe(true)
    expect(exchanges.filter((e) => e.status >= 400).map((e) => `${e.body?.method} ${e.status}`)).toEqual([])
    expect(errors).toEqual([])
  })
})

describe("the MCP SDK v2 client, 2025-11-25 (stateful) over Streamable HTTP", () => {
  let server: HttpServer
  let client: Client
  let transport: StreamableHTTPClientTransport
  const exchanges: Array<Exchange> = []

  beforeAll(async () => {
    server = await spawnHttpServer()
    transport = new StreamableHTTPClientTransport(server.url, { fetch: recordingFetch(exchanges) })
    client = new Client({ name: "e2e-sdk-v2-legacy", version: "1.0.0" }, { capabilities: {}, versionNegotiation: { mode: "legacy" } })
    await client.connect(transport, { timeout: 10_000 })
  })

  afterAll(async () => {
    await client?.close().catch(() => undefined)
    killServer(server)
  })

  it("initializes a session at 2025-11-25", () => {
    expect(client.getNegotiatedProtocolVersion()).toBe("2025-11-25")
    expect(client.getProtocolEra()).toBe("legacy")
    expect(client.getServerVersion()).toMatchObject({ name: "mcx" })
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(posted(exchanges, "initialize").length).toBe(1)
    expect(posted(exchanges, "server/discover")).toEqual([])
  })

  it("calls echo and sleep with progress in the session", async () => {
    const echo = await client.callTool({ name: "echo", arguments: { text: "stateful" } }, { timeout: 10_000 })
    expect(echo).toMatchObject({ structuredContent: { text: "stateful" } })
    const updates: Array<Progress> = []
    const slept = await client.callTool({ name: "sleep", arguments: { ms: 100 } }, { timeout: 10_000, onprogress: (p) => updates.push(p) })
    expect(slept).toMatchObject({ structuredContent: { slept: 100 } })
    expect(updates.length).toBe(10)
    const call = posted(exchanges, "tools/call").at(-1)!
    expect(call.headers.get("mcp-session-id")).toBe(transport.sessionId)
    expect(call.headers.get("mcp-protocol-version")).toBe("2025-11-25")
    expect(call.body.params._meta?.["io.modelcontextprotocol/protocolVersion"]).toBeUndefined()
  })
})

describe("the MCP SDK v2 client against mcx serve --demo: elicitation and sampling in both eras", () => {
  let server: HttpServer
  beforeAll(async () => {
    server = await spawnHttpServer()
  })
  afterAll(() => killServer(server))

  for (const mode of [{ pin: "2026-07-28" } as const, "legacy" as const]) {
    it(`ask and summarize are answered by the client's handlers (${typeof mode === "string" ? mode : mode.pin})`, async () => {
      const client = new Client({ name: "e2e-sdk-v2-demo", version: "1.0.0" }, {
        capabilities: { elicitation: { form: {} }, sampling: {} },
        versionNegotiation: { mode }
      })
      const seen: Array<string> = []
      client.setRequestHandler("elicitation/create", async (request) => {
        seen.push(request.params.message)
        return { action: "accept" as const, content: { name: "Grace" } }
      })
      client.setRequestHandler("sampling/createMessage", async () => ({
        model: "test-model",
        role: "assistant" as const,
        content: { type: "text" as const, text: "short." }
      }))
      await client.connect(new StreamableHTTPClientTransport(server.url), { timeout: 10_000 })
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(typeof mode === "string" ? "2025-11-25" : "2026-07-28")
        expect(await client.callTool({ name: "ask", arguments: {} }, { timeout: 15_000 })).toMatchObject({ content: [{ type: "text", text: "Hello, Grace!" }] })
        expect(await client.callTool({ name: "summarize", arguments: { text: "a long text" } }, { timeout: 15_000 }))
          .toMatchObject({ content: [{ type: "text", text: "short." }] })
        expect(seen).toEqual(["What is your name?"])
      } finally {
        await client.close()
      }
    })
  }
})

describe("the MCP SDK v2 client, 'auto' negotiation", () => {
  let server: HttpServer
  beforeAll(async () => {
    server = await spawnHttpServer()
  })
  afterAll(() => killServer(server))

  it("picks 2026-07-28 through server/discover", async () => {
    const client = new Client({ name: "e2e-sdk-v2-auto", version: "1.0.0" }, { capabilities: {}, versionNegotiation: { mode: "auto" } })
    await client.connect(new StreamableHTTPClientTransport(server.url), { timeout: 10_000 })
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28")
      const echo = await client.callTool({ name: "echo", arguments: { text: "auto" } }, { timeout: 10_000 })
      expect(echo).toMatchObject({ structuredContent: { text: "auto" } })
    } finally {
      await client.close()
    }
  })
})

/** Asks for a name (elicitation), then samples the client's model with it: two input rounds. */
const Interview = Tool.make("interview", { input: Schema.Struct({ topic: Schema.String }) }, ({ topic }) =>
  Effect.gen(function*() {
    const context = yield* ToolContext
    const answer = yield* context.elicit(`Who is asking about ${topic}?`, Schema.Struct({ name: Schema.String }))
    if (answer.action !== "accept") return `no name: ${answer.action}`
    const sampled = yield* context.sample({
      messages: [{ role: "user", content: { type: "text", text: `Say hi to ${answer.content.name}` } }],
      maxTokens: 50
    })
    const content = Array.isArray(sampled.content) ? sampled.content[0] : sampled.content
    const text = content?.type === "text" ? content.text : String(content?.type)
    return `${answer.content.name} / ${text}`
  }).pipe(Effect.catchAll((error) => Effect.succeed(`error: ${error._tag}`))))

describe("the MCP SDK v2 client, 2026-07-28 input-required rounds (in-process server)", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await start()
    await Effect.runPromise(server.server.addTool(Interview))
  })
  afterAll(() => server?.close())

  const connect = async (elicit: (message: string) => { action: "accept"; content: { name: string } } | { action: "decline" }) => {
    const exchanges: Array<Exchange> = []
    const client = new Client({ name: "e2e-sdk-v2-input", version: "1.0.0" }, {
      capabilities: { elicitation: { form: {} }, sampling: {} },
      versionNegotiation: { mode: { pin: "2026-07-28" } }
    })
    const seen: Array<string> = []
    client.setRequestHandler("elicitation/create", async (request) => {
      seen.push(`elicit: ${request.params.message}`)
      return elicit(request.params.message)
    })
    client.setRequestHandler("sampling/createMessage", async (request) => {
      const first = request.params.messages[0]!.content
      seen.push(`sample: ${!Array.isArray(first) && first.type === "text" ? first.text : "?"}`)
      return { model: "test-model", role: "assistant" as const, content: { type: "text" as const, text: "hello!" } }
    })
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { fetch: recordingFetch(exchanges) }), { timeout: 10_000 })
    return { client, exchanges, seen }
  }

  it("answers elicitation and sampling through the client's handlers, retrying with requestState", async () => {
    const { client, exchanges, seen } = await connect(() => ({ action: "accept", content: { name: "Ada" } }))
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28")
      const result = await client.callTool({ name: "interview", arguments: { topic: "cats" } }, { timeout: 15_000 })
      expect(result).toMatchObject({ content: [{ type: "text", text: "Ada / hello!" }] })
      expect(result.isError).not.toBe(true)
      expect(seen).toEqual(["elicit: Who is asking about cats?", "sample: Say hi to Ada"])
      const calls = posted(exchanges, "tools/call")
      expect(calls.length).toBe(3)
      expect(calls[0]!.body.params.requestState).toBeUndefined()
      expect(typeof calls[1]!.body.params.requestState).toBe("string")
      expect(Object.values(calls[1]!.body.params.inputResponses)).toEqual([{ action: "accept", content: { name: "Ada" } }])
      expect(Object.keys(calls[2]!.body.params.inputResponses).length).toBeGreaterThanOrEqual(1)
      expect(new Set(calls.map((c) => c.body.id)).size).toBe(3)
    } finally {
      await client.close()
    }
  })

  it("carries a declined elicitation back to the tool", async () => {
    const { client, seen } = await connect(() => ({ action: "decline" }))
    try {
      const result = await client.callTool({ name: "interview", arguments: { topic: "dogs" } }, { timeout: 15_000 })
      expect(result).toMatchObject({ content: [{ type: "text", text: "no name: decline" }] })
      expect(seen).toEqual(["elicit: Who is asking about dogs?"])
    } finally {
      await client.close()
    }
  })
})
