/**
 * The client against the official reference server, `@modelcontextprotocol/server-everything`,
 * spawned over stdio and over Streamable HTTP (on 127.0.0.1 only: a preloaded module binds its
 * listener to loopback): every request type, a subscription, progress, cancellation, and the
 * server's sampling, elicitation and roots requests answered by the client's services.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import * as Elicitor from "../../src/client/Elicitor.js"
import * as McpClient from "../../src/client/McpClient.js"
import * as Roots from "../../src/client/Roots.js"
import * as Sampler from "../../src/client/Sampler.js"
import type { CallToolResult } from "../../src/schema/tools.js"

const everything = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js")

const handlers = Layer.mergeAll(
  Elicitor.layerAcceptDefaults({ name: "Ada Lovelace", check: true }),
  Sampler.layer(() => Effect.succeed({ role: "assistant" as const, model: "test-model", content: { type: "text" as const, text: "sampled by the client" } })),
  Roots.layer([{ uri: "file:///tmp/project", name: "project" }])
)

const stdio = McpClient.layerStdio({ command: process.execPath, args: [everything, "stdio"], stderr: "ignore" }).pipe(Layer.provide(handlers))

/** A free port on 127.0.0.1 (closed again at once, for the reference server to take). */
const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** The reference server over Streamable HTTP, bound to 127.0.0.1, killed by its PID when the scope closes. */
const everythingHttp = Effect.gen(function*() {
  const port = yield* freePort
  const loopback = fileURLToPath(new URL("./support/loopback-listen.mjs", import.meta.url))
  const child = yield* Effect.acquireRelease(
    Effect.sync(() => spawn(process.execPath, ["--import", loopback, everything, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] })),
    (child) => Effect.sync(() => child.kill("SIGKILL"))
  )
  yield* Effect.async<void, Error>((resume) => {
    let stderr = ""
    child.stderr!.setEncoding("utf8")
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk
      if (stderr.includes("listening on port")) resume(Effect.void)
    })
    child.once("exit", (code) => resume(Effect.fail(new Error(`server-everything exited with ${code}: ${stderr}`))))
  }).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("server-everything did not start") }))
  return `http://127.0.0.1:${port}/mcp`
})

const http = Layer.unwrapScoped(Effect.map(everythingHttp, (url) => McpClient.layerHttp({ url }))).pipe(Layer.provide(handlers))

const text = (result: CallToolResult) => result.content.flatMap((block) => block.type === "text" ? [block.text] : []).join("\n")

for (const [transport, client] of [["stdio", stdio], ["Streamable HTTP", http]] as const) {
  describe(`McpClient against server-everything over ${transport}`, () => {
    it.scopedLive("negotiates, lists and calls, reads, gets prompts, completes, pings", () =>
      Effect.gen(function*() {
        const mcp = yield* McpClient.McpClient
        expect(yield* mcp.protocolVersion).toBe("2025-11-25")
        expect((yield* mcp.serverInfo)?.name).toContain("everything")
        yield* mcp.ping
        const tools = (yield* mcp.listTools).map((tool) => tool.name)
        expect(tools).toEqual(expect.arrayContaining(["echo", "get-sum", "trigger-sampling-request", "trigger-elicitation-request", "get-roots-list"]))
        expect(text(yield* mcp.callTool("echo", { message: "hello" }))).toContain("hello")
        expect(text(yield* mcp.callTool("get-sum", { a: 2, b: 40 }))).toContain("42")
        const resources = yield* mcp.listResources
        expect(resources.length).toBeGreaterThan(0)
        const read = yield* mcp.readResource(resources[0]!.uri)
        expect(read.contents[0]!.uri).toBe(resources[0]!.uri)
        expect((yield* mcp.listResourceTemplates).length).toBeGreaterThan(0)
        const prompts = (yield* mcp.listPrompts).map((prompt) => prompt.name)
        expect(prompts).toEqual(expect.arrayContaining(["simple-prompt", "completable-prompt"]))
        expect((yield* mcp.getPrompt("simple-prompt")).messages.length).toBeGreaterThan(0)
        const completion = yield* mcp.complete({ ref: { type: "ref/prompt", name: "completable-prompt" }, argument: { name: "department", value: "Eng" } })
        expect(completion.completion.values).toEqual(["Engineering"])
        yield* mcp.setLogLevel("debug")
      }).pipe(Effect.provide(client)), { timeout: 60_000 })

    it.scopedLive("answers sampling, elicitation and roots requests with the client's services", () =>
      Effect.gen(function*() {
        const mcp = yield* McpClient.McpClient
        yield* mcp.listTools
        expect(text(yield* mcp.callTool("trigger-sampling-request", { prompt: "hi", maxTokens: 5 }))).toContain("sampled by the client")
        const elicited = text(yield* mcp.callTool("trigger-elicitation-request"))
        expect(elicited).toContain("Ada Lovelace")
        expect(text(yield* mcp.callTool("get-roots-list"))).toContain("file:///tmp/project")
      }).pipe(Effect.provide(client)), { timeout: 60_000 })

    it.scopedLive("reports progress, cancels by interruption, and delivers subscribed updates", () =>
      Effect.gen(function*() {
        const mcp = yield* McpClient.McpClient
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(
          mcp.callToolStream("trigger-long-running-operation", { duration: 0.2, steps: 2 })
        ))
        expect(events.filter((event) => event._tag === "Progress").map((event) => event._tag === "Progress" && event.progress.progress)).toEqual([1, 2])
        expect(events.at(-1)?._tag).toBe("Result")

        const long = yield* Effect.fork(mcp.callTool("trigger-long-running-operation", { duration: 600, steps: 600 }, { onProgress: () => undefined }))
        yield* Fiber.interrupt(long)
        // The connection is still usable after the cancellation.
        yield* mcp.ping

        const uri = (yield* mcp.listResources)[0]!.uri
        const updates = yield* Effect.fork(Stream.runCollect(Stream.take(mcp.subscribe(uri), 1)))
        yield* mcp.ping
        yield* mcp.callTool("toggle-subscriber-updates")
        expect(Chunk.toReadonlyArray(yield* Fiber.join(updates))).toEqual([{ uri }])
      }).pipe(Effect.provide(client)), { timeout: 60_000 })
  })
}
