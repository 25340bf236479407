/**
 * Tool management over the wire: a real Streamable HTTP server on 127.0.0.1 (in this process)
 * and the official MCP SDK client. Versions and discovery `_meta` in tools/list, pinned
 * versions, deprecation `_meta`, timeouts, a drained inline call, overload refusals, idempotency keys,
 * list_changed for tools added at runtime, and isolated tools whose worker runs out of memory.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as HttpServer from "@effect/platform/HttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as McpServer from "../../src/server/McpServer.js"
import * as Tool from "../../src/server/Tool.js"
import * as StreamableHttp from "../../src/transport/StreamableHttp.js"

let runs = 0
let releaseGate: () => void = () => {}
const gate = () => new Promise<void>((resolve) => {
  releaseGate = resolve
})
let opened = gate()

const greet = (version: string, deprecated?: Tool.Deprecation) =>
  Tool.make("greet", {
    description: "Greets",
    input: Schema.Struct({ name: Schema.String }),
    version,
    ...(deprecated === undefined ? {} : { deprecated })
  }, ({ name }) => Effect.succeed(`hello ${name} from ${version}`))

const tools = [
  greet("1.0.0", { message: "use 2.x", sunset: "2999-01-01" }),
  greet("2.0.0"),
  Tool.make("charge", { input: Schema.Struct({ amount: Schema.Number }), annotations: { idempotentHint: true } }, ({ amount }) =>
    Effect.promise(() => opened).pipe(Effect.as(`charged ${amount} (run ${++runs})`))),
  Tool.make("single", { input: Schema.Struct({}), maxConcurrency: 1 }, () => Effect.promise(() => opened).pipe(Effect.as("single done"))),
  Tool.make("sleepy", { input: Schema.Struct({}), timeoutMs: 50 }, () => Effect.never),
  Tool.make("hung", { input: Schema.Struct({}) }, () => Effect.never),
  ...(["allocate", "square"] as const).map((exportName) =>
    Tool.isolated(exportName, {
      input: Schema.Struct({ n: Schema.Number }),
      output: Schema.Struct({ value: Schema.Number, threadId: Schema.Number }),
      module: new URL("./fixtures/isolated.mjs", import.meta.url),
      export: exportName,
      memoryMb: 32,
      poolSize: 1
    }))
]

describe("tool management through the official SDK client over Streamable HTTP", () => {
  let mcp: ManagedRuntime.ManagedRuntime<McpServer.McpServer, never>
  let http: ManagedRuntime.ManagedRuntime<HttpServer.HttpServer, unknown>
  let server: McpServer.Service
  let client: Client
  const changes: Array<string> = []

  beforeAll(async () => {
    mcp = ManagedRuntime.make(McpServer.layer({ name: "tools-test", version: "1.0.0" }, { tools, toolManager: { retryAfterMs: 750 } }))
    server = await mcp.runPromise(McpServer.McpServer)
    http = ManagedRuntime.make(StreamableHttp.layer({ port: 0 }).pipe(Layer.provide(Layer.succeed(McpServer.McpServer, server))))
    const address = await http.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
    if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
    client = new Client({ name: "sdk", version: "1.0.0" })
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes.push("tools")
    })
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${address.port}/mcp`)))
  })
  afterAll(async () => {
    releaseGate()
    await client?.close()
    await http?.dispose()
    await mcp?.dispose()
  })

  it("lists the default version with its management _meta; pins and deprecation go through _meta", async () => {
    const { tools: listed } = await client.listTools()
    const greetTool = listed.find((t) => t.name === "greet")!
    expect(greetTool._meta?.["machine-context/tool"]).toEqual({
      version: "2.0.0",
      versions: ["2.0.0", "1.0.0"],
      state: "ready",
      health: "healthy",
      capabilities: [],
      breaker: "closed",
      inFlight: 0
    })
    expect(listed.find((t) => t.name === "charge")?._meta?.["machine-context/tool"]).toMatchObject({ capabilities: ["idempotent"] })
    const latest = await client.callTool({ name: "greet", arguments: { name: "ada" } })
    expect(latest.content).toEqual([{ type: "text", text: "hello ada from 2.0.0" }])
    const pinned = await client.callTool({ name: "greet", arguments: { name: "ada" }, _meta: { "machine-context/toolVersion": "1.0.0" } })
    expect(pinned.content).toEqual([{ type: "text", text: "hello ada from 1.0.0" }])
    expect(pinned._meta?.["machine-context/deprecation"]).toEqual({ message: "use 2.x", sunset: "2999-01-01" })
    const unknown = await client.callTool({ name: "greet", arguments: { name: "ada" }, _meta: { "machine-context/toolVersion": "3.0.0" } }).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(McpError)
    expect((unknown as McpError).code).toBe(-32602)
    expect((unknown as McpError).data).toEqual({ name: "greet", version: "3.0.0", versions: ["2.0.0", "1.0.0"] })
  })

  it("a call past its timeout is an error result the model can read", async () => {
    const result = await client.callTool({ name: "sleepy", arguments: {} })
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toEqual({ error: "ToolTimeout", name: "sleepy", timeoutMs: 50 })
  })

  it("a call without a timeout (inline in its request) cut off by a drain still gets an error answer", async () => {
    const call = client.callTool({ name: "hung", arguments: {} }).catch((e: unknown) => e)
    while ((server.toolManager.find("hung")?.inFlight ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(await mcp.runPromise(server.toolManager.unregister("hung", { drainTimeoutMs: 20 }))).toBe(true)
    const answer = await call
    expect(answer).toBeInstanceOf(McpError)
    expect((answer as McpError).code).toBe(-32603)
    expect((answer as McpError).message).toContain("Request interrupted")
  })

  it("refuses a call beyond the tool's concurrency as overloaded, with a retry-after hint", async () => {
    opened = gate()
    const first = client.callTool({ name: "single", arguments: {} })
    // The first call is admitted before the second is sent: wait until it is in flight.
    for (let i = 0; i < 1000 && server.toolManager.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 10))
    const refused = await client.callTool({ name: "single", arguments: {} }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(McpError)
    expect((refused as McpError).code).toBe(-32000)
    expect((refused as McpError).data).toEqual({ retryAfterMs: 750, tool: "single" })
    releaseGate()
    expect((await first).content).toEqual([{ type: "text", text: "single done" }])
  })

  it("concurrent calls with one idempotency key run the tool once", async () => {
    opened = gate()
    const before = runs
    const meta = { "machine-context/idempotencyKey": "order-17" }
    const calls = [1, 2, 3].map(() => client.callTool({ name: "charge", arguments: { amount: 9 }, _meta: meta }))
    for (let i = 0; i < 1000 && server.toolManager.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 10))
    releaseGate()
    const results = await Promise.all(calls)
    expect(runs - before).toBe(1)
    expect(new Set(results.map((r) => JSON.stringify(r.content))).size).toBe(1)
    const again = await client.callTool({ name: "charge", arguments: { amount: 9 }, _meta: meta })
    expect(again.content).toEqual(results[0]!.content)
    expect(runs - before).toBe(1)
  })

  it("tools added and removed at runtime reach the client with list_changed", async () => {
    const seen = changes.length
    await mcp.runPromise(server.addTool(greet("3.0.0")))
    for (let i = 0; i < 1000 && changes.length === seen; i++) await new Promise((r) => setTimeout(r, 10))
    expect(changes.length).toBeGreaterThan(seen)
    const { tools: listed } = await client.listTools()
    expect(listed.find((t) => t.name === "greet")?._meta?.["machine-context/tool"]).toMatchObject({ version: "3.0.0", versions: ["3.0.0", "2.0.0", "1.0.0"] })
    await mcp.runPromise(server.toolManager.unregister("greet", { version: "3.0.0" }))
    const after = await client.callTool({ name: "greet", arguments: { name: "bo" } })
    expect(after.content).toEqual([{ type: "text", text: "hello bo from 2.0.0" }])
  })

  it("answers an error result when an isolated tool runs out of memory; the server keeps serving", async () => {
    const hog = await client.callTool({ name: "allocate", arguments: { n: 0 } })
    expect(hog.isError).toBe(true)
    expect(JSON.stringify(hog.content)).toMatch(/memory/)
    const square = await client.callTool({ name: "square", arguments: { n: 3 } })
    expect(square.isError).toBeFalsy()
    expect(square.structuredContent).toMatchObject({ value: 9 })
    expect((await client.callTool({ name: "allocate", arguments: { n: 1 } })).isError).toBe(true)
  })
})
