/**
 * The prompts feature: `prompts/list` (paged), `prompts/get` (absent arguments are `{}`,
 * arguments that do not decode are -32602; input-required rounds in 2026-07-28) and
 * `notifications/prompts/list_changed`.
 */
import * as Effect from "effect/Effect"
import { McpError } from "../../protocol/errors.js"
import * as Router from "../../protocol/Router.js"
import { GetPromptRequestParams, ListPromptsRequestParams } from "../../schema/prompts.js"
import * as Prompt from "../Prompt.js"
import type { Connections } from "./connections.js"
import { answeringFailures } from "./failures.js"
import type { InputRounds } from "./inputRequired.js"
import { Listing } from "./listing.js"
import { isStateless, type StatelessAnswers } from "./stateless.js"

export class Prompts {
  private readonly listing: Listing<Prompt.Any>

  constructor(
    prompts: ReadonlyArray<Prompt.Any>,
    pageSize: number | undefined,
    private readonly connections: Connections,
    stateless: StatelessAnswers,
    private readonly rounds: InputRounds
  ) {
    this.listing = new Listing("prompts/list", "prompts", (prompt) => prompt.wire, pageSize, stateless.listFields())
    for (const prompt of prompts) this.listing.set(prompt.name, prompt)
  }

  private readonly changed = Effect.suspend(() => this.connections.notify("notifications/prompts/list_changed", undefined, (f) => f.promptsListChanged === true))

  add(prompt: Prompt.Any): Effect.Effect<void> {
    return this.listing.add(prompt.name, prompt, this.changed)
  }

  remove(name: string): Effect.Effect<boolean> {
    return this.listing.remove(name, this.changed)
  }

  values(): ReadonlyArray<Prompt.Any> {
    return this.listing.values()
  }

  get(name: string): Prompt.Any | undefined {
    return this.listing.get(name)
  }

  routes(): ReadonlyArray<Router.Route<any, any>> {
    return [
      Router.request("prompts/list", ListPromptsRequestParams, (params) => this.listing.page(params.cursor, isStateless(params))),
      Router.request("prompts/get", GetPromptRequestParams, (params) => {
        const prompt = this.listing.get(params.name)
        if (prompt === undefined) return Effect.fail(McpError.invalidParams(`Unknown prompt: ${params.name}`, { name: params.name }))
        const args = prompt.decodeArgs(params.arguments ?? {})
        if (args._tag === "Left") {
          const issues = Router.formatIssues(args.left)
          return Effect.fail(McpError.invalidParams(
            `Invalid arguments for prompt ${prompt.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
            { issues }
          ))
        }
        // In 2026-07-28 the prompt's requests to the client are input requests of the get.
        return this.rounds.serve(
          { method: "prompts/get", target: prompt.name },
          params,
          answeringFailures(`Prompt ${prompt.name}`, Effect.map(prompt.handler(args.right), Prompt.resultOf))
        )
      })
    ]
  }
}
