/**
 * Contexts over the wire with the official MCP SDK client: it spawns `node dist/mcx.js serve
 * --stdio` (contexts are served by default) and creates, updates with a stale version, reads
 * and subscribes to `context://{id}`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { killIfRunning, projectRoot, requireBuiltServer } from "../e2e/support/server.js"

describe("contexts with the MCP TypeScript SDK over stdio", () => {
  let client: Client
  let transport: StdioClientTransport
  const updated: Array<string> = []

  beforeAll(async () => {
    transport = new StdioClientTransport({ command: process.execPath, args: [requireBuiltServer(), "serve", "--stdio", "--db", ":memory:"], cwd: projectRoot, stderr: "pipe" })
    client = new Client({ name: "contexts-e2e", version: "1.0.0" }, { capabilities: {} })
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updated.push(notification.params.uri)
    })
    await client.connect(transport)
  })

  afterAll(async () => {
    const pid = transport?.pid ?? null
    await client?.close()
    killIfRunning(pid)
  })

  it("creates a context, refuses a stale update with a visible conflict, and notifies a subscriber", async () => {
    const created = await client.callTool({ name: "context_create", arguments: { value: { count: 0 }, labels: { app: "e2e" } } })
    expect(created.isError ?? false).toBe(false)
    const context = (created.structuredContent as { context: { id: string; version: number; owner: string } }).context
    expect([context.version, context.owner]).toEqual([1, "contexts-e2e"])
    const uri = `context://${context.id}`
    await client.subscribeResource({ uri })

    const next = await client.callTool({ name: "context_update", arguments: { id: context.id, merge: { count: 1 }, expectedVersion: 1 } })
    expect((next.structuredContent as { context: { version: number; value: unknown } }).context).toMatchObject({ version: 2, value: { count: 1 } })

    const stale = await client.callTool({ name: "context_update", arguments: { id: context.id, value: { count: 99 }, expectedVersion: 1 } })
    expect(stale.isError).toBe(true)
    expect((stale.content as Array<{ text: string }>)[0]!.text).toMatch(/VersionConflict.*expected version 1, the current version is 2/)

    for (let i = 0; i < 100 && updated.length === 0; i++) await new Promise((done) => setTimeout(done, 20))
    expect(updated).toEqual([uri])

    const read = await client.readResource({ uri })
    expect(read.contents[0]).toMatchObject({ uri, mimeType: "application/json", text: JSON.stringify({ count: 1 }) })
    const completion = await client.complete({ ref: { type: "ref/resource", uri: "context://{id}" }, argument: { name: "id", value: "ctx_" } })
    expect(completion.completion.values).toContain(context.id)
  })
})
