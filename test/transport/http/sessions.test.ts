/**
 * Streamable HTTP sessions over a real server on 127.0.0.1: ids, JSON and SSE answers, 202,
 * 404/400, DELETE, version header, idle expiry, the session cap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { both, call, delay, get, initialize, interruptions, messages, post, readEvents, request, start, type TestServer } from "./support.js"

describe("Streamable HTTP sessions", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await start()
  })
  afterAll(() => server?.close())

  it("issues an unguessable session id with the initialize answer (JSON when accepted)", async () => {
    const response = await post(server.url, request(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }))
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/json")
    const id = response.headers.get("mcp-session-id")
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const body = await response.json()
    expect(body).toMatchObject({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-11-25", serverInfo: { name: "http-test" } } })
    const other = await initialize(server.url)
    expect(other).not.toBe(id)
  })

  it("answers initialize with SSE when the client accepts only text/event-stream", async () => {
    const sse = await post(server.url, request(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } }), { accept: "text/event-stream" })
    expect(sse.headers.get("content-type")).toBe("text/event-stream")
    expect(sse.headers.get("mcp-session-id")).not.toBeNull()
    const { events } = await readEvents(sse)
    expect(messages(events)).toMatchObject([{ id: 1, result: { protocolVersion: "2025-06-18" } }])
  })

  it("answers notifications and responses with 202 and no body", async () => {
    const session = await initialize(server.url)
    const response = await post(server.url, { jsonrpc: "2.0", method: "notifications/initialized" }, { session })
    expect(response.status).toBe(202)
    expect(await response.text()).toBe("")
    const answer = await post(server.url, { jsonrpc: "2.0", id: 99, result: {} }, { session })
    expect(answer.status).toBe(202)
  })

  it("answers tools/call with an SSE stream and lists with JSON", async () => {
    const session = await initialize(server.url)
    const called = await post(server.url, call(2, "echo", { text: "hi" }), { session })
    expect(called.status).toBe(200)
    expect(called.headers.get("content-type")).toBe("text/event-stream")
    const { events, ended } = await readEvents(called)
    expect(ended).toBe(true)
    expect(messages(events)).toEqual([{ jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "hi" }], structuredContent: { text: "hi" } } }])
    const listed = await post(server.url, request("l", "tools/list"), { session })
    expect(listed.headers.get("content-type")).toBe("application/json")
    expect(((await listed.json()) as any).result.tools.map((t: any) => t.name)).toEqual(["echo", "slow", "poll", "ask"])
  })

  it("answers lists with SSE when the client lists text/event-stream first", async () => {
    const session = await initialize(server.url)
    const listed = await post(server.url, request(1, "tools/list"), { session, accept: "text/event-stream, application/json" })
    expect(listed.headers.get("content-type")).toBe("text/event-stream")
    expect(messages((await readEvents(listed)).events)[0].result.tools).toHaveLength(4)
  })

  it("refuses unknown sessions (404) and requests without one (400)", async () => {
    const unknown = await post(server.url, request(1, "ping"), { session: "not-a-session" })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32001 } })
    const missing = await post(server.url, request(1, "ping"))
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ error: { code: -32000, message: expect.stringContaining("Mcp-Session-Id") } })
    const getMissing = await fetch(server.url, { headers: { accept: "text/event-stream" } })
    expect(getMissing.status).toBe(400)
    await getMissing.text()
  })

  it("ends a session on DELETE; later requests get 404", async () => {
    const session = await initialize(server.url)
    const deleted = await fetch(server.url, { method: "DELETE", headers: { "mcp-session-id": session } })
    expect(deleted.status).toBe(204)
    const after = await post(server.url, request(1, "ping"), { session })
    expect(after.status).toBe(404)
    await after.text()
    const again = await fetch(server.url, { method: "DELETE", headers: { "mcp-session-id": session } })
    expect(again.status).toBe(404)
    await again.text()
  })

  // Each session's connection registers its shutdown in the session's own Scope.
  it("interrupts the requests in flight of a session that ends", async () => {
    const session = await initialize(server.url)
    const before = interruptions.slow
    const running = post(server.url, call(1, "slow", { ms: 5_000, steps: 50 }), { session })
    await delay(100)
    await (await fetch(server.url, { method: "DELETE", headers: { "mcp-session-id": session } })).text()
    await readEvents(await running)
    await delay(50)
    expect(interruptions.slow).toBe(before + 1)
  })

  it("accepts any supported version header, refuses unknown ones with 400", async () => {
    const session = await initialize(server.url)
    const older = await post(server.url, request(1, "ping"), { session, version: "2025-03-26" })
    expect(older.status).toBe(200)
    expect(await older.json()).toEqual({ jsonrpc: "2.0", id: 1, result: {} })
    const bad = await post(server.url, request(2, "ping"), { session, version: "1999-01-01" })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { message: expect.stringContaining("1999-01-01") } })
  })

  it("serves concurrent POSTs on one session, each on its own stream", async () => {
    const session = await initialize(server.url)
    const results = await Promise.all(Array.from({ length: 16 }, async (_, i) => {
      const response = await post(server.url, i % 2 === 0 ? call(i, "slow", { ms: 40, steps: 2 }) : call(i, "echo", { text: `n${i}` }), { session })
      const all = messages((await readEvents(response)).events)
      return { i, all }
    }))
    for (const { i, all } of results) {
      const answer = all[all.length - 1]
      expect(answer.id).toBe(i)
      expect(answer.result.content[0].text).toBe(i % 2 === 0 ? "slept 40" : `n${i}`)
      // Progress and logs of a call travel on that call's stream only.
      for (const m of all.slice(0, -1)) expect(m.params.progressToken ?? i).toBe(i)
    }
  })

  it("keeps the session without an id when initialize fails", async () => {
    const response = await post(server.url, request(1, "initialize", { protocolVersion: "2025-11-25" }))
    expect(response.headers.get("mcp-session-id")).toBeNull()
    expect(await response.json()).toMatchObject({ id: 1, error: { code: -32602 } })
  })

  it("answers malformed JSON with 400 and a -32700 error, invalid messages with 400", async () => {
    const response = await post(server.url, "{not json")
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: expect.any(String) } })
    const session = await initialize(server.url)
    const invalid = await post(server.url, { jsonrpc: "2.0", foo: 1 }, { session })
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({ id: null, error: { code: -32600 } })
    const ping = await post(server.url, request(1, "ping"), { session, headers: { accept: both } })
    expect(await ping.json()).toEqual({ jsonrpc: "2.0", id: 1, result: {} })
  })

  it("opens a standalone GET stream once per session (409 for a second)", async () => {
    const session = await initialize(server.url)
    const controller = new AbortController()
    const first = await get(server.url, session, { signal: controller.signal })
    expect(first.status).toBe(200)
    expect(first.headers.get("content-type")).toBe("text/event-stream")
    const second = await get(server.url, session)
    expect(second.status).toBe(409)
    await second.text()
    controller.abort()
    await delay(50)
    const third = await get(server.url, session)
    expect(third.status).toBe(200)
    await third.body?.cancel()
  })
})

describe("Streamable HTTP session limits", () => {
  it("closes sessions idle for longer than the idle timeout", async () => {
    const server = await start({ sessionIdleTimeoutMs: 250 })
    try {
      const idle = await initialize(server.url)
      const busy = await initialize(server.url)
      // A request in flight keeps its session alive past the timeout.
      const running = post(server.url, call(1, "slow", { ms: 900, steps: 1 }), { session: busy })
      await delay(600)
      const gone = await post(server.url, request(1, "ping"), { session: idle })
      expect(gone.status).toBe(404)
      await gone.text()
      const answer = messages((await readEvents(await running)).events)
      expect(answer[answer.length - 1]).toMatchObject({ id: 1, result: { content: [{ text: "slept 900" }] } })
      const alive = await post(server.url, request(2, "ping"), { session: busy })
      expect(alive.status).toBe(200)
      await alive.text()
    } finally {
      await server.close()
    }
  })

  it("refuses new sessions with 503 at the cap, and takes them again once one ends", async () => {
    const server = await start({ maxSessions: 2 })
    try {
      const first = await initialize(server.url)
      await initialize(server.url)
      const refused = await post(server.url, request(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }))
      expect(refused.status).toBe(503)
      expect(await refused.json()).toMatchObject({ error: { code: -32000 } })
      // The sessions in use are untouched.
      const ping = await post(server.url, request(1, "ping"), { session: first })
      expect(ping.status).toBe(200)
      await ping.text()
      await (await fetch(server.url, { method: "DELETE", headers: { "mcp-session-id": first } })).text()
      await initialize(server.url)
    } finally {
      await server.close()
    }
  })
})
