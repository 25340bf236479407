/**
 * The method table: eras of each method (`isAvailable`, `methodsFor`), table consistency and
 * precise typing. When the specification's TypeScript schemas are at `/tmp/mcp-spec`, the
 * table is also checked against their `ClientRequest` / `ServerNotification` / ... unions.
 */
import { existsSync, readFileSync } from "node:fs"
import { describe, expect, expectTypeOf, it } from "vitest"
import type * as Schema from "effect/Schema"
import * as S from "../../src/schema/index.js"
import { rejects } from "./helpers.js"

type Sender = "client" | "server"
type Kind = "request" | "notification"

const names = (version: S.ProtocolVersion, sender: Sender, kind: Kind) =>
  S.methodsFor(version, sender, kind)
    .map((spec) => spec.method)
    .sort()

const stateful = {
  clientRequests: [
    "completion/complete",
    "initialize",
    "logging/setLevel",
    "ping",
    "prompts/get",
    "prompts/list",
    "resources/list",
    "resources/read",
    "resources/subscribe",
    "resources/templates/list",
    "resources/unsubscribe",
    "tools/call",
    "tools/list"
  ],
  clientNotifications: [
    "notifications/cancelled",
    "notifications/initialized",
    "notifications/progress",
    "notifications/roots/list_changed"
  ],
  serverRequests: ["ping", "roots/list", "sampling/createMessage"],
  serverNotifications: [
    "notifications/cancelled",
    "notifications/message",
    "notifications/progress",
    "notifications/prompts/list_changed",
    "notifications/resources/list_changed",
    "notifications/resources/updated",
    "notifications/tools/list_changed"
  ]
}

const tasks = ["tasks/cancel", "tasks/get", "tasks/list", "tasks/result"]

/** Expected method names per era, by hand from the specification. */
const expected: Record<S.ProtocolVersion, Record<keyof typeof stateful, ReadonlyArray<string>>> = {
  "2024-11-05": stateful,
  "2025-03-26": stateful,
  "2025-06-18": { ...stateful, serverRequests: [...stateful.serverRequests, "elicitation/create"] },
  "2025-11-25": {
    clientRequests: [...stateful.clientRequests, ...tasks],
    clientNotifications: [...stateful.clientNotifications, "notifications/tasks/status"],
    serverRequests: [...stateful.serverRequests, "elicitation/create", ...tasks],
    serverNotifications: [
      ...stateful.serverNotifications,
      "notifications/elicitation/complete",
      "notifications/tasks/status"
    ]
  },
  "2026-07-28": {
    clientRequests: [
      "completion/complete",
      "prompts/get",
      "prompts/list",
      "resources/list",
      "resources/read",
      "resources/templates/list",
      "server/discover",
      "subscriptions/listen",
      "tools/call",
      "tools/list"
    ],
    clientNotifications: ["notifications/cancelled"],
    serverRequests: [],
    serverNotifications: [
      "notifications/cancelled",
      "notifications/message",
      "notifications/progress",
      "notifications/prompts/list_changed",
      "notifications/resources/list_changed",
      "notifications/resources/updated",
      "notifications/subscriptions/acknowledged",
      "notifications/tools/list_changed"
    ]
  }
}

describe("methodsFor", () => {
  for (const version of S.ProtocolVersions) {
    it(`lists the methods of ${version}`, () => {
      const want = expected[version]
      expect(names(version, "client", "request")).toEqual([...want.clientRequests].sort())
      expect(names(version, "client", "notification")).toEqual([...want.clientNotifications].sort())
      expect(names(version, "server", "request")).toEqual([...want.serverRequests].sort())
      expect(names(version, "server", "notification")).toEqual([...want.serverNotifications].sort())
    })
  }
})

describe("isAvailable", () => {
  const { ClientRequests, ClientNotifications, ServerRequests, ServerNotifications } = S
  const eras = (spec: S.MethodSpec) => S.ProtocolVersions.filter((version) => S.isAvailable(spec, version))

  it("initialize, ping and logging/setLevel end with 2025-11-25", () => {
    for (const spec of [ClientRequests.initialize, ClientRequests.ping, ClientRequests["logging/setLevel"]]) {
      expect(eras(spec)).toEqual(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
    }
    expect(eras(ClientNotifications["notifications/initialized"])).not.toContain("2026-07-28")
  })

  it("elicitation/create is a server request from 2025-06-18 to 2025-11-25", () => {
    expect(eras(ServerRequests["elicitation/create"])).toEqual(["2025-06-18", "2025-11-25"])
  })

  it("tasks exist in 2025-11-25 only", () => {
    for (const method of tasks) {
      expect(eras(S.findMethod("client", "request", method)!)).toEqual(["2025-11-25"])
      expect(eras(S.findMethod("server", "request", method)!)).toEqual(["2025-11-25"])
    }
    expect(eras(ServerNotifications["notifications/tasks/status"])).toEqual(["2025-11-25"])
  })

  it("server/discover and subscriptions/listen exist in 2026-07-28 only", () => {
    expect(eras(ClientRequests["server/discover"])).toEqual(["2026-07-28"])
    expect(eras(ClientRequests["subscriptions/listen"])).toEqual(["2026-07-28"])
    expect(eras(ServerNotifications["notifications/subscriptions/acknowledged"])).toEqual(["2026-07-28"])
  })

  it("tools, prompts, resources and completion exist in every era", () => {
    for (const method of ["tools/call", "tools/list", "prompts/get", "resources/read", "completion/complete"] as const) {
      expect(eras(ClientRequests[method])).toEqual([...S.ProtocolVersions])
    }
  })

  it("resources/subscribe is replaced by subscriptions/listen", () => {
    expect(S.isAvailable(ClientRequests["resources/subscribe"], "2025-11-25")).toBe(true)
    expect(S.isAvailable(ClientRequests["resources/subscribe"], "2026-07-28")).toBe(false)
  })
})

describe("tables", () => {
  const tables = [
    ["client", "request", S.ClientRequests],
    ["client", "notification", S.ClientNotifications],
    ["server", "request", S.ServerRequests],
    ["server", "notification", S.ServerNotifications]
  ] as const

  it("key every spec by its method, with its table's sender and kind", () => {
    for (const [sender, kind, table] of tables) {
      for (const [key, spec] of Object.entries(table) as Array<[string, S.MethodSpec]>) {
        expect(spec.method).toBe(key)
        expect(spec.sender).toBe(sender)
        expect(spec.kind).toBe(kind)
        expect(spec.result !== undefined).toBe(kind === "request")
        if (spec.until !== undefined) expect(S.isAtLeast(spec.until, spec.since)).toBe(true)
        expect(S.findMethod(sender, kind, key)).toBe(spec)
      }
    }
    expect(S.AllMethods.length).toBe(tables.reduce((n, [, , table]) => n + Object.keys(table).length, 0))
  })

  it("findMethod ignores unknown and inherited names", () => {
    expect(S.findMethod("client", "request", "nope")).toBeUndefined()
    expect(S.findMethod("client", "request", "toString")).toBeUndefined()
  })

  it("accept absent params exactly for methods whose params are all optional", () => {
    const optional = new Set([
      "ping",
      "server/discover",
      "tools/list",
      "prompts/list",
      "resources/list",
      "resources/templates/list",
      "tasks/list",
      "roots/list",
      "notifications/initialized",
      "notifications/roots/list_changed",
      "notifications/tools/list_changed",
      "notifications/prompts/list_changed",
      "notifications/resources/list_changed",
      // `requestId` is optional in 2025-11-25 (the superset), so `{}` is valid params
      "notifications/cancelled"
    ])
    for (const spec of S.AllMethods) {
      const [schema, message] =
        spec.kind === "request"
          ? [S.requestMessage(spec), { jsonrpc: "2.0", id: 1, method: spec.method }]
          : [S.notificationMessage(spec), { jsonrpc: "2.0", method: spec.method }]
      expect(!rejects(schema, message), spec.method).toBe(optional.has(spec.method))
      expect(rejects(schema, { ...message, method: "other" }), spec.method).toBe(true)
    }
  })

  it("types each spec's schemas precisely", () => {
    type CallParams = Schema.Schema.Type<(typeof S.ClientRequests)["tools/call"]["params"]>
    expectTypeOf<CallParams>().toEqualTypeOf<S.CallToolRequestParams>()
    type CallResult = Schema.Schema.Type<(typeof S.ClientRequests)["tools/call"]["result"]>
    expectTypeOf<CallResult>().toEqualTypeOf<S.CallToolResult>()
    expectTypeOf(S.ClientRequests.initialize.since).toEqualTypeOf<"2024-11-05">()
    expectTypeOf(S.ClientRequests["server/discover"].result).toEqualTypeOf<typeof S.DiscoverResult>()
  })
})

describe("era-dependent results", () => {
  const call = S.ClientRequests["tools/call"]

  it("tools/call may answer with a task in 2025-11-25 and with input-required in 2026-07-28", () => {
    expect(S.resultSchemaFor(call, "2025-06-18")).toBe(call.result)
    expect(S.resultSchemaFor(call, "2025-11-25")).not.toBe(call.result)
    expect(S.resultSchemaFor(call, "2026-07-28")).not.toBe(call.result)
    expect(S.resultSchemaFor(S.ClientRequests["tools/list"], "2026-07-28")).toBe(S.ClientRequests["tools/list"].result)
    expect(S.resultSchemaFor(S.ClientNotifications["notifications/cancelled"], "2026-07-28")).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------
// Cross-check with the specification's own TypeScript schemas, when present
// ---------------------------------------------------------------------------

const specDir = "/tmp/mcp-spec"

/** Method names of a union type (`ClientRequest`, ...) of a spec file. */
const unionMethods = (source: string, union: string): ReadonlyArray<string> => {
  const methodOf = new Map<string, string>()
  for (const match of source.matchAll(/export interface (\w+)(?:\s+extends[^{]*)?\{\s*method: "([^"]+)"/g)) {
    methodOf.set(match[1]!, match[2]!)
  }
  const body = new RegExp(`export type ${union} =([^;]*);`).exec(source)?.[1]
  if (body === undefined) return []
  return body
    .split("|")
    .map((name) => name.trim())
    .filter((name) => name.length > 0)
    .map((name) => methodOf.get(name) ?? `?${name}`)
    .sort()
}

describe.skipIf(!existsSync(specDir))("method table agrees with the specification schemas", () => {
  for (const version of S.ProtocolVersions) {
    it(version, () => {
      const source = readFileSync(`${specDir}/${version}.schema.ts`, "utf8")
      expect(names(version, "client", "request")).toEqual(unionMethods(source, "ClientRequest"))
      expect(names(version, "client", "notification")).toEqual(unionMethods(source, "ClientNotification"))
      expect(names(version, "server", "request")).toEqual(unionMethods(source, "ServerRequest"))
      expect(names(version, "server", "notification")).toEqual(unionMethods(source, "ServerNotification"))
    })
  }
})
