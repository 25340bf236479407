/**
 * The same endpoint as an `HttpRouter` mounted in an Effect HTTP server (the adapter for Effect
 * apps): sessions, complete and streamed answers, resumption, guards, limits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { call, delay, get, initialize, messages, post, readEvents, request, start, type TestServer } from "./support.js"

describe("Streamable HTTP as an HttpRouter", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await start({ router: true, retryMs: 50, maxBodyBytes: 16 * 1024 })
  })
  afterAll(() => server?.close())

  it("opens a session and answers lists as JSON, calls as SSE", async () => {
    const session = await initialize(server.url)
    const listed = await post(server.url, request(1, "tools/list"), { session })
    expect(listed.headers.get("content-type")).toBe("application/json")
    expect(((await listed.json()) as any).result.tools).toHaveLength(4)
    const called = await post(server.url, call(2, "echo", { text: "routed" }), { session })
    expect(called.headers.get("content-type")).toBe("text/event-stream")
    expect(messages((await readEvents(called)).events)).toMatchObject([{ id: 2, result: { content: [{ text: "routed" }] } }])
  })

  it("streams a slow call and resumes it after a dropped connection", async () => {
    const session = await initialize(server.url)
    const controller = new AbortController()
    const response = await post(server.url, call(3, "slow", { ms: 200, steps: 4 }), { session, signal: controller.signal })
    const first = await readEvents(response, (event) => event.message?.method === "notifications/progress")
    expect(first.events[0]).toMatchObject({ data: "", retry: 50 })
    controller.abort()
    await delay(80)
    const resumed = await get(server.url, session, { lastEventId: first.events[first.events.length - 1]!.id! })
    const rest = await readEvents(resumed)
    const all = messages(rest.events)
    expect(all[all.length - 1]).toMatchObject({ id: 3, result: { content: [{ text: "slept 200" }] } })
    const progress = [...messages(first.events), ...all].filter((m) => m.method === "notifications/progress").map((m) => m.params.progress)
    expect(progress).toEqual([1, 2, 3, 4])
  })

  it("applies the same refusals: unknown session, body limit; DELETE ends a session", async () => {
    const unknown = await post(server.url, request(1, "ping"), { session: "nope" })
    expect(unknown.status).toBe(404)
    await unknown.text()
    const session = await initialize(server.url)
    const big = await post(server.url, call(1, "echo", { text: "x".repeat(20 * 1024) }), { session })
    expect(big.status).toBe(413)
    await big.text()
    const deleted = await fetch(server.url, { method: "DELETE", headers: { "mcp-session-id": session } })
    expect(deleted.status).toBe(204)
    const after = await post(server.url, request(1, "ping"), { session })
    expect(after.status).toBe(404)
    await after.text()
  })
})
