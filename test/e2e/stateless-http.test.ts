/**
 * The 2026-07-28 stateless era over Streamable HTTP (a real server on 127.0.0.1): POSTs without
 * a session, headers checked against the body, 400s with the era's error codes, and a
 * `subscriptions/listen` stream that ends when its client goes away.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ParamHeaders from "../../src/schema/paramHeaders.js"
import * as Tool from "../../src/server/Tool.js"
import { ToolContext } from "../../src/server/ToolContext.js"
import { both, delay, initialize, interruptions, messages, post, readEvents, start, type TestServer } from "../transport/http/support.js"

const meta = (version = "2026-07-28", capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": version,
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "stateless-http", version: "1" }
})

/** A 2026-07-28 POST with the headers that era requires (`headers` overrides them). */
const post2026 = (
  url: string,
  id: number | string,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  options: {
    readonly version?: string
    readonly signal?: AbortSignal
    readonly capabilities?: Record<string, unknown>
    /** More `_meta` entries (a pinned tool version…). */
    readonly meta?: Record<string, unknown>
  } = {}
) => {
  const name = method === "resources/read" ? params.uri : method.startsWith("tasks/") ? params.taskId : params.name
  return post(url, { jsonrpc: "2.0", id, method, params: { ...params, _meta: { ...meta(options.version, options.capabilities), ...options.meta } } }, {
    headers: {
      "mcp-protocol-version": options.version ?? "2026-07-28",
      "mcp-method": method,
      ...(typeof name === "string" ? { "mcp-name": name } : {}),
      ...headers
    },
    ...(options.signal === undefined ? {} : { signal: options.signal })
  })
}

/** The one JSON-RPC message of a response (JSON or SSE body). */
const answerOf = async (response: Response): Promise<any> => {
  if (response.headers.get("content-type") === "application/json") return response.json()
  const { events } = await readEvents(response)
  return messages(events).find((m) => m.id !== undefined)
}

describe("Streamable HTTP, 2026-07-28", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await start()
  })
  afterAll(() => server?.close())

  it("serves requests without a session and issues none", async () => {
    const listed = await post2026(server.url, 1, "tools/list")
    expect(listed.status).toBe(200)
    expect(listed.headers.get("mcp-session-id")).toBeNull()
    const list = await answerOf(listed)
    expect(list.result).toMatchObject({ resultType: "complete", ttlMs: 0, cacheScope: "public" })
    expect(list.result._meta["io.modelcontextprotocol/serverInfo"]).toMatchObject({ name: "http-test" })

    const called = await post2026(server.url, 2, "tools/call", { name: "echo", arguments: { text: "hi" } })
    expect(called.status).toBe(200)
    expect(called.headers.get("mcp-session-id")).toBeNull()
    expect((await answerOf(called)).result).toMatchObject({ resultType: "complete", content: [{ type: "text", text: "hi" }] })

    const discovered = await answerOf(await post2026(server.url, 3, "server/discover"))
    expect(discovered.result.supportedVersions[0]).toBe("2026-07-28")
  })

  it("refuses headers that disagree with the body, or are missing, with 400 and -32020", async () => {
    const cases: ReadonlyArray<Record<string, string>> = [
      { "mcp-method": "tools/list" },
      { "mcp-name": "other" },
      { "mcp-protocol-version": "2025-11-25" }
    ]
    for (const headers of cases) {
      const response = await post2026(server.url, 7, "tools/call", { name: "echo", arguments: { text: "x" } }, headers)
      expect(response.status).toBe(400)
      const body: any = await response.json()
      expect(body.id).toBe(7)
      expect(body.error.code).toBe(-32020)
    }
    const withoutHeaders = await post(server.url, { jsonrpc: "2.0", id: 8, method: "tools/list", params: { _meta: meta() } })
    expect(withoutHeaders.status).toBe(400)
    expect(((await withoutHeaders.json()) as any).error.code).toBe(-32020)
  })

  it("answers an unsupported version with 400 and -32022", async () => {
    const response = await post2026(server.url, 9, "tools/list", {}, {}, { version: "1900-01-01" })
    expect(response.status).toBe(400)
    const body: any = await response.json()
    expect(body).toMatchObject({ id: 9, error: { code: -32022, data: { requested: "1900-01-01" } } })
    expect(body.error.data.supported).toContain("2026-07-28")
  })

  it("keeps serving stateful sessions on the same endpoint", async () => {
    const session = await initialize(server.url)
    const response = await post(server.url, { jsonrpc: "2.0", id: 1, method: "tools/list" }, { session, accept: both })
    const body = await answerOf(response)
    expect(body.result.resultType).toBeUndefined()
    expect(body.result.tools.length).toBeGreaterThan(0)
  })

  it("streams subscriptions/listen until the client drops it", async () => {
    const controller = new AbortController()
    const listening = await post2026(server.url, "listen-1", "subscriptions/listen", { notifications: { toolsListChanged: true } }, {}, { signal: controller.signal })
    expect(listening.status).toBe(200)
    expect(listening.headers.get("content-type")).toBe("text/event-stream")
    const added = Tool.make("added", { input: Schema.Struct({}) }, () => Effect.succeed("added"))
    const { events } = await readEvents(listening, (_, all) => {
      if (all.length === 1) void Effect.runPromise(server.server.addTool(added))
      return all.length === 2
    })
    expect(messages(events)).toEqual([
      {
        jsonrpc: "2.0",
        method: "notifications/subscriptions/acknowledged",
        params: { _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" }, notifications: { toolsListChanged: true } }
      },
      {
        jsonrpc: "2.0",
        method: "notifications/tools/list_changed",
        params: { _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" } }
      }
    ])
    controller.abort()
    await delay(50)
    // The listen stream's connection is gone: a change reaches no one, and requests are still served.
    await Effect.runPromise(server.server.removeTool("added"))
    expect((await answerOf(await post2026(server.url, 10, "tools/list"))).result.tools.map((t: any) => t.name)).not.toContain("added")
  })

  it("x-mcp-header: Mcp-Param-* headers must mirror the annotated arguments (Base64 forms decoded); Mcp-Name may be Base64", async () => {
    const Query = Tool.make("query", {
      input: Schema.Struct({
        region: Schema.String.annotations({ jsonSchema: { type: "string", "x-mcp-header": "Region" } }),
        sql: Schema.String
      })
    }, ({ region, sql }) => Effect.succeed(`${sql} in ${region}`))
    await Effect.runPromise(server.server.addTool(Query))
    try {
      const call = (id: number, region: string, headers: Record<string, string>) =>
        post2026(server.url, id, "tools/call", { name: "query", arguments: { region, sql: "select 1" } }, headers)
      const ok = await call(1, "us-west1", { "mcp-param-region": "us-west1" })
      expect(ok.status).toBe(200)
      expect((await answerOf(ok)).result.content[0].text).toBe("select 1 in us-west1")
      const encoded = await call(2, "Zürich 1", { "mcp-param-region": ParamHeaders.encode("Zürich 1"), "mcp-name": "=?base64?cXVlcnk=?=" })
      expect(encoded.status).toBe(200)
      for (const headers of [{}, { "mcp-param-region": "eu-west1" }, { "mcp-param-region": "=?base64?!!?=" }]) {
        const refused = await call(3, "us-west1", headers)
        expect(refused.status).toBe(400)
        expect((await refused.json() as any).error.code).toBe(-32020)
      }
    } finally {
      await Effect.runPromise(server.server.removeTool("query"))
    }
  })

  it("x-mcp-header: a call pinning a version is checked against that version's annotations", async () => {
    const annotated = (name: string) => Schema.String.annotations({ jsonSchema: { type: "string", "x-mcp-header": name } })
    const V1 = Tool.make("lookup", { version: "1.0.0", input: Schema.Struct({ region: annotated("Region"), key: Schema.String }) }, ({ region }) => Effect.succeed(`v1 ${region}`))
    const V2 = Tool.make("lookup", { version: "2.0.0", input: Schema.Struct({ region: Schema.String, key: annotated("Key") }) }, ({ key }) => Effect.succeed(`v2 ${key}`))
    await Effect.runPromise(Effect.zipRight(server.server.addTool(V1), server.server.addTool(V2)))
    try {
      const args = { region: "eu", key: "k1" }
      const call = (id: number, headers: Record<string, string>, version?: string) =>
        post2026(server.url, id, "tools/call", { name: "lookup", arguments: args }, headers, version === undefined ? {} : { meta: { "machine-context/toolVersion": version } })
      // Unpinned: the default (2.0.0) wants Mcp-Param-Key, and no Region.
      const unpinned = await call(1, { "mcp-param-key": "k1" })
      expect(unpinned.status).toBe(200)
      expect((await answerOf(unpinned)).result.content[0].text).toBe("v2 k1")
      // Pinned to 1.0.0: its Region header is required, the default's Key header is not.
      const pinned = await call(2, { "mcp-param-region": "eu" }, "1.0.0")
      expect(pinned.status).toBe(200)
      expect((await answerOf(pinned)).result.content[0].text).toBe("v1 eu")
      for (const headers of [{ "mcp-param-key": "k1" }, { "mcp-param-region": "us" }]) {
        const refused = await call(3, headers, "1.0.0")
        expect(refused.status).toBe(400)
        const error = (await refused.json() as any).error
        expect(error.code).toBe(-32020)
        expect(error.message).toContain("Mcp-Param-Region")
      }
      // An unknown pinned version has no annotations to check: the call itself says the version is unknown.
      const unknown = await answerOf(await call(4, {}, "9.0.0"))
      expect(unknown.error).toMatchObject({ code: -32602, data: { name: "lookup", version: "9.0.0" } })
    } finally {
      await Effect.runPromise(server.server.removeTool("lookup"))
    }
  })

  it("at shutdown a listen stream gets its graceful result, then ends", async () => {
    const own = await start()
    const listening = await post2026(own.url, "listen-2", "subscriptions/listen", { notifications: { toolsListChanged: true } })
    let closing: Promise<void> | undefined
    const { events, ended } = await readEvents(listening, (_, all) => {
      if (all.length === 1) closing = own.close()
      return false
    })
    await closing
    expect(ended).toBe(true)
    expect(messages(events).at(-1)).toMatchObject({
      id: "listen-2",
      result: { resultType: "complete", _meta: { "io.modelcontextprotocol/subscriptionId": "listen-2" } }
    })
  })

  it("interrupts the request when its client drops the response stream", async () => {
    const before = interruptions.slow
    const controller = new AbortController()
    const slow = await post2026(server.url, 11, "tools/call", { name: "slow", arguments: { ms: 2_000 } }, {}, { signal: controller.signal })
    expect(slow.headers.get("content-type")).toBe("text/event-stream")
    controller.abort()
    await delay(100)
    expect(interruptions.slow).toBe(before + 1)
  })
  it("a capability found missing while the handler runs is still answered with 400 and -32021", async () => {
    const Interview = Tool.make("interview", { input: Schema.Struct({}) }, () =>
      Effect.flatMap(ToolContext, (context) => context.elicit("Name?", Schema.Struct({ name: Schema.String }))).pipe(
        Effect.delay("20 millis"),
        Effect.map((answer) => answer.action),
        Effect.orDie
      ))
    await Effect.runPromise(server.server.addTool(Interview))
    try {
      const refused = await post2026(server.url, 1, "tools/call", { name: "interview", arguments: {} })
      expect(refused.status).toBe(400)
      expect(refused.headers.get("content-type")).toBe("application/json")
      expect(await refused.json()).toMatchObject({ id: 1, error: { code: -32021, data: { requiredCapabilities: { elicitation: { form: {} } } } } })
      const asked = await answerOf(await post2026(server.url, 2, "tools/call", { name: "interview", arguments: {} }, {}, { capabilities: { elicitation: {} } }))
      expect(asked.result.resultType).toBe("input_required")
    } finally {
      await Effect.runPromise(server.server.removeTool("interview"))
    }
  })

  it("the tasks extension: -32021 with 400 without it; with it a task, polled with the task id in Mcp-Name", async () => {
    const Report = Tool.make("report", { input: Schema.Struct({}), execution: { taskSupport: "required" } }, () => Effect.succeed("reported"))
    await Effect.runPromise(server.server.addTool(Report))
    try {
      const refused = await post2026(server.url, 1, "tools/call", { name: "report", arguments: {} })
      expect(refused.status).toBe(400)
      expect((await refused.json() as any).error.code).toBe(-32021)

      const capabilities = { extensions: { "io.modelcontextprotocol/tasks": {} } }
      const created = (await answerOf(await post2026(server.url, 2, "tools/call", { name: "report", arguments: {} }, {}, { capabilities }))).result
      expect(created).toMatchObject({ resultType: "task", status: "working" })
      let task: any
      for (let i = 0; i < 200 && task?.status !== "completed"; i++) {
        task = (await answerOf(await post2026(server.url, 3 + i, "tasks/get", { taskId: created.taskId }, {}, { capabilities }))).result
        if (task.status !== "completed") await delay(5)
      }
      expect(task.result.content).toEqual([{ type: "text", text: "reported" }])
      const mismatch = await post2026(server.url, 300, "tasks/get", { taskId: created.taskId }, { "mcp-name": "other" }, { capabilities })
      expect(mismatch.status).toBe(400)
      expect((await mismatch.json() as any).error.code).toBe(-32020)
    } finally {
      await Effect.runPromise(server.server.removeTool("report"))
    }
  })
})
