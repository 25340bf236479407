/**
 * Streamable HTTP streams over a real server on 127.0.0.1: priming events, progress on the
 * POST stream, the standalone GET stream, resumption with Last-Event-ID after a dropped stream,
 * SEP-1699 polling (closeStream), requests to the client, cancellation.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Tool from "../../../src/server/Tool.js"
import { call, delay, get, initialize, messages, post, readEvents, request, start, type TestServer } from "./support.js"

describe("Streamable HTTP streams", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await start({ retryMs: 50 })
  })
  afterAll(() => server?.close())

  it("streams a slow call: priming event (id, retry, empty data) first, progress and logs, then the answer", async () => {
    const session = await initialize(server.url)
    const response = await post(server.url, call(1, "slow", { ms: 60, steps: 3 }), { session })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const { events, ended } = await readEvents(response)
    expect(ended).toBe(true)
    expect(events[0]).toMatchObject({ data: "", retry: 50, id: expect.stringMatching(/^[0-9a-z]+:\d+$/) })
    const all = messages(events)
    expect(all.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress)).toEqual([1, 2, 3])
    expect(all.filter((m) => m.method === "notifications/message")).toHaveLength(3)
    expect(all[all.length - 1]).toMatchObject({ id: 1, result: { content: [{ text: "slept 60" }] } })
    // Every event has an id of the same stream, increasing.
    const ids = events.map((e) => e.id!)
    const stream = ids[0]!.split(":")[0]
    expect(ids.every((id) => id.startsWith(`${stream}:`))).toBe(true)
    const seqs = ids.map((id) => Number(id.split(":")[1]))
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
  })

  it("sends no priming event to sessions older than 2025-11-25, and ignores closeStream there", async () => {
    const session = await initialize(server.url, "2025-03-26")
    const response = await post(server.url, call(1, "poll", { ms: 30 }), { session })
    const { events, ended } = await readEvents(response)
    expect(ended).toBe(true)
    expect(events.every((e) => e.data !== "")).toBe(true)
    expect(messages(events)).toMatchObject([{ id: 1, result: { content: [{ text: "polled after 30" }] } }])
  })

  it("delivers list_changed on the standalone GET stream", async () => {
    const session = await initialize(server.url)
    const controller = new AbortController()
    const stream = await get(server.url, session, { signal: controller.signal })
    expect(stream.status).toBe(200)
    const reading = readEvents(stream, (event) => event.message?.method === "notifications/tools/list_changed")
    await delay(20)
    await Effect.runPromise(server.server.addTool(Tool.make("extra", { input: Schema.Struct({}) }, () => Effect.succeed("x"))))
    const { events } = await reading
    expect(events[0]).toMatchObject({ data: "", id: "0:1" })
    expect(messages(events)).toEqual([{ jsonrpc: "2.0", method: "notifications/tools/list_changed" }])
    controller.abort()
    await Effect.runPromise(server.server.removeTool("extra"))
  })

  it("keeps messages sent while no GET stream is open for the next one", async () => {
    const session = await initialize(server.url)
    await Effect.runPromise(server.server.addTool(Tool.make("extra2", { input: Schema.Struct({}) }, () => Effect.succeed("x"))))
    const stream = await get(server.url, session)
    const { events } = await readEvents(stream, (event) => event.message !== undefined)
    expect(events[0]).toMatchObject({ id: "0:1", message: { method: "notifications/tools/list_changed" } })
    await Effect.runPromise(server.server.removeTool("extra2"))
  })

  it("resumes a dropped POST stream with Last-Event-ID: what was missed, then the answer, then the end", async () => {
    const session = await initialize(server.url)
    const controller = new AbortController()
    const response = await post(server.url, call(7, "slow", { ms: 300, steps: 6 }), { session, signal: controller.signal })
    // Read up to the first progress notification, then drop the connection.
    const first = await readEvents(response, (event) => event.message?.method === "notifications/progress")
    controller.abort()
    const lastId = first.events[first.events.length - 1]!.id!
    await delay(120)
    const resumed = await get(server.url, session, { lastEventId: lastId })
    expect(resumed.status).toBe(200)
    const rest = await readEvents(resumed)
    expect(rest.ended).toBe(true)
    const progress = [...messages(first.events), ...messages(rest.events)]
      .filter((m) => m.method === "notifications/progress").map((m) => m.params.progress)
    expect(progress).toEqual([1, 2, 3, 4, 5, 6])
    const all = messages(rest.events)
    expect(all[all.length - 1]).toMatchObject({ id: 7, result: { content: [{ text: "slept 300" }] } })
    // The stream was delivered to its end: nothing more to resume (204: do not reconnect).
    const again = await get(server.url, session, { lastEventId: rest.events[rest.events.length - 1]!.id! })
    expect(again.status).toBe(204)
  })

  it("polls (SEP-1699): the POST stream ends after the priming event; the answer waits in the store", async () => {
    const session = await initialize(server.url)
    const response = await post(server.url, call(1, "poll", { ms: 60 }), { session })
    const { events, ended } = await readEvents(response)
    expect(ended).toBe(true)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ data: "", retry: 50 })
    // Come back after the answer is ready: it was kept while nobody was connected.
    await delay(200)
    const resumed = await get(server.url, session, { lastEventId: events[0]!.id! })
    const rest = await readEvents(resumed)
    expect(rest.ended).toBe(true)
    expect(messages(rest.events)).toMatchObject([{ id: 1, result: { content: [{ text: "polled after 60" }] } }])
  })

  it("polls (SEP-1699): a client that comes back early waits on the resumed stream for the answer", async () => {
    const session = await initialize(server.url)
    const response = await post(server.url, call(2, "poll", { ms: 150 }), { session })
    const { events } = await readEvents(response)
    const resumed = await get(server.url, session, { lastEventId: events[0]!.id! })
    const rest = await readEvents(resumed)
    expect(messages(rest.events)).toMatchObject([{ id: 2, result: { content: [{ text: "polled after 150" }] } }])
  })

  it("carries a request to the client on the POST stream and takes its answer in a POST (202)", async () => {
    const session = await initialize(server.url, "2025-11-25", { roots: {} })
    const response = await post(server.url, call(3, "ask", {}), { session })
    let answered: Promise<Response> | undefined
    const { events } = await readEvents(response, (event) => {
      const message = event.message
      if (message?.method === "roots/list") {
        answered = post(server.url, { jsonrpc: "2.0", id: message.id, result: { roots: [{ uri: "file:///a" }, { uri: "file:///b" }] } }, { session })
      }
      return false
    })
    expect((await answered!).status).toBe(202)
    const all = messages(events)
    expect(all[0]).toMatchObject({ method: "roots/list" })
    expect(all[all.length - 1]).toMatchObject({ id: 3, result: { content: [{ text: "roots: 2" }] } })
  })

  it("ends the stream of a cancelled request without an answer", async () => {
    const session = await initialize(server.url)
    const response = await post(server.url, call(4, "slow", { ms: 2_000, steps: 20 }), { session })
    const reading = readEvents(response)
    await delay(50)
    const cancelled = await post(server.url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 4 } }, { session })
    expect(cancelled.status).toBe(202)
    const { events, ended } = await reading
    expect(ended).toBe(true)
    expect(messages(events).some((m) => m.id === 4)).toBe(false)
    const ping = await post(server.url, request(5, "ping"), { session })
    expect(await ping.json()).toEqual({ jsonrpc: "2.0", id: 5, result: {} })
  })

  it("resumes the standalone stream after its connection dropped", async () => {
    const session = await initialize(server.url)
    const controller = new AbortController()
    const stream = await get(server.url, session, { signal: controller.signal })
    const first = await readEvents(stream, (event) => event.message !== undefined || event.id !== undefined)
    const priming = first.events[0]!.id!
    controller.abort()
    await delay(30)
    await Effect.runPromise(server.server.addTool(Tool.make("extra3", { input: Schema.Struct({}) }, () => Effect.succeed("x"))))
    const resumed = await get(server.url, session, { lastEventId: priming })
    const { events } = await readEvents(resumed, (event) => event.message !== undefined)
    expect(events[0]!.message).toEqual({ jsonrpc: "2.0", method: "notifications/tools/list_changed" })
    await Effect.runPromise(server.server.removeTool("extra3"))
  })

  it("refuses a malformed Last-Event-ID with 400 and answers an unknown stream with 204", async () => {
    const session = await initialize(server.url)
    const malformed = await get(server.url, session, { lastEventId: "garbage" })
    expect(malformed.status).toBe(400)
    await malformed.text()
    const unknown = await get(server.url, session, { lastEventId: "zz:3" })
    expect(unknown.status).toBe(204)
  })
})

describe("Streamable HTTP shutdown", () => {
  it("lets a call in flight finish, then closes sessions and the server", async () => {
    const server = await start()
    const session = await initialize(server.url)
    const response = await post(server.url, call(1, "slow", { ms: 300, steps: 2 }), { session })
    const reading = readEvents(response)
    await delay(50)
    const closing = server.close()
    const { events, ended } = await reading
    expect(ended).toBe(true)
    const all = messages(events)
    expect(all[all.length - 1]).toMatchObject({ id: 1, result: { content: [{ text: "slept 300" }] } })
    await closing
    await expect(fetch(server.url, { method: "POST" })).rejects.toThrow()
  })
})
