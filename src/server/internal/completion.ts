/**
 * `completion/complete`: finds the completer of a prompt's argument or a template's
 * parameter and answers with at most 100 of its values. An unknown prompt or template is
 * -32602; an argument without a completer gets no values.
 */
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import * as Router from "../../protocol/Router.js"
import { CompleteRequestParams } from "../../schema/completion.js"
import type { CompleteResult } from "../../schema/completion.js"
import * as Completion from "../Completion.js"
import type { Prompts } from "./prompts.js"
import type { Resources } from "./resources.js"

const none: CompleteResult = { completion: { values: [], total: 0, hasMore: false } }

export const routes = (prompts: Prompts, resources: Resources): ReadonlyArray<Router.Route<any, any>> => [
  Router.request("completion/complete", CompleteRequestParams, (params) => {
    let completers: Completion.Completers
    if (params.ref.type === "ref/prompt") {
      const prompt = prompts.get(params.ref.name)
      if (prompt === undefined) return Effect.fail(McpError.invalidParams(`Unknown prompt: ${params.ref.name}`, { ref: params.ref }))
      completers = prompt.complete
    } else {
      const template = resources.template(params.ref.uri)
      if (template === undefined) {
        return resources.has(params.ref.uri)
          ? Effect.succeed(none)
          : Effect.fail(McpError.invalidParams(`Unknown resource template: ${params.ref.uri}`, { ref: params.ref }))
      }
      completers = template.complete
    }
    const completer = Object.hasOwn(completers, params.argument.name) ? completers[params.argument.name] : undefined
    if (completer === undefined) return Effect.succeed(none)
    return Effect.map(
      completer(params.argument.value, { arguments: params.context?.arguments ?? {} }),
      (values): CompleteResult => ({
        completion: {
          values: values.slice(0, Completion.maxValues),
          total: values.length,
          hasMore: values.length > Completion.maxValues
        }
      })
    )
  })
]
