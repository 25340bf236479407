/**
 * Every primitive of the demo server through both official clients, over stdio (a real child
 * process `mcx serve --stdio --demo`) and, for the v2 client's `subscriptions/listen`, over
 * Streamable HTTP: resources, templates, prompts, completion, subscriptions receiving updates,
 * elicitation and sampling answered by the clients' handlers; in 2026-07-28 the listen stream
 * and its graceful end when the server stops.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from "@modelcontextprotocol/client"
import { StdioClientTransport as StdioTransportV2 } from "@modelcontextprotocol/client/stdio"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { CreateMessageRequestSchema, ElicitRequestSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import { afterEach, describe, expect, it } from "vitest"
import { delay, killIfRunning, projectRoot, serverArgs, spawnHttpServer } from "./support/server.js"

/** PIDs of servers started by a test, killed after it if still running. */
const started: Array<number> = []
afterEach(() => {
  for (const pid of started.splice(0)) killIfRunning(pid)
})

const until = async (condition: () => boolean, ms = 5_000): Promise<void> => {
  for (let waited = 0; waited < ms && !condition(); waited += 20) await delay(20)
}

const textOf = (result: unknown): string => (result as { readonly content: ReadonlyArray<{ readonly text: string }> }).content[0]!.text

describe("the SDK v1 client over stdio, every primitive", () => {
  it("resources, templates, prompts, completion, a subscription's updates, elicitation and sampling", async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: serverArgs(), cwd: projectRoot, stderr: "ignore" })
    const client = new Client({ name: "e2e-v1-stdio", version: "1.0.0" }, { capabilities: { elicitation: {}, sampling: {} } })
    const updated: Array<string> = []
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { name: "Lin" } }))
    client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: "assistant", content: { type: "text", text: "in short" }, model: "m" }))
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri)
    })
    await client.connect(transport)
    started.push(transport.pid!)
    try {
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["demo://about", "demo://counter"])
      expect((await client.listResourceTemplates()).resourceTemplates[0]!.uriTemplate).toBe("demo://echo/{text}")
      expect((await client.readResource({ uri: "demo://echo/stdio" })).contents[0]).toMatchObject({ text: "stdio" })
      expect((await client.getPrompt({ name: "greet", arguments: { name: "Lin" } })).messages[0]!.content).toMatchObject({ text: "Greet Lin in a casual way." })
      expect((await client.complete({ ref: { type: "ref/resource", uri: "demo://echo/{text}" }, argument: { name: "text", value: "bo" } })).completion.values)
        .toEqual(["bonjour"])
      await client.subscribeResource({ uri: "demo://counter" })
      await client.callTool({ name: "increment", arguments: {} })
      await until(() => updated.length > 0)
      expect(updated).toEqual(["demo://counter"])
      expect((await client.readResource({ uri: "demo://counter" })).contents[0]).toMatchObject({ text: "1" })
      expect(textOf(await client.callTool({ name: "ask", arguments: {} }))).toBe("Hello, Lin!")
      expect(textOf(await client.callTool({ name: "summarize", arguments: { text: "x" } }))).toBe("in short")
    } finally {
      await client.close()
    }
  })
})

/** A v2 client pinned to 2026-07-28, with elicitation and sampling handlers and a record of resource updates. */
const clientV2 = () => {
  const client = new ClientV2({ name: "e2e-v2", version: "1.0.0" }, {
    capabilities: { elicitation: { form: {} }, sampling: {} },
    versionNegotiation: { mode: { pin: "2026-07-28" } }
  })
  const updated: Array<string> = []
  client.setRequestHandler("elicitation/create", async () => ({ action: "accept" as const, content: { name: "Kay" } }))
  client.setRequestHandler("sampling/createMessage", async () => ({ model: "m", role: "assistant" as const, content: { type: "text" as const, text: "tl;dr" } }))
  client.setNotificationHandler("notifications/resources/updated", async (n) => {
    updated.push(n.params.uri)
  })
  return { client, updated }
}

describe("the SDK v2 client, 2026-07-28 over stdio, every primitive", () => {
  it("discovers, reads, gets, completes, listens for updates, is asked for input, and sees the listen end gracefully on SIGTERM", async () => {
    const transport = new StdioTransportV2({ command: process.execPath, args: serverArgs(), cwd: projectRoot, stderr: "ignore" })
    const { client, updated } = clientV2()
    await client.connect(transport, { timeout: 10_000 })
    started.push(transport.pid!)
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28")
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["demo://about", "demo://counter"])
    expect((await client.readResource({ uri: "demo://echo/v2" })).contents[0]).toMatchObject({ text: "v2" })
    expect((await client.getPrompt({ name: "greet", arguments: { name: "Kay", style: "formal" } })).messages[0]!.content).toMatchObject({ text: "Greet Kay in a formal way." })
    expect((await client.complete({ ref: { type: "ref/prompt", name: "greet" }, argument: { name: "style", value: "c" } })).completion.values).toEqual(["casual"])
    const subscription = await client.listen({ resourceSubscriptions: ["demo://counter"] })
    expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: ["demo://counter"] })
    await client.callTool({ name: "increment", arguments: {} })
    await until(() => updated.length > 0)
    expect(updated).toEqual(["demo://counter"])
    expect(textOf(await client.callTool({ name: "ask", arguments: {} }, { timeout: 15_000 }))).toBe("Hello, Kay!")
    expect(textOf(await client.callTool({ name: "summarize", arguments: { text: "y" } }, { timeout: 15_000 }))).toBe("tl;dr")
    process.kill(transport.pid!, "SIGTERM")
    expect(await Promise.race([subscription.closed, delay(10_000).then(() => "timeout")])).toBe("graceful")
    await client.close().catch(() => undefined)
  })
})

describe("the SDK v2 client, 2026-07-28 over Streamable HTTP: subscriptions/listen", () => {
  it("receives updates on its listen stream, and a graceful end when the server stops", async () => {
    const { child, url } = await spawnHttpServer()
    started.push(child.pid!)
    const { client, updated } = clientV2()
    await client.connect(new HttpTransportV2(url), { timeout: 10_000 })
    const subscription = await client.listen({ resourceSubscriptions: ["demo://counter"] })
    await client.callTool({ name: "increment", arguments: {} })
    await until(() => updated.length > 0)
    expect(updated).toEqual(["demo://counter"])
    child.kill("SIGTERM")
    expect(await Promise.race([subscription.closed, delay(10_000).then(() => "timeout")])).toBe("graceful")
    await client.close().catch(() => undefined)
  })
})
