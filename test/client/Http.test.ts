import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { AuthError, type AuthProvider } from "../../src/client/AuthProvider.js"
import * as McpDemo from "../../src/cli/demo.js"
import * as McpClient from "../../src/client/McpClient.js"
import { RequestContext } from "../../src/protocol/RequestContext.js"
import * as Tool from "../../src/server/Tool.js"
import { authorizingProxy, type Served, serveDemo } from "./support.js"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const started = async (port = 0) => {
  const served = await serveDemo(port)
  cleanups.push(served.close)
  return served
}

/** Runs `body` with a client of `url`. */
const withClient = <A, E>(url: string, options: McpClient.Options, body: (client: McpClient.Service) => Effect.Effect<A, E>, auth?: AuthProvider) =>
  Effect.flatMap(McpClient.McpClient, body).pipe(
    Effect.provide(McpClient.layerHttp(auth === undefined ? { url } : { url, auth }, options)),
    Effect.runPromise
  )

const fastReconnect = Schedule.spaced("20 millis").pipe(Schedule.intersect(Schedule.recurs(50)))

describe("McpClient over Streamable HTTP", () => {
  for (const version of ["2026-07-28", "2025-11-25", "2025-03-26"] as const) {
    it(`lists, calls with progress and reads in ${version}`, async () => {
      const served = await started()
      await withClient(served.url, { protocolVersion: version }, (client) =>
        Effect.gen(function*() {
          expect(yield* client.protocolVersion).toBe(version)
          expect((yield* client.listTools).map((t) => t.name)).toEqual(["echo", "add", "sleep", "fail"])
          const events = Chunk.toReadonlyArray(yield* Stream.runCollect(client.callToolStream("sleep", { ms: 10 })))
          expect(events.filter((e) => e._tag === "Progress")).toHaveLength(10)
          expect(events.at(-1)).toMatchObject({ _tag: "Result", result: { structuredContent: { slept: 10 } } })
          const read = yield* client.readResource("demo://about")
          expect(read.contents[0]!.uri).toBe("demo://about")
          expect((yield* client.getPrompt("greet", { name: "Bo" })).messages).toHaveLength(1)
        }))
    })
  }

  it("negotiates 2026-07-28 through server/discover when not pinned", async () => {
    const served = await started()
    const version = await withClient(served.url, {}, (client) => client.protocolVersion)
    expect(version).toBe("2026-07-28")
  })

  it("receives resource updates on the session's GET stream", async () => {
    const served = await started()
    await withClient(served.url, { protocolVersion: "2025-11-25" }, (client) =>
      Effect.gen(function*() {
        const updates = yield* Effect.fork(Stream.runCollect(Stream.take(client.subscribe("demo://about"), 1)))
        yield* served.server.notifyResourceUpdated("demo://about").pipe(
          Effect.zipRight(Effect.sleep("10 millis")),
          Effect.repeat({ until: () => updates.unsafePoll() !== null })
        )
        expect(Chunk.toReadonlyArray(yield* Fiber.join(updates))).toEqual([{ uri: "demo://about" }])
      }))
  })

  it("survives a server restart: re-initializes, re-subscribes, retries only safe calls", async () => {
    const first = await serveDemo()
    let second: Served | undefined
    try {
      await withClient(first.url, { protocolVersion: "2025-11-25", reconnect: fastReconnect }, (client) =>
        Effect.gen(function*() {
          yield* client.listTools
          const updates = yield* Effect.fork(Stream.runCollect(Stream.take(client.subscribe("demo://about"), 1)))
          yield* Effect.promise(() => first.close())
          second = yield* Effect.promise(() => serveDemo(first.port))
          const restarted = second
          // `echo` is annotated idempotent: sent again on the new session.
          expect(yield* client.tool(McpDemo.Echo)({ text: "again" })).toEqual({ text: "again" })
          expect(yield* client.state).toMatchObject({ _tag: "Connected", generation: 2 })
          // The subscription was restored on the new session.
          yield* restarted.server.notifyResourceUpdated("demo://about").pipe(
            Effect.zipRight(Effect.sleep("10 millis")),
            Effect.repeat({ until: () => updates.unsafePoll() !== null })
          )
          expect(Chunk.toReadonlyArray(yield* Fiber.join(updates))).toEqual([{ uri: "demo://about" }])

          yield* Effect.promise(() => restarted.close())
          second = yield* Effect.promise(() => serveDemo(first.port))
          // `sleep` is not idempotent: reported as failed, not sent again.
          const lost = yield* Effect.flip(client.callTool("sleep", { ms: 0 }))
          expect(lost).toMatchObject({ _tag: "ConnectionLost", method: "tools/call" })
          expect(yield* client.state).toMatchObject({ _tag: "Connected", generation: 3 })

          yield* Effect.promise(() => second!.close())
          second = yield* Effect.promise(() => serveDemo(first.port))
          // With an idempotency key it is safe to send again.
          const keyed = yield* client.callTool("sleep", { ms: 0 }, { idempotencyKey: "k-1" })
          expect(keyed.structuredContent).toEqual({ slept: 0 })
        }))
    } finally {
      await second?.close()
    }
  })

  it("re-opens a 2026-07-28 subscription (subscriptions/listen) after a server restart", async () => {
    const first = await serveDemo()
    let second: Served | undefined
    try {
      await withClient(first.url, { reconnect: fastReconnect }, (client) =>
        Effect.gen(function*() {
          expect(yield* client.protocolVersion).toBe("2026-07-28")
          let count = 0
          const counted = client.subscribe("demo://about").pipe(Stream.tap(() => Effect.sync(() => count++)), Stream.take(2))
          const updates = yield* Effect.fork(Stream.runCollect(counted))
          yield* first.server.notifyResourceUpdated("demo://about").pipe(
            Effect.zipRight(Effect.sleep("10 millis")),
            Effect.repeat({ until: () => count >= 1 })
          )
          yield* Effect.promise(() => first.close())
          second = yield* Effect.promise(() => serveDemo(first.port))
          const restarted = second
          yield* restarted.server.notifyResourceUpdated("demo://about").pipe(
            Effect.zipRight(Effect.sleep("10 millis")),
            Effect.repeat({ until: () => updates.unsafePoll() !== null })
          )
          expect(Chunk.toReadonlyArray(yield* Fiber.join(updates))).toHaveLength(2)
        }))
    } finally {
      await second?.close()
    }
  })

  it("authorizes requests and answers challenges through the AuthProvider", async () => {
    const served = await started()
    const proxy = await authorizingProxy(served.url)
    cleanups.push(proxy.close)
    const seen: Array<string | undefined> = []
    let token = "stale"
    const auth: AuthProvider = {
      headers: () => Effect.sync(() => ({ authorization: `Bearer ${token}` })),
      challenge: (challenge) =>
        Effect.sync(() => {
          seen.push(challenge.wwwAuthenticate)
          token = proxy.state.token
        })
    }
    const tools = await withClient(proxy.url, { protocolVersion: "2025-11-25" }, (client) =>
      Effect.gen(function*() {
        const before = (yield* client.listTools).length
        proxy.state.token = "rotated"
        const after = (yield* client.listTools).length
        return [before, after]
      }), auth)
    expect(tools).toEqual([4, 4])
    expect(seen).toHaveLength(2)
    expect(seen[0]).toContain("invalid_token")
  })

  it("fails a request with AuthError when authorization cannot be obtained", async () => {
    const served = await started()
    const proxy = await authorizingProxy(served.url)
    cleanups.push(proxy.close)
    let token = "first"
    const auth: AuthProvider = {
      headers: () => Effect.sync(() => ({ authorization: `Bearer ${token}` })),
      challenge: () => Effect.fail(new AuthError({ reason: "Token", message: "refresh refused" }))
    }
    const error = await withClient(proxy.url, { protocolVersion: "2025-11-25" }, (client) =>
      Effect.gen(function*() {
        yield* client.ping
        token = "revoked"
        return yield* Effect.flip(client.listTools)
      }), auth)
    expect(error).toMatchObject({ _tag: "AuthError", reason: "Token", message: "refresh refused" })
    // Connecting without authorization: a ConnectError whose cause is the AuthError.
    token = "never"
    const refused = await Effect.runPromise(Effect.flip(Effect.scoped(Effect.provide(McpClient.McpClient,
      McpClient.layerHttp({ url: proxy.url, auth }, { protocolVersion: "2025-11-25" })))))
    expect(refused).toMatchObject({ _tag: "ConnectError", cause: { _tag: "AuthError", reason: "Token" } })
  })

  it("resumes a stream the server closed (SSE polling) with Last-Event-ID and gets the answer", async () => {
    // Closes its POST stream at once, then answers: the answer waits in the server's event store.
    const Poll = Tool.make("poll", { input: Schema.Struct({}) }, () =>
      Effect.gen(function*() {
        const request = yield* RequestContext
        yield* request.closeStream
        yield* Effect.sleep("20 millis")
        return "answered after the stream closed"
      }))
    const served = await serveDemo(0, [Poll], { retryMs: 10 })
    cleanups.push(served.close)
    const result = await withClient(served.url, { protocolVersion: "2025-11-25" }, (client) => client.callTool("poll"))
    expect(result.content).toEqual([{ type: "text", text: "answered after the stream closed" }])
  })
})
