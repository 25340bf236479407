/**
 * How the client answers the server's elicitation requests (`elicitation/create`, or an
 * elicitation input request in 2026-07-28), in form mode and in URL mode: a service the
 * application provides, usually by asking its user. A client without it does not declare the
 * `elicitation` capability.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { McpError } from "../protocol/errors.js"
import type { ElicitationRequestedSchema, ElicitRequestFormParams, ElicitRequestParams, ElicitResult, ElicitValue } from "../schema/elicitation.js"

/** Answers elicitations. */
export interface Service {
  /** Form and URL modes this elicitor handles; declared in the client's capabilities. */
  readonly modes: ReadonlyArray<"form" | "url">
  readonly elicit: (params: ElicitRequestParams) => Effect.Effect<ElicitResult, McpError>
}

/** The client's elicitation service. */
export class Elicitor extends Context.Tag("machine-context/Elicitor")<Elicitor, Service>() {}

/** An elicitor from a function (`modes` defaults to form only). */
export const layer = (elicit: Service["elicit"], modes: ReadonlyArray<"form" | "url"> = ["form"]): Layer.Layer<Elicitor> =>
  Layer.succeed(Elicitor, { modes, elicit })

/** The form's values with each field missing from `content` taken from its `default`. */
export const withDefaults = (
  schema: ElicitationRequestedSchema,
  content: Readonly<Record<string, ElicitValue>> = {}
): Record<string, ElicitValue> => {
  const filled: Record<string, ElicitValue> = { ...content }
  for (const [name, field] of Object.entries(schema.properties)) {
    const fallback = (field as { readonly default?: ElicitValue }).default
    if (filled[name] === undefined && fallback !== undefined) filled[name] = fallback
  }
  return filled
}

/**
 * Accepts every form with its defaults (and `values` over them); declines URL elicitations.
 * For unattended clients and tests.
 */
export const layerAcceptDefaults = (values: Readonly<Record<string, ElicitValue>> = {}): Layer.Layer<Elicitor> =>
  layer((params) =>
    Effect.succeed<ElicitResult>(params.mode === "url"
      ? { action: "decline" }
      : { action: "accept", content: withDefaults((params as ElicitRequestFormParams).requestedSchema, values) })
  )
