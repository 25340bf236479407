/**
 * Prompts: templates of messages the user can pick (`prompts/list`, `prompts/get`). A prompt's
 * arguments are an Effect Schema struct of string fields: the listed `arguments` come from it
 * (optional fields are `required: false`, `description` and `title` annotations are kept), and
 * the arguments of `prompts/get` are decoded with it.
 *
 * @example
 * ```ts
 * const Summarize = Prompt.make({
 *   name: "summarize",
 *   description: "Summarize a text",
 *   args: Schema.Struct({
 *     text: Schema.String.annotations({ description: "The text to summarize" }),
 *     style: Schema.optional(Schema.Literal("short", "long"))
 *   })
 * }, ({ text, style }) => Effect.succeed(`Summarize (${style ?? "short"}): ${text}`))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import type { RequestContext } from "../protocol/RequestContext.js"
import type { Icon } from "../schema/base.js"
import type { GetPromptResult, Prompt as WirePrompt, PromptArgument, PromptMessage } from "../schema/prompts.js"
import * as Completion from "./Completion.js"
import { fieldAnnotation } from "./internal/annotations.js"
import type { ToolContext } from "./ToolContext.js"

/** A prompt that cannot be served: bad arguments schema or unknown completer names. */
export class PromptDefinitionError extends Schema.TaggedError<PromptDefinitionError>()("PromptDefinitionError", {
  name: Schema.String,
  message: Schema.String
}) {}

/**
 * What a handler returns: one user text message, the messages, or the messages with a
 * description.
 */
export type Result =
  | string
  | ReadonlyArray<PromptMessage>
  | { readonly description?: string; readonly messages: ReadonlyArray<PromptMessage> }

/** Options of a prompt. */
export interface Options<A, I, C> {
  readonly name: string
  readonly title?: string
  readonly description: string
  readonly icons?: ReadonlyArray<Icon>
  readonly _meta?: Record<string, unknown>
  /** The arguments: a struct of string fields (decoded to anything). No arguments when absent. */
  readonly args?: Schema.Schema<A, I, never>
  /** Completers of the arguments, by name. */
  readonly complete?: Completion.Option<I, C>
}

/** A prompt: metadata, arguments and handler. */
export interface Prompt<A, E, R> {
  readonly name: string
  /** The listed arguments. */
  readonly arguments: ReadonlyArray<PromptArgument>
  readonly complete: Completion.Completers
  /** Decodes the arguments of `prompts/get` (compiled once). */
  readonly decodeArgs: (args: unknown) => ReturnType<ReturnType<typeof ParseResult.decodeUnknownEither<A, any>>>
  readonly handler: (args: A) => Effect.Effect<Result, E, R>
  /** The wire definition listed by `prompts/list`. */
  readonly wire: WirePrompt
}

/** Any prompt. */
export type Any = Prompt<any, any, any>

/** The services a prompt's handler and completers need beyond what the server provides. */
export type Requirements<T> = T extends Prompt<any, any, infer R> ? Exclude<R, RequestContext | ToolContext> : never

const argumentsOf = (name: string, schema: Schema.Schema<any, any, never>): ReadonlyArray<PromptArgument> => {
  let ast = schema.ast
  // Defaults (`optionalWith`) make a transformation: its encoded side lists what the client sends.
  while (AST.isTransformation(ast)) ast = ast.from
  if (!AST.isTypeLiteral(ast) || ast.indexSignatures.length > 0) {
    throw new PromptDefinitionError({ name, message: "the arguments must be a Schema.Struct of string fields" })
  }
  return ast.propertySignatures.map((signature) => {
    if (typeof signature.name !== "string") throw new PromptDefinitionError({ name, message: "argument names must be strings" })
    const argument: { name: string; title?: string; description?: string; required: boolean } = {
      name: signature.name,
      required: !signature.isOptional
    }
    const title = fieldAnnotation(signature, AST.getTitleAnnotation)
    const description = fieldAnnotation(signature, AST.getDescriptionAnnotation)
    if (title !== undefined) argument.title = title
    if (description !== undefined) argument.description = description
    return argument
  })
}

const NoArguments = Schema.Struct({})

/**
 * Makes a prompt. Throws `PromptDefinitionError` when `args` is not a struct or a completer
 * names no argument.
 */
export const make = <
  A = {},
  I extends Readonly<Record<string, string | undefined>> = {},
  E = never,
  R = never,
  C = {}
>(
  options: Options<A, I, C>,
  handler: (args: A) => Effect.Effect<Result, E, R>
): Prompt<A, E, R | C[keyof C]> => {
  const args = (options.args ?? NoArguments) as Schema.Schema<A, I, never>
  const listed = argumentsOf(options.name, args)
  const unknown = Completion.unknownNames(options.complete as Completion.Completers | undefined, listed.map((a) => a.name))
  if (unknown.length > 0) {
    throw new PromptDefinitionError({ name: options.name, message: `completers for unknown arguments: ${unknown.join(", ")}` })
  }
  const wire: Record<string, unknown> = { name: options.name }
  if (options.title !== undefined) wire.title = options.title
  wire.description = options.description
  if (listed.length > 0) wire.arguments = listed
  if (options.icons !== undefined) wire.icons = options.icons
  if (options._meta !== undefined) wire._meta = options._meta
  return {
    name: options.name,
    arguments: listed,
    complete: (options.complete ?? {}) as Completion.Completers,
    decodeArgs: ParseResult.decodeUnknownEither(args, { errors: "all" }),
    handler,
    wire: wire as WirePrompt
  }
}

/** The `prompts/get` result of a handler's value. */
export const resultOf = (value: Result): GetPromptResult =>
  typeof value === "string"
    ? { messages: [{ role: "user", content: { type: "text", text: value } }] }
    : Array.isArray(value)
    ? { messages: value as ReadonlyArray<PromptMessage> }
    : value as GetPromptResult
