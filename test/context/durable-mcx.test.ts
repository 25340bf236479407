/**
 * `mcx serve --db FILE`: contexts written through the official SDK client survive the server
 * being killed with SIGKILL in the middle of a stream of writes; after a restart on the same
 * file every acknowledged write is there, and every context verifies over MCP (`context_verify`:
 * schema, contiguous versions, hash chain).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { projectRoot, requireBuiltServer } from "../e2e/support/server.js"

const dir = mkdtempSync(Path.join(tmpdir(), "mcx-db-"))
const db = Path.join(dir, "nested", "state.db")
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const connect = async (file = db, env: Record<string, string> = {}) => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [requireBuiltServer(), "serve", "--stdio", "--db", file],
    cwd: projectRoot,
    stderr: "ignore",
    env: { ...(process.env as Record<string, string>), ...env }
  })
  const client = new Client({ name: "durable-e2e", version: "1.0.0" })
  await client.connect(transport)
  return { client, pid: transport.pid! }
}

const structured = (result: unknown) => (result as { structuredContent: { context: { id: string; version: number; value: unknown } } }).structuredContent.context

describe("mcx serve --db FILE", () => {
  it("keeps every acknowledged write across a SIGKILL, with its history", { timeout: 60_000 }, async () => {
    const first = await connect()
    const id = structured(await first.client.callTool({ name: "context_create", arguments: { value: { n: 0 } } })).id
    // Two more contexts, one with a schema, written alone and in a transaction before the crash.
    const typed = structured(await first.client.callTool({ name: "context_create", arguments: { value: { items: [] }, schema: { type: "object", required: ["items"] } } })).id
    const plain = structured(await first.client.callTool({ name: "context_create", arguments: { value: 0 } })).id
    await first.client.callTool({ name: "context_update", arguments: { id: typed, patch: [{ op: "add", path: "/items/-", value: 1 }] } })
    const transaction = await first.client.callTool({
      name: "context_transaction",
      arguments: { writes: [{ op: "update", id: typed, merge: { done: true } }, { op: "update", id: plain, value: 1 }] }
    })
    expect(transaction.isError ?? false).toBe(false)
    let acknowledged = 0
    // Writes keep coming while the server is killed: the ones answered before it died must survive.
    const writing = (async () => {
      for (let n = 1; n <= 10_000; n++) {
        const result = await first.client.callTool({ name: "context_update", arguments: { id, value: { n } } })
        if (result.isError === true) break
        acknowledged = n
      }
    })().catch(() => undefined)
    while (acknowledged < 20) await new Promise((done) => setTimeout(done, 10))
    process.kill(first.pid, "SIGKILL")
    await writing
    await first.client.close().catch(() => undefined)

    const second = await connect()
    try {
      const read = structured(await second.client.callTool({ name: "context_get", arguments: { id } }))
      expect((read.value as { n: number }).n).toBeGreaterThanOrEqual(acknowledged)
      expect(read.version).toBe((read.value as { n: number }).n + 1)
      const listed = await second.client.callTool({ name: "context_list", arguments: {} })
      const contexts = (listed.structuredContent as { contexts: Array<{ id: string; version: number }> }).contexts
      expect(contexts.map((c) => c.id).sort()).toEqual([id, typed, plain].sort())
      for (const context of contexts) {
        const verified = await second.client.callTool({ name: "context_verify", arguments: { id: context.id } })
        expect(verified.structuredContent).toMatchObject({ valid: true, version: context.version })
      }
      expect(contexts.find((c) => c.id === typed)?.version).toBe(3)
    } finally {
      await second.client.close()
      try {
        process.kill(second.pid, "SIGKILL")
      } catch {
        // Already exited.
      }
    }
  })

  it("encrypts values at rest with MCX_DB_KEY, and refuses to open the file without it", { timeout: 60_000 }, async () => {
    const file = Path.join(dir, "secret.db")
    const key = { MCX_DB_KEY: randomBytes(32).toString("hex") }
    const first = await connect(file, key)
    const id = structured(await first.client.callTool({ name: "context_create", arguments: { value: { secret: "plaintext-marker-4711" } } })).id
    await first.client.close()
    const bytes = Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])])
    expect(bytes.includes("plaintext-marker-4711")).toBe(false)
    const second = await connect(file, key)
    expect(structured(await second.client.callTool({ name: "context_get", arguments: { id } })).value).toEqual({ secret: "plaintext-marker-4711" })
    await second.client.close()
    await expect(connect(file)).rejects.toThrow()
  })
})
