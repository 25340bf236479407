/**
 * Contexts shared across sessions: two official SDK clients on their own Streamable HTTP
 * sessions of one `node dist/mcx.js serve --port 0`. One writes, the other, subscribed to
 * `context://{id}`, hears of it on its standalone stream and reads the new value.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { delay, type HttpServer, killIfRunning, spawnHttpServer } from "../e2e/support/server.js"

describe("contexts shared by two SDK clients over Streamable HTTP", () => {
  let server: HttpServer | undefined
  const clients: Array<Client> = []

  beforeAll(async () => {
    server = await spawnHttpServer([])
    const url = server.url
    for (const name of ["writer", "watcher"]) {
      const client = new Client({ name, version: "1.0.0" }, { capabilities: {} })
      await client.connect(new StreamableHTTPClientTransport(url))
      clients.push(client)
    }
  })

  afterAll(async () => {
    for (const client of clients) await client.close()
    killIfRunning(server?.child.pid)
  })

  it("a change made in one session reaches the other's subscription", async () => {
    const [writer, watcher] = clients as [Client, Client]
    const updated: Array<string> = []
    watcher.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updated.push(notification.params.uri)
    })
    const created = await writer.callTool({ name: "context_create", arguments: { value: { step: 1 } } })
    const { id } = (created.structuredContent as { context: { id: string } }).context
    const uri = `context://${id}`
    await watcher.subscribeResource({ uri })
    // The watcher's standalone GET stream carries the notification (kept for it if not open yet).
    await writer.callTool({ name: "context_update", arguments: { id, merge: { step: 2 } } })
    for (let i = 0; i < 100 && updated.length === 0; i++) await delay(20)
    expect(updated[0]).toBe(uri)
    const read = await watcher.readResource({ uri })
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual({ step: 2 })
    const history = await watcher.callTool({ name: "context_history", arguments: { id } })
    expect((history.structuredContent as { entries: Array<{ actor: string }> }).entries.map((e) => e.actor)).toEqual(["writer", "writer"])
  })
})
