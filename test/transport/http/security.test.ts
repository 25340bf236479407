/**
 * Streamable HTTP guards over a real server on 127.0.0.1: DNS-rebinding protection (Host and
 * Origin), body size, Accept, Content-Type, methods; the server stays up after each bad input.
 */
import * as Http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import * as Answer from "../../../src/transport/http/Answer.js"
import * as Security from "../../../src/transport/http/Security.js"
import { call, initialize, messages, post, readEvents, request, start, type TestServer } from "./support.js"

interface RawResponse {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A request with any headers (fetch does not let a caller choose `Host`). */
const raw = (port: number, method: string, headers: Record<string, string>, body?: string): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const req = Http.request({ host: "127.0.0.1", port, path: "/mcp", method, headers, agent: false }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (text += chunk))
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
    })
    req.on("error", reject)
    req.end(body)
  })

const initBody = JSON.stringify(request(1, "initialize", {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "conformance-dns-rebinding-test", version: "1.0.0" }
}))

const jsonHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" }

describe("Streamable HTTP guards", () => {
  let server: TestServer
  let session: string
  beforeAll(async () => {
    server = await start({ maxBodyBytes: 64 * 1024 })
    session = await initialize(server.url)
  })
  afterAll(() => server?.close())

  /** The server still answers a ping on the session opened before. */
  const alive = async () => {
    const response = await post(server.url, request("alive", "ping"), { session })
    expect(await response.json()).toEqual({ jsonrpc: "2.0", id: "alive", result: {} })
  }

  it("refuses a foreign Host and Origin with 403 and the JSON-RPC error the conformance suite expects", async () => {
    const response = await raw(server.port, "POST", { ...jsonHeaders, host: "evil.example.com", origin: "http://evil.example.com" }, initBody)
    expect(response.status).toBe(403)
    expect(JSON.parse(response.body)).toEqual({ jsonrpc: "2.0", error: { code: -32000, message: "Invalid Host: evil.example.com" }, id: null })
    await alive()
  })

  it("refuses a foreign Origin on a loopback Host", async () => {
    const response = await raw(server.port, "POST", { ...jsonHeaders, host: `localhost:${server.port}`, origin: "https://evil.example.com" }, initBody)
    expect(response.status).toBe(403)
    expect(JSON.parse(response.body).error.message).toBe("Invalid Origin: https://evil.example.com")
    const opaque = await raw(server.port, "POST", { ...jsonHeaders, host: `localhost:${server.port}`, origin: "null" }, initBody)
    expect(opaque.status).toBe(403)
    await alive()
  })

  it("accepts loopback Host and Origin, and requests without Origin", async () => {
    for (const [host, origin] of [[`localhost:${server.port}`, `http://localhost:${server.port}`], [`127.0.0.1:${server.port}`, undefined], [`[::1]:${server.port}`, "http://[::1]:8080"]] as const) {
      const response = await raw(server.port, "POST", { ...jsonHeaders, host, ...(origin === undefined ? {} : { origin }) }, initBody)
      expect(response.status).toBe(200)
      expect(response.headers["mcp-session-id"]).toBeDefined()
    }
  })

  it("refuses a body over the limit with 413, whether declared or streamed", async () => {
    const big = JSON.stringify(call(1, "echo", { text: "x".repeat(70 * 1024) }))
    const declared = await post(server.url, big, { session })
    expect(declared.status).toBe(413)
    expect(await declared.json()).toMatchObject({ error: { code: -32000 } })
    const streamed = await fetch(server.url, {
      method: "POST",
      headers: { ...jsonHeaders, "mcp-session-id": session },
      body: new Blob([big]).stream(),
      duplex: "half"
    } as RequestInit)
    expect(streamed.status).toBe(413)
    await streamed.text()
    await alive()
  })

  it("refuses a POST that does not accept SSE with 406, a GET too", async () => {
    const response = await post(server.url, request(1, "ping"), { session, accept: "application/json" })
    expect(response.status).toBe(406)
    expect(await response.json()).toMatchObject({ id: null, error: { code: -32000 } })
    const get = await fetch(server.url, { headers: { accept: "application/json", "mcp-session-id": session } })
    expect(get.status).toBe(406)
    await get.text()
    await alive()
  })

  it("refuses a body that is not application/json with 415", async () => {
    const response = await post(server.url, request(1, "ping"), { session, contentType: "text/plain" })
    expect(response.status).toBe(415)
    await response.text()
    const tricky = await post(server.url, request(1, "ping"), { session, contentType: "application/jsonp" })
    expect(tricky.status).toBe(415)
    await tricky.text()
    const withCharset = await post(server.url, request(1, "ping"), { session, contentType: "Application/JSON; charset=utf-8" })
    expect(withCharset.status).toBe(200)
    await withCharset.text()
  })

  it("answers other methods with 405 and other paths with 404", async () => {
    const put = await fetch(server.url, { method: "PUT" })
    expect(put.status).toBe(405)
    expect(put.headers.get("allow")).toBe("GET, POST, DELETE")
    await put.text()
    const elsewhere = await fetch(server.url.replace("/mcp", "/other"), { method: "POST" })
    expect(elsewhere.status).toBe(404)
    await elsewhere.text()
    await alive()
  })

  it("survives a stream of bad inputs and still serves calls", async () => {
    const bad: Array<[string, Record<string, string>]> = [
      ["", { "content-type": "application/json" }],
      ["[]", { "content-type": "application/json" }],
      ["null", { "content-type": "application/json" }],
      ["{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":7}", { "content-type": "application/json" }],
      ["\u0000\u00ff", { "content-type": "application/json" }],
      ["[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", { "content-type": "application/json" }]
    ]
    for (const [body, headers] of bad) {
      const response = await fetch(server.url, { method: "POST", headers: { accept: "application/json, text/event-stream", "mcp-session-id": session, ...headers }, body })
      expect(response.status).toBeGreaterThanOrEqual(200)
      expect(response.status).toBeLessThan(500)
      await response.text()
    }
    const response = await post(server.url, call(9, "echo", { text: "still here" }), { session })
    expect(messages((await readEvents(response)).events)).toMatchObject([{ id: 9, result: { content: [{ text: "still here" }] } }])
  })
})

describe("hostCheck", () => {
  it("allows the configured hosts and origins, and same-host origins when serving beyond loopback", () => {
    const configured = Security.hostCheck({ allowedHosts: ["mcp.example.com"], allowedOrigins: ["https://app.example.com"] }, false)
    expect(configured("mcp.example.com:443", undefined)).toBeUndefined()
    expect(configured("MCP.example.com", "https://app.example.com")).toBeUndefined()
    expect(configured("evil.example.com", undefined)).toBe("Invalid Host: evil.example.com")
    expect(configured("mcp.example.com", "https://evil.example.com")).toBe("Invalid Origin: https://evil.example.com")
    const open = Security.hostCheck({}, false)
    expect(open("anything:1", undefined)).toBeUndefined()
    expect(open("mcp.example.com", "https://mcp.example.com")).toBeUndefined()
    expect(open("mcp.example.com", "https://evil.example.com")).toBe("Invalid Origin: https://evil.example.com")
  })
})

describe("Streamable HTTP guards that wait (an Effect), chained after the built-in one", () => {
  // A guard that checks a bearer token after a pause, as a remote key set would make it.
  const bearer: Security.Guard = (request) =>
    Effect.delay(Effect.sync(() => request.headers.authorization === "Bearer good" ? undefined : Answer.jsonRpcError(401, -32001, "Unauthorized")), "5 millis")
  for (const router of [false, true]) {
    it(`refuses without the token and serves with it (${router ? "router" : "node listener"}); the built-in guard still runs first`, async () => {
      const server = await start({ router, guards: [bearer] })
      try {
        const init = JSON.stringify(request(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }))
        const refused = await raw(server.port, "POST", { ...jsonHeaders, host: `127.0.0.1:${server.port}` }, init)
        expect(refused.status).toBe(401)
        const foreign = await raw(server.port, "POST", { ...jsonHeaders, host: "evil.example", authorization: "Bearer good" }, init)
        expect(foreign.status).toBe(403)
        const served = await raw(server.port, "POST", { ...jsonHeaders, host: `127.0.0.1:${server.port}`, authorization: "Bearer good" }, init)
        expect(served.status).toBe(200)
        expect(served.headers["mcp-session-id"]).toBeDefined()
      } finally {
        await server.close()
      }
    })
  }
})
