/**
 * What the client serves to the server: `ping`, sampling, elicitation and roots requests
 * (answered by the application's services), and every notification (published to the client's
 * hub). Also the client capabilities those services amount to, and the answers to the input
 * requests of a 2026-07-28 input-required result.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Schema from "effect/Schema"
import { McpError } from "../../protocol/errors.js"
import { RequestContext } from "../../protocol/RequestContext.js"
import * as Router from "../../protocol/Router.js"
import { ElicitRequestParams } from "../../schema/elicitation.js"
import type { ClientCapabilities } from "../../schema/lifecycle.js"
import { ListRootsRequestParams } from "../../schema/roots.js"
import { CreateMessageRequestParams } from "../../schema/sampling.js"
import type { InputRequest } from "../../schema/stateless.js"
import { Elicitor } from "../Elicitor.js"
import { Roots } from "../Roots.js"
import { Sampler } from "../Sampler.js"

/** A notification the server sent. */
export interface Notification {
  readonly method: string
  readonly params: Record<string, unknown>
}

/** The services the application gave the client (each optional). */
export interface Services {
  readonly sampler: Sampler["Type"] | undefined
  readonly elicitor: Elicitor["Type"] | undefined
  readonly roots: Roots["Type"] | undefined
}

/** Reads the optional services from the environment. */
export const services: Effect.Effect<Services> = Effect.all({
  sampler: Effect.map(Effect.serviceOption(Sampler), Option.getOrUndefined),
  elicitor: Effect.map(Effect.serviceOption(Elicitor), Option.getOrUndefined),
  roots: Effect.map(Effect.serviceOption(Roots), Option.getOrUndefined)
})

/** The capabilities the services amount to. */
export const capabilities = (services: Services): ClientCapabilities => {
  const declared: Record<string, unknown> = {}
  if (services.sampler !== undefined) declared.sampling = {}
  if (services.elicitor !== undefined) {
    declared.elicitation = Object.fromEntries(services.elicitor.modes.map((mode) => [mode, {}]))
  }
  if (services.roots !== undefined) declared.roots = { listChanged: true }
  return declared as ClientCapabilities
}

const unsupported = (what: string) => Effect.fail(new McpError({ code: -32601, message: `This client does not support ${what}` }))

/** Answers one server request (a 2025 request or a 2026 input request). */
export const answer = (services: Services, request: InputRequest): Effect.Effect<Record<string, unknown>, McpError> => {
  switch (request.method) {
    case "sampling/createMessage":
      return services.sampler === undefined ? unsupported("sampling") : services.sampler.createMessage(request.params)
    case "elicitation/create": {
      const mode = request.params.mode ?? "form"
      return services.elicitor === undefined || !services.elicitor.modes.includes(mode)
        ? unsupported(`${mode} elicitation`)
        : services.elicitor.elicit(request.params)
    }
    case "roots/list":
      return services.roots === undefined ? unsupported("roots") : Effect.map(services.roots.list, (roots) => ({ roots }))
  }
}

/** The client's method table. */
export const router = (services: Services, hub: PubSub.PubSub<Notification>): Router.Router<never> =>
  new Router.Router<never>([
    Router.request("ping", Schema.Struct({}), () => Effect.succeed({})),
    Router.request("sampling/createMessage", CreateMessageRequestParams, (params) =>
      answer(services, { method: "sampling/createMessage", params })),
    Router.request("elicitation/create", ElicitRequestParams, (params) =>
      answer(services, { method: "elicitation/create", params })),
    Router.request("roots/list", ListRootsRequestParams, () => answer(services, { method: "roots/list" })),
    Router.notification<Record<string, unknown>, Record<string, unknown>>("notifications/*", Schema.Record({ key: Schema.String, value: Schema.Unknown }), (params) =>
      Effect.flatMap(RequestContext, (request) => PubSub.publish(hub, { method: request.method, params })))
  ])
