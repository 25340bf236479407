/** The client spawning our own server (`mcx serve --stdio --demo`, the built bundle) as a child process. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Demo from "../../src/cli/demo.js"
import * as McpClient from "../../src/client/McpClient.js"
import { requireBuiltServer } from "../e2e/support/server.js"

const spawned = (options: McpClient.Options = {}) =>
  McpClient.layerStdio({ command: process.execPath, args: [requireBuiltServer(), "serve", "--stdio", "--demo", "--db", ":memory:"], stderr: "ignore" }, options)

describe("McpClient over stdio with mcx", () => {
  for (const version of [undefined, "2025-11-25", "2024-11-05"] as const) {
    it.scopedLive(`negotiates ${version ?? "the newest version"}, lists and calls typed tools`, () =>
      Effect.gen(function*() {
        const client = yield* McpClient.McpClient
        expect(yield* client.protocolVersion).toBe(version ?? "2026-07-28")
        expect((yield* client.listTools).map((tool) => tool.name)).toEqual(["echo", "add", "sleep", "fail", "ask", "summarize", "report", "increment", "context_create", "context_get", "context_update", "context_delete", "context_list", "context_history", "context_diff",
          "context_restore", "context_transaction", "context_lease_acquire", "context_lease_renew", "context_lease_release", "context_export", "context_import", "context_verify"])
        expect(yield* client.tool(Demo.Echo)({ text: "over stdio" })).toEqual({ text: "over stdio" })
        expect(yield* client.state).toMatchObject({ _tag: "Connected", generation: 1 })
      }).pipe(Effect.provide(spawned(version === undefined ? {} : { protocolVersion: version }))), { timeout: 30_000 })
  }

  it.effect("fails to connect with ConnectError when the command cannot start", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Effect.provide(McpClient.McpClient, McpClient.layerStdio({ command: "/nonexistent/mcx-server" }))))
      expect(error._tag).toBe("ConnectError")
      expect(error.message).toContain("/nonexistent/mcx-server")
    }))
})
