import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Demo from "../../src/cli/demo.js"
import * as McpClient from "../../src/client/McpClient.js"
import * as McpServer from "../../src/server/McpServer.js"

const server = McpServer.layer({ name: "demo", version: "1.0.0" }, { tools: Demo.tools, ...Demo.features, pageSize: 2 })

const clientOf = (options: McpClient.Options = {}) => McpClient.layerInMemory(server, options)

describe("McpClient in memory", () => {
  it.scoped("negotiates 2026-07-28 by default and lists tools across pages", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      expect(yield* client.protocolVersion).toBe("2026-07-28")
      const tools = yield* client.listTools
      expect(tools.map((t) => t.name)).toEqual(["echo", "add", "sleep", "fail"])
      const result = yield* client.callTool("add", { a: 2, b: 3 })
      expect(result.structuredContent).toEqual({ sum: 5 })
    }).pipe(Effect.provide(clientOf())))

  it.scoped("initializes a pinned stateful version", () =>
    Effect.gen(function*() {
      const client = yield* McpClient.McpClient
      expect(yield* client.protocolVersion).toBe("2025-06-18")
      expect((yield* client.serverInfo)?.name).toBe("demo")
      yield* client.ping
      const echo = client.tool(Demo.Echo)
      expect(yield* echo({ text: "hi" })).toEqual({ text: "hi" })
    }).pipe(Effect.provide(clientOf({ protocolVersion: "2025-06-18" }))))
})
