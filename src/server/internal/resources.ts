/**
 * The resources feature: `resources/list`, `resources/templates/list` (paged),
 * `resources/read` (a direct resource, else the first template that matches and decodes),
 * `resources/subscribe` / `resources/unsubscribe` per session, and the notifications
 * `resources/updated` (to subscribers only) and `resources/list_changed`.
 */
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import { RequestContext } from "../../protocol/RequestContext.js"
import * as Router from "../../protocol/Router.js"
import type { Session } from "../../protocol/Session.js"
import {
  ListResourcesRequestParams,
  ListResourceTemplatesRequestParams,
  ReadResourceRequestParams,
  SubscribeRequestParams,
  UnsubscribeRequestParams
} from "../../schema/resources.js"
import { ErrorCode } from "../../schema/jsonrpc.js"
import type { ReadResourceResult } from "../../schema/resources.js"
import * as Resource from "../Resource.js"
import type * as ResourceTemplate from "../ResourceTemplate.js"
import type { Connections } from "./connections.js"
import { answeringFailures } from "./failures.js"
import type { InputRounds } from "./inputRequired.js"
import { Listing } from "./listing.js"
import { isStateless, type StatelessAnswers } from "./stateless.js"

export class Resources {
  private readonly resources: Listing<Resource.Any>
  private readonly templates: Listing<ResourceTemplate.Any>
  private readonly subscriptions = new WeakMap<Session, Set<string>>()

  constructor(
    resources: ReadonlyArray<Resource.Any>,
    templates: ReadonlyArray<ResourceTemplate.Any>,
    pageSize: number | undefined,
    private readonly connections: Connections,
    private readonly stateless: StatelessAnswers,
    private readonly rounds: InputRounds
  ) {
    this.resources = new Listing("resources/list", "resources", (resource) => resource.wire, pageSize, stateless.listFields())
    this.templates = new Listing("resources/templates/list", "resourceTemplates", (template) => template.wire, pageSize, stateless.listFields())
    for (const resource of resources) this.resources.set(resource.uri, resource)
    for (const template of templates) this.templates.set(template.uriTemplate, template)
  }

  private readonly changed = Effect.suspend(() => this.connections.notify("notifications/resources/list_changed", undefined, (f) => f.resourcesListChanged === true))

  add(resource: Resource.Any): Effect.Effect<void> {
    return this.resources.add(resource.uri, resource, this.changed)
  }

  remove(uri: string): Effect.Effect<boolean> {
    return this.resources.remove(uri, this.changed)
  }

  addTemplate(template: ResourceTemplate.Any): Effect.Effect<void> {
    return this.templates.add(template.uriTemplate, template, this.changed)
  }

  removeTemplate(uriTemplate: string): Effect.Effect<boolean> {
    return this.templates.remove(uriTemplate, this.changed)
  }

  /** Sends `notifications/resources/updated` to the sessions subscribed to `uri`. */
  updated(uri: string): Effect.Effect<void> {
    return this.connections.notify(
      "notifications/resources/updated",
      { uri },
      (filter) => filter.resourceSubscriptions?.includes(uri) === true,
      (session) => this.subscriptions.get(session)?.has(uri) === true
    )
  }

  resourceList(): ReadonlyArray<Resource.Any> {
    return this.resources.values()
  }

  templateList(): ReadonlyArray<ResourceTemplate.Any> {
    return this.templates.values()
  }

  /** The template listed under `uriTemplate`, for completions. */
  template(uriTemplate: string): ResourceTemplate.Any | undefined {
    return this.templates.get(uriTemplate)
  }

  /** Whether `uri` names a direct resource (completions of it have nothing to complete). */
  has(uri: string): boolean {
    return this.resources.get(uri) !== undefined
  }

  private exists(uri: string): boolean {
    return this.has(uri) || this.templates.values().some((template) => template.match(uri)?._tag === "Right")
  }

  private read(uri: string): Effect.Effect<ReadResourceResult, McpError, any> {
    const resource = this.resources.get(uri)
    if (resource !== undefined) {
      return answeringFailures(`Reading ${uri}`, Effect.map(resource.read, (contents) => ({ contents: Resource.contentsOf(uri, resource.mimeType, contents) })))
    }
    for (const template of this.templates.values()) {
      const params = template.match(uri)
      if (params?._tag !== "Right") continue
      return answeringFailures(
        `Reading ${uri}`,
        Effect.map(template.read(params.right, uri), (contents) => ({ contents: Resource.contentsOf(uri, template.mimeType, contents) }))
      )
    }
    return Effect.fail(new Resource.ResourceNotFound({ uri }).toMcpError())
  }

  /**
   * A 2026-07-28 read: cache hints (private: a read may depend on who asks), and an unknown
   * URI is -32602 (that era retired -32002). Run in input-required rounds by the route.
   */
  private readStateless(uri: string): Effect.Effect<ReadResourceResult, McpError, any> {
    return this.read(uri).pipe(
      Effect.map((result) => ({ ...result, ...this.stateless.hints("private") })),
      Effect.mapError((error) => error.code === ErrorCode.ResourceNotFound ? McpError.invalidParams(error.message, error.data) : error)
    )
  }

  routes(): ReadonlyArray<Router.Route<any, any>> {
    return [
      Router.request("resources/list", ListResourcesRequestParams, (params) => this.resources.page(params.cursor, isStateless(params))),
      Router.request("resources/templates/list", ListResourceTemplatesRequestParams, (params) =>
        this.templates.page(params.cursor, isStateless(params))),
      Router.request("resources/read", ReadResourceRequestParams, (params) =>
        // In 2026-07-28 the read's requests to the client are input requests of the read.
        isStateless(params)
          ? this.rounds.serve({ method: "resources/read", target: params.uri }, params, this.readStateless(params.uri))
          : this.read(params.uri)),
      Router.request("resources/subscribe", SubscribeRequestParams, (params) =>
        Effect.flatMap(RequestContext, (request) => {
          if (!this.exists(params.uri)) return Effect.fail(new Resource.ResourceNotFound({ uri: params.uri }).toMcpError())
          let uris = this.subscriptions.get(request.session)
          if (uris === undefined) this.subscriptions.set(request.session, uris = new Set())
          uris.add(params.uri)
          return Effect.succeed({})
        })),
      Router.request("resources/unsubscribe", UnsubscribeRequestParams, (params) =>
        Effect.map(RequestContext, (request) => {
          this.subscriptions.get(request.session)?.delete(params.uri)
          return {}
        }))
    ]
  }
}
