/**
 * End-to-end tests of `mcx serve --stdio --demo` through raw bytes on its stdin: framing, the
 * JSON-RPC error answers (codes and ids), limits, batches, cancellation and pipelining.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { delay, type Id, type Message, RawServer } from "./support/server.js"

const ERR = { parse: -32700, invalidRequest: -32600, methodNotFound: -32601, invalidParams: -32602 } as const

/** Servers started by one test, killed (by PID) after it. */
const perTest: Array<RawServer> = []
const startForTest = async (): Promise<RawServer> => {
  const server = await RawServer.start()
  perTest.push(server)
  return server
}
afterEach(() => {
  for (const server of perTest.splice(0)) server.kill()
})

/**
 * Writes `input`, then a ping, and returns every message the server wrote from the input up to
 * (not including) the ping's answer. Since answers to lines that are not handed to a tool are
 * written in order, this is exactly what the server answered to `input`.
 */
const answersTo = async (server: RawServer, input: string | Buffer, waitIds: ReadonlyArray<Id> = []): Promise<Array<Message>> => {
  const from = server.messages.length
  await server.write(input)
  const pong = await server.ping()
  expect(pong.result).toEqual({})
  // Answers that come from a tool handler may follow the ping's: wait for those by id.
  await Promise.all(waitIds.map((id) => server.response(id, { from })))
  return server.messages.slice(from).filter((m) => m !== pong) as Array<Message>
}

const expectError = (message: Message | undefined, code: number, id: Id | null) => {
  expect(message, "an answer").toBeDefined()
  expect(message!.jsonrpc).toBe("2.0")
  expect(message!.result).toBeUndefined()
  expect(message!.error.code).toBe(code)
  expect(typeof message!.error.message).toBe("string")
  expect(message!).toHaveProperty("id")
  expect(Object.is(message!.id, id), `id ${JSON.stringify(message!.id)} (${typeof message!.id}) should be ${JSON.stringify(id)} (${typeof id})`).toBe(true)
}

const line = (value: unknown) => JSON.stringify(value) + "\n"
const call = (id: Id, name: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, ...extra } })

describe("before initialize", () => {
  let server: RawServer
  beforeAll(async () => {
    server = await RawServer.start()
  })
  afterAll(() => server?.kill())

  it("answers ping with an empty result", async () => {
    const pong = await server.request(1, "ping")
    expect(pong).toEqual({ jsonrpc: "2.0", id: 1, result: {} })
  })

  it.each([
    ["tools/list", { jsonrpc: "2.0", id: 2, method: "tools/list" }, 2],
    ["tools/call", call("pre-3", "echo", { text: "too early" }), "pre-3"]
  ] as const)("rejects %s with -32600 and the request's id", async (_name, request, id) => {
    const answers = await answersTo(server, line(request))
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, id)
    expect(answers[0]!.error.message).toMatch(/initializ/i)
  })

  it("rejects a batch with a single -32600 with id null", async () => {
    const answers = await answersTo(server, line([
      { jsonrpc: "2.0", id: 4, method: "ping" },
      { jsonrpc: "2.0", id: 5, method: "ping" }
    ]))
    expect(answers).toHaveLength(1)
    expect(Array.isArray(answers[0])).toBe(false)
    expectError(answers[0], ERR.invalidRequest, null)
  })

  it("answers malformed JSON with -32700 and id null", async () => {
    const answers = await answersTo(server, "{\"jsonrpc\":\"2.0\",\"id\":6,\n")
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.parse, null)
  })

  it("then initializes normally and serves tools", async () => {
    const init = await server.initialize("2025-06-18")
    expect(init.result.protocolVersion).toBe("2025-06-18")
    const listed = await server.request(7, "tools/list")
    expect(listed.result.tools.map((t: Message) => t.name).sort()).toEqual([
      "add", "ask", "context_create", "context_delete", "context_diff", "context_export", "context_get", "context_history", "context_import", "context_lease_acquire", "context_lease_release", "context_lease_renew", "context_list", "context_restore", "context_transaction", "context_update", "context_verify", "echo", "fail", "increment", "report", "sleep", "summarize"
    ])
  })
})

describe("version negotiation", () => {
  it.each(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])("accepts %s", async (version) => {
    const server = await startForTest()
    const init = await server.initialize(version)
    expect(init.error).toBeUndefined()
    expect(init.result.protocolVersion).toBe(version)
    expect(init.result.serverInfo).toEqual({ name: "mcx", version: "0.1.0" })
    expect(init.result.capabilities.tools).toBeDefined()
    const echoed = await server.request(1, "tools/call", { name: "echo", arguments: { text: version } })
    expect(echoed.result.structuredContent).toEqual({ text: version })
  })

  it("answers an unknown requested version with 2025-11-25", async () => {
    const server = await startForTest()
    const init = await server.initialize("1999-01-01")
    expect(init.result.protocolVersion).toBe("2025-11-25")
    expect((await server.ping()).result).toEqual({})
  })

  it("reports invalid tool arguments as an isError result under 2025-11-25", async () => {
    const server = await startForTest()
    await server.initialize("2025-11-25")
    const answer = await server.request(1, "tools/call", { name: "add", arguments: { a: "one", b: 2 } })
    expect(answer.error).toBeUndefined()
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].type).toBe("text")
    expect(answer.result.content[0].text).toMatch(/a/)
  })

  it("keeps the isError result for invalid arguments conformant to the tool's outputSchema (2025-11-25)", async () => {
    const server = await startForTest()
    await server.initialize("2025-11-25")
    const listed = await server.request("list", "tools/list")
    const add = listed.result.tools.find((tool: Message) => tool.name === "add")
    expect(add.outputSchema.required).toEqual(["sum"])
    const answer = await server.request(1, "tools/call", { name: "add", arguments: { a: "one", b: 2 } })
    expect(answer.result.isError).toBe(true)
    // "If an output schema is provided, servers MUST provide structured results that conform to
    // this schema": clients (the official SDK among them) validate any structuredContent, so an
    // error result of `add` may leave it out, but must not carry a different shape.
    const structured = answer.result.structuredContent
    if (structured !== undefined) {
      expect(Object.keys(structured)).toEqual(["sum"])
      expect(typeof structured.sum).toBe("number")
    }
  })
})

interface Row {
  readonly name: string
  readonly input: string
  /** The expected single answer, or `"none"` when nothing must be answered. */
  readonly expected: { readonly code: number; readonly id: Id | null; readonly message?: RegExp } | "none"
}

const rows: ReadonlyArray<Row> = [
  { name: "malformed JSON (unterminated object)", input: "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"\n", expected: { code: ERR.parse, id: null } },
  { name: "not JSON at all", input: "hello there\n", expected: { code: ERR.parse, id: null } },
  { name: "trailing garbage after an object", input: "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"} x\n", expected: { code: ERR.parse, id: null } },
  { name: "missing jsonrpc", input: line({ id: 11, method: "ping" }), expected: { code: ERR.invalidRequest, id: 11 } },
  { name: "jsonrpc \"1.0\"", input: line({ jsonrpc: "1.0", id: 12, method: "ping" }), expected: { code: ERR.invalidRequest, id: 12 } },
  { name: "jsonrpc as the number 2", input: line({ jsonrpc: 2, id: "j2", method: "ping" }), expected: { code: ERR.invalidRequest, id: "j2" } },
  { name: "id is an object", input: line({ jsonrpc: "2.0", id: { n: 1 }, method: "ping" }), expected: { code: ERR.invalidRequest, id: null } },
  { name: "id is a boolean", input: line({ jsonrpc: "2.0", id: true, method: "ping" }), expected: { code: ERR.invalidRequest, id: null } },
  { name: "id is null", input: line({ jsonrpc: "2.0", id: null, method: "ping" }), expected: { code: ERR.invalidRequest, id: null } },
  { name: "id is an array", input: line({ jsonrpc: "2.0", id: [1], method: "ping" }), expected: { code: ERR.invalidRequest, id: null } },
  {
    name: "a notification carrying an id",
    input: line({ jsonrpc: "2.0", id: 13, method: "notifications/initialized" }),
    expected: { code: ERR.invalidRequest, id: 13 }
  },
  { name: "unknown method", input: line({ jsonrpc: "2.0", id: 14, method: "no/such/method" }), expected: { code: ERR.methodNotFound, id: 14 } },
  { name: "method is not a string", input: line({ jsonrpc: "2.0", id: 15, method: 5 }), expected: { code: ERR.invalidRequest, id: 15 } },
  {
    name: "tools/call with name: 5",
    input: line({ jsonrpc: "2.0", id: 16, method: "tools/call", params: { name: 5 } }),
    expected: { code: ERR.invalidParams, id: 16, message: /name/ }
  },
  {
    name: "tools/call without params",
    input: line({ jsonrpc: "2.0", id: 17, method: "tools/call" }),
    expected: { code: ERR.invalidParams, id: 17, message: /name/ }
  },
  {
    name: "params is an array",
    input: line({ jsonrpc: "2.0", id: 18, method: "tools/call", params: ["echo"] }),
    expected: { code: ERR.invalidParams, id: 18 }
  },
  { name: "unknown tool", input: line(call(19, "no_such_tool", {})), expected: { code: ERR.invalidParams, id: 19, message: /no_such_tool/ } },
  {
    name: "tool arguments failing the input schema (2025-06-18)",
    input: line(call(20, "echo", { text: 5 })),
    expected: { code: ERR.invalidParams, id: 20, message: /text/ }
  },
  { name: "sleep with ms out of range", input: line(call(21, "sleep", { ms: -1 })), expected: { code: ERR.invalidParams, id: 21, message: /ms/ } },
  { name: "a JSON number", input: "42\n", expected: { code: ERR.invalidRequest, id: null } },
  { name: "a JSON string", input: "\"ping\"\n", expected: { code: ERR.invalidRequest, id: null } },
  { name: "JSON null", input: "null\n", expected: { code: ERR.invalidRequest, id: null } },
  {
    name: "a batch under 2025-06-18",
    input: line([{ jsonrpc: "2.0", id: 22, method: "ping" }, { jsonrpc: "2.0", id: 23, method: "ping" }]),
    expected: { code: ERR.invalidRequest, id: null }
  },
  { name: "an empty array under 2025-06-18", input: "[]\n", expected: { code: ERR.invalidRequest, id: null } },
  { name: "neither request nor response", input: line({ jsonrpc: "2.0", id: 24 }), expected: { code: ERR.invalidRequest, id: 24 } },
  {
    name: "a second initialize",
    input: line({ jsonrpc: "2.0", id: "re-init", method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "again", version: "1" } } }),
    expected: { code: ERR.invalidRequest, id: "re-init" }
  },
  {
    name: "initialize with bad params",
    input: line({ jsonrpc: "2.0", id: "init-bad", method: "initialize", params: { protocolVersion: 5 } }),
    expected: { code: ERR.invalidParams, id: "init-bad", message: /protocolVersion/ }
  },
  { name: "an unknown notification", input: line({ jsonrpc: "2.0", method: "notifications/no_such_thing" }), expected: "none" },
  { name: "a response to no request of the server", input: line({ jsonrpc: "2.0", id: "nobody-asked", result: {} }), expected: "none" },
  {
    name: "a cancellation of an unknown request",
    input: line({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "unknown" } }),
    expected: "none"
  }
]

describe("bad inputs after initialize (2025-06-18)", () => {
  let server: RawServer
  beforeAll(async () => {
    server = await RawServer.start()
    await server.initialize("2025-06-18")
  })
  afterAll(() => server?.kill())

  it.each(rows)("$name", async ({ input, expected }) => {
    const answers = await answersTo(server, input, expected !== "none" && expected.id !== null ? [expected.id] : [])
    if (expected === "none") {
      expect(answers).toEqual([])
      return
    }
    expect(answers).toHaveLength(1)
    expectError(answers[0], expected.code, expected.id)
    if (expected.message !== undefined) expect(answers[0]!.error.message).toMatch(expected.message)
  })

  it("still answers ping and serves tools after the whole table", async () => {
    expect((await server.ping()).result).toEqual({})
    const echoed = await server.request("after-table", "tools/call", { name: "echo", arguments: { text: "still here" } })
    expect(echoed.result.structuredContent).toEqual({ text: "still here" })
    expect(server.nonJson).toEqual([])
  })

  it("all the bad inputs at once, in one write, get one answer each", async () => {
    const all = rows.map((row) => row.input).join("")
    const expected = rows.flatMap((row) => (row.expected === "none" ? [] : [row.expected]))
    const answers = await answersTo(server, all, expected.flatMap((want) => (want.id === null ? [] : [want.id])))
    expect(answers).toHaveLength(expected.length)
    const key = (code: number, id: Id | null) => `${code} ${typeof id} ${String(id)}`
    expect(answers.map((answer) => key(answer.error?.code, answer.id)).sort())
      .toEqual(expected.map((want) => key(want.code, want.id)).sort())
  })
})

describe("limits", () => {
  let server: RawServer
  beforeAll(async () => {
    server = await RawServer.start()
    await server.initialize("2025-06-18")
  })
  afterAll(() => server?.kill())

  it("answers an 8 MiB single-line message with -32600 \"Message too large\" and its id", async () => {
    const text = "x".repeat(8 * 1024 * 1024)
    const answers = await answersTo(server, line(call("big-8", "echo", { text })))
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, "big-8")
    expect(answers[0]!.error.message).toMatch(/Message too large/)
    expect((await server.ping()).result).toEqual({})
  })

  it("answers an oversized message with a number id with that number id", async () => {
    const text = "y".repeat(5 * 1024 * 1024)
    const answers = await answersTo(server, line(call(4242, "echo", { text })))
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, 4242)
    expect((await server.ping()).result).toEqual({})
  })

  it("answers an oversized line without a readable id with id null", async () => {
    const answers = await answersTo(server, "z".repeat(5 * 1024 * 1024) + "\n")
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, null)
  })

  it("accepts a message of exactly 4 MiB and rejects one of 4 MiB + 1 byte", async () => {
    const limit = 4 * 1024 * 1024
    const sized = (id: string, bytes: number) => {
      const empty = JSON.stringify(call(id, "echo", { text: "" }))
      const text = "e".repeat(bytes - Buffer.byteLength(empty))
      const message = JSON.stringify(call(id, "echo", { text }))
      expect(Buffer.byteLength(message)).toBe(bytes)
      return { message, text }
    }
    const exact = sized("exact", limit)
    const from = server.messages.length
    await server.write(exact.message + "\n")
    const answer = await server.response("exact", { from, timeoutMs: 20_000 })
    expect(answer.error).toBeUndefined()
    expect(answer.result.structuredContent.text).toBe(exact.text)

    const over = sized("over", limit + 1)
    const answers = await answersTo(server, over.message + "\n", ["over"])
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, "over")
    expect(answers[0]!.error.message).toMatch(/Message too large/)
  })

  it("serves a request written right after an oversized line, in the same write", async () => {
    const from = server.messages.length
    await server.write(line(call("big-then", "echo", { text: "x".repeat(6 * 1024 * 1024) })) + line(call("then", "echo", { text: "then" })))
    expectError(await server.response("big-then", { from }), ERR.invalidRequest, "big-then")
    expect((await server.response("then", { from })).result.structuredContent).toEqual({ text: "then" })
  })

  it("serves a 1 MiB echo (under the limit) intact", async () => {
    const text = "0123456789abcdef".repeat(64 * 1024)
    const answer = await server.request("mib", "tools/call", { name: "echo", arguments: { text } })
    expect(answer.result.structuredContent.text).toBe(text)
    expect(answer.result.content[0].text).toBe(text)
  })

  it("answers a 5,000-deep nesting inside params with -32600 and its id", async () => {
    const depth = 5000
    const deep = "[".repeat(depth) + "]".repeat(depth)
    const input = `{"jsonrpc":"2.0","id":"deep-5000","method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${deep}}}}\n`
    const answers = await answersTo(server, input)
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, "deep-5000")
    expect(answers[0]!.error.message).toMatch(/nest|deep/i)
    expect((await server.ping()).result).toEqual({})
  })

  it("answers a 1,000,000-deep nesting (2 MB, under the size limit) with -32600 and its id", async () => {
    const depth = 1_000_000
    const input = `{"jsonrpc":"2.0","id":"deepest","method":"ping","params":{"deep":${"[".repeat(depth)}${"]".repeat(depth)}}}\n`
    const answers = await answersTo(server, input)
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, "deepest")
  })

  it("answers a nesting just over the default depth of 64 with -32600 and its id", async () => {
    const deep = "[".repeat(70) + "]".repeat(70)
    const input = `{"jsonrpc":"2.0","id":65,"method":"ping","params":{"deep":${deep}}}\n`
    const answers = await answersTo(server, input)
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, 65)
  })

  it("answers an array of more than 100k elements with -32600 and its id", async () => {
    const input = `{"jsonrpc":"2.0","id":"wide","method":"ping","params":{"wide":[${"0,".repeat(100_001)}0]}}\n`
    const answers = await answersTo(server, input)
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, "wide")
  })

  it("still answers ping and serves tools after the big inputs", async () => {
    expect((await server.ping()).result).toEqual({})
    const sum = await server.request("after-big", "tools/call", { name: "add", arguments: { a: 2, b: 40 } })
    expect(sum.result.structuredContent).toEqual({ sum: 42 })
    expect(server.nonJson).toEqual([])
  })
})

describe("batches under 2025-03-26", () => {
  let server: RawServer
  beforeAll(async () => {
    server = await RawServer.start()
    const init = await server.initialize("2025-03-26")
    expect(init.result.protocolVersion).toBe("2025-03-26")
  })
  afterAll(() => server?.kill())

  it("answers 2 requests + 1 notification with an array of 2 responses", async () => {
    const answers = await answersTo(server, line([
      call("b1", "echo", { text: "first" }),
      { jsonrpc: "2.0", method: "notifications/initialized" },
      call(2, "add", { a: 1, b: 2 })
    ]))
    expect(answers).toHaveLength(1)
    const batch = answers[0] as unknown as Array<Message>
    expect(Array.isArray(batch)).toBe(true)
    expect(batch).toHaveLength(2)
    const byId = new Map(batch.map((m) => [m.id, m]))
    expect(byId.get("b1")?.result.structuredContent).toEqual({ text: "first" })
    expect(byId.get(2)?.result.structuredContent).toEqual({ sum: 3 })
  })

  it("answers an empty batch with a single -32600", async () => {
    const answers = await answersTo(server, "[]\n")
    expect(answers).toHaveLength(1)
    expectError(answers[0], ERR.invalidRequest, null)
  })

  it("answers the invalid members of a batch inside the array", async () => {
    const answers = await answersTo(server, line([{ jsonrpc: "2.0", id: "ok", method: "ping" }, 42, { jsonrpc: "2.0", id: "nm", method: "no/such" }]))
    expect(answers).toHaveLength(1)
    const batch = answers[0] as unknown as Array<Message>
    expect(Array.isArray(batch)).toBe(true)
    expect(batch).toHaveLength(3)
    const ok = batch.find((m) => m.id === "ok")
    expect(ok?.result).toEqual({})
    const nm = batch.find((m) => m.id === "nm")
    expect(nm?.error.code).toBe(ERR.methodNotFound)
    const invalid = batch.filter((m) => m.id === null)
    expect(invalid).toHaveLength(1)
    expect(invalid[0]!.error.code).toBe(ERR.invalidRequest)
  })

  it("answers nothing to a batch of notifications only", async () => {
    const answers = await answersTo(server, line([
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", method: "notifications/no_such_thing" }
    ]))
    expect(answers).toEqual([])
  })

  it("leaves a cancelled request out of its batch's answer", async () => {
    const from = server.messages.length
    await server.write(line([call("bs", "sleep", { ms: 2000 }), { jsonrpc: "2.0", id: "bp", method: "ping" }]))
    await delay(100)
    await server.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "bs", reason: "test" } })
    const batch = (await server.waitFor((m) => Array.isArray(m), { from, timeoutMs: 5000, what: "the batch answer" })) as unknown as Array<Message>
    expect(batch).toEqual([{ jsonrpc: "2.0", id: "bp", result: {} }])
    expect((await server.ping()).result).toEqual({})
  })

  it("still answers ping afterwards", async () => {
    expect((await server.ping()).result).toEqual({})
    expect(server.nonJson).toEqual([])
  })
})

describe("ids", () => {
  let server: RawServer
  beforeAll(async () => {
    server = await RawServer.start()
    await server.initialize("2025-06-18")
  })
  afterAll(() => server?.kill())

  it("echoes string and number ids with their type (\"1\" and 1 are distinct)", async () => {
    const from = server.messages.length
    await server.write(line({ jsonrpc: "2.0", id: "1", method: "ping" }) + line({ jsonrpc: "2.0", id: 1, method: "ping" }))
    const asString = await server.response("1", { from })
    const asNumber = await server.response(1, { from })
    expect(asString).not.toBe(asNumber)
    expect(typeof asString.id).toBe("string")
    expect(typeof asNumber.id).toBe("number")
    expect(server.messages.slice(from).filter((m) => (m as Message).id === "1" || (m as Message).id === 1)).toHaveLength(2)
  })

  it.each([0, -7, 2 ** 40, "", "with spaces and ✓", "0"])("echoes the id %j as it is", async (id) => {
    const answer = await server.request(id, "tools/call", { name: "echo", arguments: { text: `id ${String(id)}` } })
    expect(Object.is(answer.id, id)).toBe(true)
    expect(answer.result.structuredContent).toEqual({ text: `id ${String(id)}` })
  })

  it("rejects a request whose id is already in flight, and still answers the first", async () => {
    const from = server.messages.length
    await server.send(call("dup", "sleep", { ms: 300 }))
    await server.send(call("dup", "echo", { text: "second" }))
    const first = await server.response("dup", { from })
    expectError(first, ERR.invalidRequest, "dup")
    const second = await server.waitFor((m) => (m as Message).id === "dup" && (m as Message).result !== undefined, { from, timeoutMs: 5000 })
    expect(second.result.structuredContent).toEqual({ slept: 300 })
  })
})

describe("framing", () => {
  let server: RawServer
  beforeAll(async () => {
    server = await RawServer.start()
    await server.initialize("2025-06-18")
  })
  afterAll(() => server?.kill())

  it("accepts CRLF line endings", async () => {
    const from = server.messages.length
    await server.write(JSON.stringify(call("crlf", "echo", { text: "crlf" })) + "\r\n")
    const answer = await server.response("crlf", { from })
    expect(answer.result.structuredContent).toEqual({ text: "crlf" })
  })

  it("ignores blank and whitespace-only lines", async () => {
    const answers = await answersTo(server, "\n\n   \n\t\n\r\n")
    expect(answers).toEqual([])
  })

  it("accepts a message written in 3 chunks with delays", async () => {
    const text = JSON.stringify(call("chunks", "echo", { text: "three chunks" })) + "\n"
    const from = server.messages.length
    const third = Math.floor(text.length / 3)
    await server.write(text.slice(0, third))
    await delay(50)
    await server.write(text.slice(third, 2 * third))
    await delay(50)
    await server.write(text.slice(2 * third))
    const answer = await server.response("chunks", { from })
    expect(answer.result.structuredContent).toEqual({ text: "three chunks" })
  })

  it("keeps a UTF-8 multi-byte character split across chunks intact", async () => {
    const text = "héllo 🌍 日本語 ✓"
    const bytes = Buffer.from(JSON.stringify(call("utf8", "echo", { text })) + "\n", "utf8")
    // Split inside the 4-byte globe: after its first two bytes.
    const globe = bytes.indexOf(Buffer.from("🌍", "utf8"))
    expect(globe).toBeGreaterThan(0)
    const from = server.messages.length
    await server.write(bytes.subarray(0, globe + 2))
    await delay(50)
    await server.write(bytes.subarray(globe + 2))
    const answer = await server.response("utf8", { from })
    expect(answer.result.structuredContent).toEqual({ text })
    expect(answer.result.content).toEqual([{ type: "text", text }])
  })

  it("round-trips escaped line terminators inside strings", async () => {
    const text = "a\r\nb\nc\u2028d\u2029e\u0000f"
    const from = server.messages.length
    await server.send(call("terminators", "echo", { text }))
    const answer = await server.response("terminators", { from })
    expect(answer.result.structuredContent).toEqual({ text })
  })

  it("splits a single write holding several messages and a partial one", async () => {
    const first = line({ jsonrpc: "2.0", id: "m1", method: "ping" })
    const second = JSON.stringify(call("m2", "echo", { text: "m2" })) + "\n"
    const from = server.messages.length
    await server.write(first + second.slice(0, 10))
    await delay(50)
    await server.write(second.slice(10))
    expect((await server.response("m1", { from })).result).toEqual({})
    expect((await server.response("m2", { from })).result.structuredContent).toEqual({ text: "m2" })
  })

  it("writes only JSON lines on stdout", async () => {
    // Provoke a typed failure and a few errors: their logs must go to stderr, never stdout.
    await server.request("f", "tools/call", { name: "fail", arguments: { message: "to stderr?" } })
    await answersTo(server, "not json\n")
    expect(server.lines.length).toBeGreaterThan(5)
    for (const text of server.lines) expect(() => JSON.parse(text), text.slice(0, 200)).not.toThrow()
    expect(server.nonJson).toEqual([])
  })
})

describe("cancellation", () => {
  it("sends no response for a cancelled request, and keeps answering", async () => {
    const server = await startForTest()
    await server.initialize("2025-06-18")
    const from = server.messages.length
    await server.send(call(77, "sleep", { ms: 2000 }, { _meta: { progressToken: "p77" } }))
    // Wait for the first progress report: the request is running.
    await server.waitFor((m) => (m as Message).method === "notifications/progress" && (m as Message).params?.progressToken === "p77", { from, timeoutMs: 5000 })
    await server.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 77, reason: "changed my mind" } })
    expect((await server.ping()).result).toEqual({})
    // The sleep would have finished 2 s after it started: wait past that.
    await delay(2500)
    expect(server.responsesWithId(77)).toEqual([])
    // No progress after the cancellation was handled either, at most the ones already in flight.
    const progress = server.messages.slice(from).filter((m) => (m as Message).params?.progressToken === "p77")
    expect(progress.length).toBeLessThan(10)
    expect((await server.ping()).result).toEqual({})
  })

  it("sends no response for a request cancelled right after it was sent", async () => {
    const server = await startForTest()
    await server.initialize("2025-06-18")
    await server.write(line(call("c1", "sleep", { ms: 1500 })) + line({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "c1" } }))
    const after = await server.request("after", "tools/call", { name: "echo", arguments: { text: "after" } })
    expect(after.result.structuredContent).toEqual({ text: "after" })
    await delay(1800)
    expect(server.responsesWithId("c1")).toEqual([])
  })

  it("does not confuse the number id 5 with the string id \"5\" when cancelling", async () => {
    const server = await startForTest()
    await server.initialize("2025-06-18")
    const from = server.messages.length
    await server.write(line(call(5, "sleep", { ms: 400 })) + line(call("5", "sleep", { ms: 400 })))
    await server.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "5" } })
    const kept = await server.response(5, { from, timeoutMs: 5000 })
    expect(kept.result.structuredContent).toEqual({ slept: 400 })
    await delay(300)
    expect(server.responsesWithId("5")).toEqual([])
  })
})

describe("progress", () => {
  it.each([["a number", 123], ["a string", "tok-1"]] as const)(
    "reports 10 increasing progress notifications with %s token, all before the result",
    async (_kind, token) => {
      const server = await startForTest()
      await server.initialize("2025-06-18")
      const from = server.messages.length
      await server.send(call("slow", "sleep", { ms: 200 }, { _meta: { progressToken: token } }))
      const answer = await server.response("slow", { from })
      expect(answer.result.structuredContent).toEqual({ slept: 200 })
      const until = server.messages.indexOf(answer)
      const progress = server.messages.slice(from).filter((m) => (m as Message).method === "notifications/progress") as Array<Message>
      expect(progress).toHaveLength(10)
      progress.forEach((notification, i) => {
        expect(server.messages.indexOf(notification)).toBeLessThan(until)
        expect(Object.is(notification.params.progressToken, token)).toBe(true)
        expect(notification.params.progress).toBe(i + 1)
        expect(notification.params.total).toBe(10)
      })
    }
  )

  it("sends no progress without a progress token", async () => {
    const server = await startForTest()
    await server.initialize("2025-06-18")
    const from = server.messages.length
    const answer = await server.request("quiet", "tools/call", { name: "sleep", arguments: { ms: 100 } })
    expect(answer.result.structuredContent).toEqual({ slept: 100 })
    expect(server.messages.slice(from).filter((m) => (m as Message).method !== undefined)).toEqual([])
  })
})

describe("pipelining", () => {
  it("answers 100 concurrent sleeps (more than the 64 served at once), except a cancelled queued one", async () => {
    const server = await startForTest()
    await server.initialize("2025-06-18")
    const from = server.messages.length
    let batch = ""
    for (let i = 0; i < 100; i++) batch += line(call(`s${i}`, "sleep", { ms: 300 }))
    // s99 waits for a slot behind the first 64: cancel it while it is queued.
    batch += line({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "s99" } })
    await server.write(batch)
    expect((await server.ping()).result).toEqual({})
    const answers = await Promise.all(Array.from({ length: 99 }, (_, i) => server.response(`s${i}`, { from, timeoutMs: 15_000 })))
    for (const answer of answers) expect(answer.result.structuredContent).toEqual({ slept: 300 })
    await delay(400)
    expect(server.responsesWithId("s99")).toEqual([])
    expect(server.messages.slice(from).filter((m) => (m as Message).error !== undefined)).toEqual([])
  })

  it("answers 200 echo requests sent without waiting, each with its own text", async () => {
    const server = await startForTest()
    await server.initialize("2025-06-18")
    const from = server.messages.length
    const count = 200
    const text = (i: number) => `message ${i} — ${"é".repeat(i % 7)}`
    // Several writes, none waiting for an answer.
    for (let start = 0; start < count; start += 50) {
      let chunk = ""
      for (let i = start; i < start + 50; i++) chunk += line(call(1000 + i, "echo", { text: text(i) }))
      void server.write(chunk)
    }
    const answers = await Promise.all(Array.from({ length: count }, (_, i) => server.response(1000 + i, { from, timeoutMs: 20_000 })))
    answers.forEach((answer, i) => {
      expect(answer.id).toBe(1000 + i)
      expect(answer.result.structuredContent).toEqual({ text: text(i) })
      expect(answer.result.content).toEqual([{ type: "text", text: text(i) }])
    })
    const responses = server.messages.slice(from).filter((m) => typeof (m as Message).id === "number")
    expect(responses).toHaveLength(count)
    expect(server.nonJson).toEqual([])
  })
})

describe("end of input", () => {
  it("answers a last line without a newline when stdin closes, then exits", async () => {
    const server = await startForTest()
    await server.initialize("2025-06-18")
    const exited = new Promise<number | null>((done) => server.child.once("exit", (code) => done(code)))
    const from = server.messages.length
    await server.write(JSON.stringify(call("last", "echo", { text: "no newline" })))
    server.child.stdin.end()
    const answer = await server.response("last", { from, timeoutMs: 5000 })
    expect(answer.result.structuredContent).toEqual({ text: "no newline" })
    const code = await Promise.race([exited, delay(10_000).then(() => "still running" as const)])
    expect(code).toBe(0)
  })
})

describe("shutdown", () => {
  it("answers an open subscriptions/listen (2026-07-28) with its graceful result on SIGTERM, then exits 0", async () => {
    const server = await startForTest()
    const meta = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
      "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }
    }
    await server.send({ jsonrpc: "2.0", id: "listen", method: "subscriptions/listen", params: { notifications: { toolsListChanged: true }, _meta: meta } })
    await server.waitFor((m: any) => m.method === "notifications/subscriptions/acknowledged")
    const exited = new Promise<number | null>((done) => server.child.once("exit", (code) => done(code)))
    server.child.kill("SIGTERM")
    const answer = await server.response("listen")
    expect(answer).toMatchObject({ result: { resultType: "complete", _meta: { "io.modelcontextprotocol/subscriptionId": "listen" } } })
    expect(await exited).toBe(0)
  })
})
