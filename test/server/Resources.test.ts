import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpError } from "../../src/protocol/errors.js"
import * as Resource from "../../src/server/Resource.js"
import * as ResourceTemplate from "../../src/server/ResourceTemplate.js"
import { ask, listAll, serverWith } from "./support.js"

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"

const StaticText = Resource.make(
  { uri: "test://static-text", name: "static-text", title: "Static text", mimeType: "text/plain" },
  Effect.succeed("This is the content of the static text resource.")
)
const StaticBinary = Resource.make(
  { uri: "test://static-binary", name: "static-binary", mimeType: "image/png" },
  Effect.succeed(new Uint8Array(Buffer.from(PNG, "base64")))
)
const Watched = Resource.make({ uri: "test://watched-resource", name: "watched-resource", mimeType: "text/plain" }, Effect.succeed("Watched resource content"))

class Missing extends Schema.TaggedError<Missing>()("Missing", { message: Schema.String }) {}

const Data = ResourceTemplate.make({
  uriTemplate: "test://template/{id}/data",
  name: "template",
  mimeType: "application/json",
  params: Schema.Struct({ id: Schema.NumberFromString })
}, ({ id }, uri): Effect.Effect<string, Resource.ResourceNotFound | Missing> =>
  id === 404
    ? Effect.fail(new Resource.ResourceNotFound({ uri }))
    : id === 500
    ? Effect.fail(new Missing({ message: "the store is down" }))
    : Effect.succeed(JSON.stringify({ id: String(id), templateTest: true, data: `Data for ID: ${id}` })))

const Search = ResourceTemplate.make({
  uriTemplate: "test://search/{+path}{?q,lang}",
  name: "search",
  params: Schema.Struct({ path: Schema.String, q: Schema.optional(Schema.String), lang: Schema.optional(Schema.String) })
}, (params) => Effect.succeed([{ uri: "test://result", mimeType: "application/json", text: JSON.stringify(params) }]))

// Matches what Data refuses (ids that are not numbers): the second template gets them.
const Named = ResourceTemplate.make({
  uriTemplate: "test://template/{name}/data",
  name: "named",
  params: Schema.Struct({ name: Schema.String })
}, ({ name }) => Effect.succeed(`named ${name}`))

const options = { resources: [StaticText, StaticBinary, Watched], resourceTemplates: [Data, Search, Named] }

describe("resources", () => {
  it.scopedLive("lists direct resources only, and templates apart", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(options)
      const peerA = yield* peer()
      const list = (yield* ask(peerA, 1, "resources/list")).result
      expect(list.resources).toEqual([
        { uri: "test://static-text", name: "static-text", title: "Static text", mimeType: "text/plain" },
        { uri: "test://static-binary", name: "static-binary", mimeType: "image/png" },
        { uri: "test://watched-resource", name: "watched-resource", mimeType: "text/plain" }
      ])
      expect(list.nextCursor).toBeUndefined()
      const templates = (yield* ask(peerA, 2, "resources/templates/list")).result
      expect(templates.resourceTemplates).toEqual([
        { uriTemplate: "test://template/{id}/data", name: "template", mimeType: "application/json" },
        { uriTemplate: "test://search/{+path}{?q,lang}", name: "search" },
        { uriTemplate: "test://template/{name}/data", name: "named" }
      ])
    }))

  it.scopedLive("reads text, bytes and templates with decoded parameters", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(options)
      const client = yield* peer()
      expect((yield* ask(client, 1, "resources/read", { uri: "test://static-text" })).result).toEqual({
        contents: [{ uri: "test://static-text", mimeType: "text/plain", text: "This is the content of the static text resource." }]
      })
      expect((yield* ask(client, 2, "resources/read", { uri: "test://static-binary" })).result.contents).toEqual([
        { uri: "test://static-binary", mimeType: "image/png", blob: PNG }
      ])
      const data = (yield* ask(client, 3, "resources/read", { uri: "test://template/123/data" })).result.contents[0]
      expect(data.uri).toBe("test://template/123/data")
      expect(data.mimeType).toBe("application/json")
      // NumberFromString decoded "123" to 123; the handler made it a string again.
      expect(JSON.parse(data.text)).toEqual({ id: "123", templateTest: true, data: "Data for ID: 123" })
      const search = (yield* ask(client, 4, "resources/read", { uri: "test://search/a/b%20c?lang=fr&q=x" })).result.contents[0]
      expect(JSON.parse(search.text)).toEqual({ path: "a/b c", q: "x", lang: "fr" })
      // "abc" does not decode as a number: the next matching template serves it.
      expect((yield* ask(client, 5, "resources/read", { uri: "test://template/abc/data" })).result.contents[0].text).toBe("named abc")
    }))

  it.scopedLive("answers an unknown URI with -32002 and data.uri, and maps read failures", () =>
    Effect.gen(function*() {
      const { peer } = yield* serverWith(options)
      const client = yield* peer()
      const missing = yield* ask(client, 1, "resources/read", { uri: "test://nope" })
      expect(missing.error).toEqual({ code: -32002, message: "Resource not found", data: { uri: "test://nope" } })
      const notFound = yield* ask(client, 2, "resources/read", { uri: "test://template/404/data" })
      expect(notFound.error).toEqual({ code: -32002, message: "Resource not found", data: { uri: "test://template/404/data" } })
      const failed = yield* ask(client, 3, "resources/read", { uri: "test://template/500/data" })
      expect(failed.error.code).toBe(-32603)
      expect(failed.error.message).toContain("the store is down")
    }))

  it.scopedLive("sends updates only to the sessions subscribed to the URI, until they unsubscribe", () =>
    Effect.gen(function*() {
      const { peer, server } = yield* serverWith(options)
      const subscriber = yield* peer()
      const bystander = yield* peer()
      expect((yield* ask(subscriber, 1, "resources/subscribe", { uri: "test://watched-resource" })).result).toEqual({})
      expect((yield* ask(subscriber, 2, "resources/subscribe", { uri: "test://template/7/data" })).result).toEqual({})
      expect((yield* ask(subscriber, 3, "resources/subscribe", { uri: "test://unknown" })).error.code).toBe(-32002)
      yield* server.notifyResourceUpdated("test://watched-resource")
      yield* server.notifyResourceUpdated("test://static-text")
      yield* server.notifyResourceUpdated("test://template/7/data")
      const received = yield* subscriber.drain(50)
      expect(received).toEqual([
        { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "test://watched-resource" } },
        { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "test://template/7/data" } }
      ])
      expect(yield* bystander.drain(20)).toEqual([])
      expect((yield* ask(subscriber, 4, "resources/unsubscribe", { uri: "test://watched-resource" })).result).toEqual({})
      yield* server.notifyResourceUpdated("test://watched-resource")
      expect(yield* subscriber.drain(30)).toEqual([])
    }))

  it.scopedLive("notifies list changes when resources or templates are added or removed", () =>
    Effect.gen(function*() {
      const { peer, server } = yield* serverWith(options)
      const client = yield* peer()
      const Extra = Resource.make({ uri: "test://extra", name: "extra" }, Effect.succeed("extra"))
      yield* server.addResource(Extra)
      expect((yield* client.next()).method).toBe("notifications/resources/list_changed")
      expect((yield* ask(client, 1, "resources/read", { uri: "test://extra" })).result.contents[0].text).toBe("extra")
      expect(yield* server.removeResource("test://extra")).toBe(true)
      expect((yield* client.next()).method).toBe("notifications/resources/list_changed")
      expect(yield* server.removeResource("test://extra")).toBe(false)
      expect((yield* ask(client, 2, "resources/read", { uri: "test://extra" })).error.code).toBe(-32002)
      expect(yield* server.removeResourceTemplate(Data.uriTemplate)).toBe(true)
      expect((yield* client.next()).method).toBe("notifications/resources/list_changed")
      yield* server.addResourceTemplate(Data)
      expect((yield* client.next()).method).toBe("notifications/resources/list_changed")
      expect((yield* server.resourceTemplates).map((t) => t.name)).toEqual(["search", "named", "template"])
      expect(yield* client.drain(20)).toEqual([])
    }))

  it.scopedLive("pages resources/list and resources/templates/list with opaque cursors", () =>
    Effect.gen(function*() {
      const many = Array.from({ length: 5 }, (_, i) => Resource.make({ uri: `test://r/${i}`, name: `r${i}` }, Effect.succeed(String(i))))
      const { peer } = yield* serverWith({ ...options, resources: many, pageSize: 2 })
      const client = yield* peer()
      const resources = yield* listAll(client, "resources/list", "resources")
      expect(resources.pages).toBe(3)
      expect(resources.items.map((r) => r.name)).toEqual(["r0", "r1", "r2", "r3", "r4"])
      const templates = yield* listAll(client, "resources/templates/list", "resourceTemplates")
      expect(templates.pages).toBe(2)
      expect(templates.items.map((t) => t.name)).toEqual(["template", "search", "named"])
      expect((yield* ask(client, 1, "resources/list", { cursor: "garbage" })).error.code).toBe(-32602)
    }))

  it("refuses templates whose parameters the template cannot fill", () => {
    expect(() =>
      ResourceTemplate.make({ uriTemplate: "test://{a}", name: "x", params: Schema.Struct({ a: Schema.String, b: Schema.String }) }, () => Effect.succeed(""))
    ).toThrow(/params require b/)
    expect(() =>
      ResourceTemplate.make({ uriTemplate: "test://{a", name: "x", params: Schema.Struct({}) }, () => Effect.succeed(""))
    ).toThrow(ResourceTemplate.ResourceTemplateDefinitionError)
    expect(() =>
      ResourceTemplate.make({
        uriTemplate: "test://{a}",
        name: "x",
        params: Schema.Struct({ a: Schema.String }),
        complete: { b: () => Effect.succeed([]) } as any
      }, () => Effect.succeed(""))
    ).toThrow(/unknown parameters: b/)
  })

  it("ResourceNotFound knows its JSON-RPC error", () => {
    expect(new Resource.ResourceNotFound({ uri: "x://y" }).toMcpError()).toEqual(new McpError({ code: -32002, message: "Resource not found", data: { uri: "x://y" } }))
  })
})
