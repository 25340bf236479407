/**
 * How the client answers the server's sampling requests (`sampling/createMessage`, or a
 * sampling input request in 2026-07-28): a service the application provides, usually backed by
 * its language model. A client without it does not declare the `sampling` capability.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { McpError } from "../protocol/errors.js"
import type { CreateMessageRequestParams, CreateMessageResult } from "../schema/sampling.js"

/** Answers one sampling request. Fail with `McpError` to answer it with an error (e.g. the user declined). */
export interface Service {
  readonly createMessage: (params: CreateMessageRequestParams) => Effect.Effect<CreateMessageResult, McpError>
}

/** The client's sampling service. */
export class Sampler extends Context.Tag("machine-context/Sampler")<Sampler, Service>() {}

/**
 * A sampler from a function.
 *
 * @example
 * McpClient.layerStdio({ command: "server" }).pipe(Layer.provide(Sampler.layer((params) =>
 *   Effect.succeed({ role: "assistant", content: { type: "text", text: "hi" }, model: "m" }))))
 */
export const layer = (createMessage: Service["createMessage"]): Layer.Layer<Sampler> => Layer.succeed(Sampler, { createMessage })
