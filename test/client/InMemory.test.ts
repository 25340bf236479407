import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Demo from "../../src/cli/demo.js"
import * as Connector from "../../src/client/Connector.js"
import * as Elicitor from "../../src/client/Elicitor.js"
import * as McpClient from "../../src/client/McpClient.js"
import * as Roots from "../../src/client/Roots.js"
import * as Sampler from "../../src/client/Sampler.js"
import * as McpServer from "../../src/server/McpServer.js"
import * as Tool from "../../src/server/Tool.js"
import * as InMemory from "../../src/transport/InMemory.js"
import type { Transport } from "../../src/transport/Transport.js"
import { ToolContext } from "../../src/server/ToolContext.js"

const Profile = Schema.Struct({
  name: Schema.String.annotations({ default: "Ada" }),
  age: Schema.Int
})

/** Tools that send requests back to the client, answered by the client's services. */
const asking = [
  Tool.make("ask", { input: Schema.Struct({}), output: Schema.Struct({ answer: Schema.String }) }, () =>
    Effect.flatMap(ToolContext, (context) => context.elicit("Who are you?", Profile)).pipe(
      Effect.map((answer) => ({ answer: JSON.stringify(answer) })),
      Effect.orDie
    )),
  Tool.make("sample", { input: Schema.Struct({}), output: Schema.Struct({ text: Schema.String }) }, () =>
    Effect.flatMap(ToolContext, (context) => context.sample({ messages: [{ role: "user", content: { type: "text", text: "Hi" } }], maxTokens: 10 })).pipe(
      Effect.map((result) => ({ text: (result.content as { text: string }).text })),
      Effect.orDie
    )),
  Tool.make("roots", { input: Schema.Struct({}), output: Schema.Struct({ uris: Schema.Array(Schema.String) }) }, () =>
    Effect.flatMap(ToolContext, (context) => context.listRoots()).pipe(
      Effect.map((roots) => ({ uris: roots.map((root) => root.uri) })),
      Effect.orDie
    ))
]

const server = McpServer.layer({ name: "demo", version: "1.0.0" }, { tools: [...Demo.tools, ...asking], ...Demo.features, pageSize: 2 })

const handlers = Layer.mergeAll(
  Elicitor.layerAcceptDefaults({ age: 36 }),
  Sampler.layer((params) =>
    Effect.succeed({ role: "assistant" as const, model: "test", content: { type: "text" as const, text: `you said ${(params.messages[0]!.content as { text: string }).text}` } })),
  Roots.layer([{ uri: "file:///work", name: "work" }])
)

const clientOf = (options: McpClient.Options = {}) => McpClient.layerInMemory(server, options).pipe(Layer.provide(handlers))

for (const version of ["2026-07-28", "2025-11-25", "2025-06-18"] as const) {
  describe(`McpClient in memory, ${version}`, () => {
    const provided = <A, E>(effect: Effect.Effect<A, E, McpClient.McpClient>) => Effect.provide(effect, clientOf({ protocolVersion: version }))

    it.scoped("negotiates the version and lists every primitive across pages", () =>
      provided(Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        expect(yield* client.protocolVersion).toBe(version)
        expect((yield* client.serverCapabilities).tools).toBeDefined()
        expect((yield* client.listTools).map((t) => t.name)).toEqual(["echo", "add", "sleep", "fail", "ask", "sample", "roots"])
        expect((yield* client.listResources).map((r) => r.uri)).toEqual(["demo://about"])
        expect((yield* client.listResourceTemplates).map((t) => t.uriTemplate)).toEqual(["demo://echo/{text}"])
        expect((yield* client.listPrompts).map((p) => p.name)).toEqual(["greet"])
      })))

    it.scoped("reads, gets prompts, completes and calls tools", () =>
      provided(Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const read = yield* client.readResource("demo://echo/bonjour")
        expect(read.contents[0]).toMatchObject({ uri: "demo://echo/bonjour", text: "bonjour" })
        const prompt = yield* client.getPrompt("greet", { name: "Ada", style: "formal" })
        expect(prompt.messages[0]!.content).toMatchObject({ text: "Greet Ada in a formal way." })
        const completion = yield* client.complete({ ref: { type: "ref/prompt", name: "greet" }, argument: { name: "style", value: "f" } })
        expect(completion.completion.values).toEqual(["formal"])
        const failed = yield* client.callTool("fail", { message: "no" })
        expect(failed.isError).toBe(true)
        const typedFailure = yield* Effect.flip(client.tool(Demo.Fail)({ message: "nope" }))
        expect(typedFailure).toMatchObject({ _tag: "ToolError", tool: "fail" })
        expect(yield* client.tool(Demo.Add)({ a: 1, b: 2 })).toEqual({ sum: 3 })
      })))

    it.scoped("answers elicitation, sampling and roots with the client's services", () =>
      provided(Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const call = <A>(name: string) => Effect.map(client.callTool(name), (r) => r.structuredContent as A)
        expect(yield* call<{ answer: string }>("ask")).toEqual({ answer: JSON.stringify({ action: "accept", content: { name: "Ada", age: 36 } }) })
        expect(yield* call<{ text: string }>("sample")).toEqual({ text: "you said Hi" })
        expect(yield* call<{ uris: Array<string> }>("roots")).toEqual({ uris: ["file:///work"] })
      })))
  })
}

describe("McpClient in memory, behaviour", () => {
  it.scopedLive("streams progress then the result of a call", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(client.callToolStream("sleep", { ms: 20 })))
      const progress = events.filter((e) => e._tag === "Progress")
      expect(progress.map((e) => e._tag === "Progress" && e.progress.progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      expect(events.at(-1)).toMatchObject({ _tag: "Result", result: { structuredContent: { slept: 20 } } })
    }).pipe(Effect.provide(clientOf({ protocolVersion: "2025-11-25" }))))

  it.scopedLive("interrupting a call cancels it at the server", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const Hang = Tool.make("hang", { input: Schema.Struct({}) }, () =>
        Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))))
      const layer = McpClient.layerInMemory(McpServer.layer({ name: "hang", version: "1" }, { tools: [Hang] }), { protocolVersion: "2025-11-25" })
      yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const call = yield* Effect.fork(client.callTool("hang"))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(call)
        yield* Deferred.await(interrupted)
      }).pipe(Effect.provide(layer))
    }))

  it.scoped("fails before sending when the server lacks the capability", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const error = yield* Effect.flip(client.tasks.list)
      expect(error).toMatchObject({ _tag: "MissingCapability", method: "tasks/list", capability: "tasks.list" })
    }).pipe(Effect.provide(clientOf({ protocolVersion: "2025-11-25" }))))

  it.scopedLive("delivers resource updates to a subscription", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const mcp = yield* McpServer.McpServer
      const updates = yield* Effect.fork(Stream.runCollect(Stream.take(client.subscribe("demo://about"), 2)))
      // Updates sent before the subscription is in place are lost: keep sending until two arrive.
      yield* Effect.zipRight(mcp.notifyResourceUpdated("demo://other"), mcp.notifyResourceUpdated("demo://about")).pipe(
        Effect.zipRight(Effect.sleep("5 millis")),
        Effect.repeat({ until: () => updates.unsafePoll() !== null })
      )
      const received = Chunk.toReadonlyArray(yield* Fiber.join(updates))
      expect(received.map((update) => update.uri)).toEqual(["demo://about", "demo://about"])
    }).pipe(Effect.provide(McpClient.layer(Connector.inMemory, { protocolVersion: "2025-11-25" }).pipe(Layer.provideMerge(server)))))

  it.scopedLive("runs a tool as a task (2025-11-25) and follows it with tasks/get, tasks/result, tasks/list", () =>
    Effect.gen(function*() {
      const Later = Tool.make("later", { input: Schema.Struct({ text: Schema.String }), execution: { taskSupport: "optional" } }, ({ text }) => Effect.succeed(`later: ${text}`))
      const layer = McpClient.layerInMemory(McpServer.layer({ name: "tasks", version: "1" }, { tools: [Later] }), { protocolVersion: "2025-11-25" })
      yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        const task = yield* client.callToolAsTask("later", { text: "hi" }, { ttl: 60_000 })
        const result = yield* client.tasks.result(task.taskId)
        expect((result.content as Array<{ text: string }>)[0]!.text).toBe("later: hi")
        expect((yield* client.tasks.get(task.taskId)).status).toBe("completed")
        expect((yield* client.tasks.list).map((t) => t.taskId)).toContain(task.taskId)
      }).pipe(Effect.provide(layer))
    }))

  it.scopedLive("times a call out with ProtocolError Timeout; the connection stays usable", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const error = yield* Effect.flip(client.callTool("sleep", { ms: 60_000 }, { timeoutMs: 20 }))
      expect(error).toMatchObject({ _tag: "ProtocolError", reason: "Timeout", method: "tools/call" })
      yield* client.ping
    }).pipe(Effect.provide(clientOf({ protocolVersion: "2025-11-25" }))))

  it.scopedLive("subscribes through subscriptions/listen in 2026-07-28", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      const mcp = yield* McpServer.McpServer
      expect(yield* client.protocolVersion).toBe("2026-07-28")
      const updates = yield* Effect.fork(Stream.runCollect(Stream.take(client.subscribe("demo://about"), 1)))
      yield* mcp.notifyResourceUpdated("demo://about").pipe(
        Effect.zipRight(Effect.sleep("5 millis")),
        Effect.repeat({ until: () => updates.unsafePoll() !== null })
      )
      expect(Chunk.toReadonlyArray(yield* Fiber.join(updates)).map((update) => update.uri)).toEqual(["demo://about"])
    }).pipe(Effect.provide(McpClient.layer(Connector.inMemory).pipe(Layer.provideMerge(server)))))

  it.scopedLive("after a crash mid-call, retries the idempotent call in flight and reports the other one", () =>
    Effect.gen(function*() {
      const calls = { safe: 0, unsafe: 0 }
      const bothStarted = yield* Deferred.make<void>()
      const started = () => calls.safe + calls.unsafe === 2 ? Deferred.succeed(bothStarted, undefined) : Effect.void
      // The first call of each hangs (until the crash); a repeated call answers at once.
      const hangOnce = (name: "safe" | "unsafe", idempotentHint: boolean) =>
        Tool.make(name, { input: Schema.Struct({}), annotations: { idempotentHint } }, () =>
          Effect.suspend(() => ++calls[name] === 1 ? Effect.zipRight(started(), Effect.never) : Effect.succeed(`${name} again`)))
      const server = McpServer.layer({ name: "crashing", version: "1" }, { tools: [hangOnce("safe", true), hangOnce("unsafe", false)] })
      // Each connection's server side is kept, so that the test can drop it (a crash).
      const serverSides: Array<Transport> = []
      const crashable: Connector.Connector<McpServer.McpServer> = Effect.gen(function*() {
        const mcp = yield* McpServer.McpServer
        const [client, serverSide] = InMemory.makePair()
        serverSides.push(serverSide)
        const connection = yield* mcp.connect(serverSide)
        yield* Effect.forkScoped(connection.run)
        return { transport: client }
      })
      const layer = McpClient.layer(crashable, { protocolVersion: "2025-11-25", reconnect: Schedule.recurs(3) }).pipe(Layer.provide(server))
      yield* Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        yield* client.listTools
        const safe = yield* Effect.fork(client.callTool("safe"))
        const unsafe = yield* Effect.fork(client.callTool("unsafe"))
        yield* Deferred.await(bothStarted)
        yield* serverSides[0]!.close
        expect((yield* Fiber.join(safe)).content).toEqual([{ type: "text", text: "safe again" }])
        expect(yield* Effect.flip(Fiber.join(unsafe))).toMatchObject({ _tag: "ConnectionLost", method: "tools/call" })
        expect(calls).toEqual({ safe: 2, unsafe: 1 })
        expect(yield* client.state).toMatchObject({ _tag: "Connected", generation: 2 })
      }).pipe(Effect.provide(layer))
    }))
})
