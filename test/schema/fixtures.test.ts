/**
 * The 2026-07-28 JSON examples of the specification (copied into `fixtures/2026-07-28`, one
 * directory per type name) decode with the corresponding schema.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import * as Schema from "effect/Schema"
import * as S from "../../src/schema/index.js"
import { decodes } from "./helpers.js"

const root = fileURLToPath(new URL("./fixtures/2026-07-28", import.meta.url))
const version = "2026-07-28"

type Check = (input: unknown) => void

const withSchema =
  (schema: Schema.Schema<any, any, never>): Check =>
  (input) => {
    decodes(schema, input)
  }

/** A JSON-RPC request of a 2026 client: the envelope, the stateless `_meta`, then the method's params. */
const clientRequest =
  (method: S.ClientRequestMethod): Check =>
  (input) => {
    const spec = S.ClientRequests[method]
    expect(S.isAvailable(spec, version)).toBe(true)
    const message = decodes(S.requestMessage(spec), input)
    decodes(S.RequestParams2026, message.params)
  }

const notification =
  (sender: "client" | "server", method: string): Check =>
  (input) => {
    const spec = S.findMethod(sender, "notification", method)
    expect(spec && S.isAvailable(spec, version)).toBe(true)
    decodes(S.notificationMessage(spec!), input)
  }

const resultResponse =
  (method: S.ClientRequestMethod): Check =>
  (input) => {
    const message = decodes(S.resultResponseMessage(S.ClientRequests[method], version), input)
    decodes(S.Result2026, message.result)
  }

const errorResponse =
  (code: number, data?: Schema.Schema<any, any, never>): Check =>
  (input) => {
    const response = decodes(S.JsonRpcErrorResponse, input)
    expect(response.error.code).toBe(code)
    if (data !== undefined) decodes(data, response.error.data)
  }

const errorObject =
  (code: number): Check =>
  (input) => {
    expect(decodes(S.JsonRpcErrorObject, input).code).toBe(code)
  }

/** How to check the examples of each type name. */
const checks: Record<string, Check> = {
  // requests and their responses
  CallToolRequest: clientRequest("tools/call"),
  CompleteRequest: clientRequest("completion/complete"),
  DiscoverRequest: clientRequest("server/discover"),
  GetPromptRequest: clientRequest("prompts/get"),
  ListPromptsRequest: clientRequest("prompts/list"),
  ListResourceTemplatesRequest: clientRequest("resources/templates/list"),
  ListResourcesRequest: clientRequest("resources/list"),
  ListToolsRequest: clientRequest("tools/list"),
  ReadResourceRequest: clientRequest("resources/read"),
  SubscriptionsListenRequest: clientRequest("subscriptions/listen"),
  CallToolResultResponse: resultResponse("tools/call"),
  CompleteResultResponse: resultResponse("completion/complete"),
  DiscoverResultResponse: resultResponse("server/discover"),
  GetPromptResultResponse: resultResponse("prompts/get"),
  ListPromptsResultResponse: resultResponse("prompts/list"),
  ListResourceTemplatesResultResponse: resultResponse("resources/templates/list"),
  ListResourcesResultResponse: resultResponse("resources/list"),
  ListToolsResultResponse: resultResponse("tools/list"),
  ReadResourceResultResponse: resultResponse("resources/read"),
  SubscriptionsListenResultResponse: resultResponse("subscriptions/listen"),
  // input requests (embedded in InputRequiredResult, no JSON-RPC envelope)
  CreateMessageRequest: withSchema(S.CreateMessageInputRequest),
  ElicitRequest: withSchema(S.ElicitInputRequest),
  ListRootsRequest: withSchema(S.ListRootsInputRequest),
  // notifications
  CancelledNotification: notification("client", "notifications/cancelled"),
  LoggingMessageNotification: notification("server", "notifications/message"),
  ProgressNotification: notification("server", "notifications/progress"),
  PromptListChangedNotification: notification("server", "notifications/prompts/list_changed"),
  ResourceListChangedNotification: notification("server", "notifications/resources/list_changed"),
  ResourceUpdatedNotification: notification("server", "notifications/resources/updated"),
  SubscriptionsAcknowledgedNotification: notification("server", "notifications/subscriptions/acknowledged"),
  ToolListChangedNotification: notification("server", "notifications/tools/list_changed"),
  // errors
  ParseError: errorObject(S.ErrorCode.ParseError),
  InternalError: errorObject(S.ErrorCode.InternalError),
  InvalidParamsError: errorObject(S.ErrorCode.InvalidParams),
  MethodNotFoundError: errorObject(S.ErrorCode.MethodNotFound),
  HeaderMismatchError: errorResponse(S.StatelessErrorCode.HeaderMismatch),
  UnsupportedProtocolVersionError: errorResponse(
    S.StatelessErrorCode.UnsupportedProtocolVersion,
    S.UnsupportedProtocolVersionErrorData
  ),
  MissingRequiredClientCapabilityError: errorResponse(
    S.StatelessErrorCode.MissingRequiredClientCapability,
    S.MissingRequiredClientCapabilityErrorData
  )
}

/** Type names whose schema is exported under the same name. */
const sameName = (name: string): Check | undefined => {
  const schema = (S as Record<string, unknown>)[name]
  return Schema.isSchema(schema) ? withSchema(schema as Schema.Schema<any, any, never>) : undefined
}

const types = readdirSync(root).sort()

describe("2026-07-28 specification examples", () => {
  it("are all present", () => {
    expect(types.length).toBeGreaterThan(80)
  })
  for (const type of types) {
    const check = checks[type] ?? sameName(type)
    for (const file of readdirSync(join(root, type)).sort()) {
      it(`${type}/${file}`, () => {
        expect(check, `no schema for ${type}`).toBeDefined()
        const input: unknown = JSON.parse(readFileSync(join(root, type, file), "utf8"))
        check!(input)
      })
    }
  }
})

describe("2026-07-28 examples keep their data", () => {
  const read = (path: string): unknown => JSON.parse(readFileSync(join(root, path), "utf8"))

  it("a tool list result keeps cache hints and icons", () => {
    const input = read("ListToolsResult/tools-list-with-cursor-and-ttl.json")
    const decoded = decodes(S.ListToolsResult, input)
    expect(decoded.ttlMs).toBe(300000)
    expect(decoded.cacheScope).toBe("public")
    expect(Schema.encodeSync(S.ListToolsResult)(decoded)).toEqual(input)
  })

  it("an input-required result decodes through the tools/call result of 2026", () => {
    const input = read(
      "InputRequiredResult/input-required-result-with-elicitation-and-sampling-and-request-state.json"
    )
    const schema = S.resultSchemaFor(S.ClientRequests["tools/call"], version)!
    const decoded = decodes(schema, input)
    expect(S.isInputRequired(decoded)).toBe(true)
    expect(Schema.encodeSync(schema)(decoded)).toEqual(input)
  })

  it("input responses decode as their own result types", () => {
    const decoded = decodes(S.InputResponses, read("InputResponses/elicitation-and-sampling-input-responses.json"))
    expect(decoded["github_login"]).toMatchObject({ action: "accept" })
    expect(decoded["capital_of_france"]).toMatchObject({ model: "claude-3-sonnet-20240307" })
  })

  it("a tool's JSON Schema keeps every keyword", () => {
    const input = read("Tool/tool-with-composition-input-schema.json")
    expect(Schema.encodeSync(S.Tool)(decodes(S.Tool, input))).toEqual(input)
  })

  it("request _meta carries the 2026 keys", () => {
    const input = read("CallToolRequestParams/tool-call-params-with-progress-token.json") as { _meta: unknown }
    const meta = decodes(S.RequestMeta2026, input._meta)
    expect(meta[S.MetaKeys.protocolVersion]).toBe("2026-07-28")
    expect(meta.progressToken).toBe("oivaizmir")
  })
})
