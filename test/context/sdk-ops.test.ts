/**
 * The context tools beyond single writes through the official SDK client: two clients on their
 * own Streamable HTTP sessions of one `node dist/mcx.js serve --port 0`. A transaction that
 * commits and one refused as a whole, a lease of one client refusing the other's write, restore,
 * export → import, and verification. The clients list the tools first, so that the SDK checks
 * every structured result against the tool's output schema.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type HttpServer, killIfRunning, spawnHttpServer } from "../e2e/support/server.js"

type Result = { isError?: boolean; structuredContent?: any; content: Array<{ text: string }>; _meta?: Record<string, any> }

describe("context workflows with two SDK clients over Streamable HTTP", () => {
  let server: HttpServer | undefined
  const clients: Array<Client> = []

  beforeAll(async () => {
    server = await spawnHttpServer([])
    for (const name of ["alice", "bob"]) {
      const client = new Client({ name, version: "1.0.0" }, { capabilities: {} })
      await client.connect(new StreamableHTTPClientTransport(server.url))
      await client.listTools()
      clients.push(client)
    }
  })

  afterAll(async () => {
    for (const client of clients) await client.close()
    killIfRunning(server?.child.pid)
  })

  const call = async (client: Client, name: string, args: Record<string, unknown>): Promise<Result> =>
    (await client.callTool({ name, arguments: args })) as Result
  const ok = async (client: Client, name: string, args: Record<string, unknown>) => {
    const result = await call(client, name, args)
    expect(result.isError ?? false, result.content[0]?.text).toBe(false)
    return result.structuredContent
  }
  const failure = async (client: Client, name: string, args: Record<string, unknown>) => {
    const result = await call(client, name, args)
    expect(result.isError).toBe(true)
    return result._meta!["machine-context/error"]
  }
  const create = async (client: Client, value: unknown, labels?: Record<string, string>) =>
    (await ok(client, "context_create", { value, ...(labels === undefined ? {} : { labels }) })).context as { id: string; version: number }
  const read = async (client: Client, id: string) => (await ok(client, "context_get", { id })).context as { version: number; value: unknown }

  it("commits a transaction across contexts, and refuses a stale one as a whole", async () => {
    const [alice, bob] = clients as [Client, Client]
    const from = await create(alice, { balance: 10 })
    const to = await create(alice, { balance: 0 })
    const moved = await ok(bob, "context_transaction", {
      writes: [
        { op: "update", id: from.id, merge: { balance: 7 }, expectedVersion: 1 },
        { op: "update", id: to.id, merge: { balance: 3 }, expectedVersion: 1 }
      ]
    })
    expect(moved.results.map((r: any) => [r.id, r.context.version, r.context.value])).toEqual([[from.id, 2, { balance: 7 }], [to.id, 2, { balance: 3 }]])

    // Bob still believes in version 1 of `to`: neither write happens.
    const refused = await failure(bob, "context_transaction", {
      writes: [
        { op: "update", id: from.id, merge: { balance: 2 }, expectedVersion: 2 },
        { op: "update", id: to.id, merge: { balance: 8 }, expectedVersion: 1 }
      ]
    })
    expect(refused).toEqual({ _tag: "VersionConflict", id: to.id, expected: 1, actual: 2 })
    expect([await read(alice, from.id), await read(alice, to.id)]).toEqual([
      expect.objectContaining({ version: 2, value: { balance: 7 } }),
      expect.objectContaining({ version: 2, value: { balance: 3 } })
    ])
  })

  it("a lease held by one client refuses the other's writes until it is released", async () => {
    const [alice, bob] = clients as [Client, Client]
    const doc = await create(alice, { text: "draft" })
    const { lease } = await ok(alice, "context_lease_acquire", { ids: [doc.id], ttlMs: 60_000 })
    expect(lease.ids).toEqual([doc.id])
    expect(await failure(bob, "context_update", { id: doc.id, merge: { text: "bob's" } })).toEqual({ _tag: "LeaseError", id: doc.id, reason: "Held" })
    expect(await failure(bob, "context_transaction", { writes: [{ op: "delete", id: doc.id }] })).toEqual({ _tag: "LeaseError", id: doc.id, reason: "Held" })
    await ok(alice, "context_update", { id: doc.id, merge: { text: "alice's" }, lease: lease.token })
    const renewed = await ok(alice, "context_lease_renew", { token: lease.token, ids: lease.ids, ttlMs: 60_000 })
    expect(renewed.lease.token).toBe(lease.token)
    await ok(alice, "context_lease_release", { token: lease.token, ids: lease.ids })
    expect((await ok(bob, "context_update", { id: doc.id, merge: { text: "bob's" } })).context).toMatchObject({ version: 3, value: { text: "bob's" } })
  })

  it("restores a version, exports and imports contexts with their histories, and verifies them", async () => {
    const [alice, bob] = clients as [Client, Client]
    const label = { suite: "sdk-ops-export" }
    const note = await create(alice, { v: 1 }, label)
    const other = await create(alice, ["a"], label)
    await ok(alice, "context_update", { id: note.id, merge: { v: 2 } })
    expect((await ok(bob, "context_restore", { id: note.id, version: 1, expectedVersion: 2 })).context).toMatchObject({ version: 3, value: { v: 1 } })
    const history = (await ok(alice, "context_history", { id: note.id })).entries

    const { document } = await ok(alice, "context_export", { labels: label })
    expect(document.contexts.map((c: any) => c.record.id).sort()).toEqual([note.id, other.id].sort())
    for (const id of [note.id, other.id]) await ok(alice, "context_delete", { id })
    expect(await failure(bob, "context_get", { id: note.id })).toEqual({ _tag: "ContextNotFound", id: note.id })

    expect((await ok(bob, "context_import", { document })).ids.sort()).toEqual([note.id, other.id].sort())
    expect((await ok(bob, "context_history", { id: note.id })).entries).toEqual(history)
    const verified = await ok(bob, "context_verify", { id: note.id })
    expect(verified).toEqual({ valid: true, version: 3, hash: history[2].hash })
    // Importing the same document again adds nothing: the ids are in use.
    expect((await failure(alice, "context_import", { document }))._tag).toBe("ContextValidationError")
    expect(await failure(alice, "context_verify", { id: "ctx_unknown" })).toEqual({ _tag: "ContextNotFound", id: "ctx_unknown" })
  })
})
